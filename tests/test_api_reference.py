"""docs/api.md, the API reference in the repository, lists exactly the calls of the OpenAPI document."""

from __future__ import annotations

import re
from pathlib import Path

from tests.harness import Suite

REFERENCE = Path(__file__).parent.parent / "docs" / "api.md"
CALL = re.compile(r"`(GET|POST|PUT|PATCH|DELETE) (/api/v1/[^`\s]*)`")


def _shape(path: str) -> str:
    """Path parameters named differently are the same call."""
    return re.sub(r"\{[^}]+\}", "{}", path)


async def test_the_reference_lists_every_call_of_the_document_and_no_other(suite: Suite) -> None:
    document = (await suite.http.get("/openapi.json")).json()
    published = {(method.upper(), _shape(path)) for path, item in document["paths"].items()
                 if path.startswith("/api/v1/") for method in item}
    written = {(method, _shape(path)) for method, path in CALL.findall(REFERENCE.read_text())}
    assert sorted(published - written) == [], "calls the reference does not describe"
    assert sorted(written - published) == [], "calls the reference describes that the API does not have"
