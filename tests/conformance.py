"""Checks real answers against the published OpenAPI document, as a generated client would rely on it:
the status is documented for the operation, the media type is the documented one, and a JSON body is
valid against the documented schema (JSON Schema 2020-12, OpenAPI 3.1's dialect)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import httpx
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

DOCUMENT_URI = "urn:homecare-suite:openapi"


def _pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


@dataclass
class Conformance:
    document: dict[str, Any]
    checked: list[tuple[str, str, int]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        resource = Resource.from_contents(self.document, default_specification=DRAFT202012)
        self._registry: Registry[Any] = Registry().with_resource(DOCUMENT_URI, resource)
        self._templates = sorted(
            ((re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), path) for path in self.document["paths"]),
            key=lambda pair: pair[1].count("{"))

    def operation_of(self, method: str, path: str) -> str | None:
        for pattern, template in self._templates:
            if pattern.match(path) and method.lower() in self.document["paths"][template]:
                return template
        return None

    async def check(self, response: httpx.Response) -> None:
        """An httpx response hook: notes what does not conform."""
        request = response.request
        if not request.url.path.startswith("/api/v1/"):
            return
        await response.aread()
        method, status = request.method.lower(), response.status_code
        template = self.operation_of(method, request.url.path)
        where = f"{request.method} {request.url.path} -> {status}"
        if template is None:
            self.problems.append(f"{where}: no such operation in the document")
            return
        self.checked.append((request.method, template, status))
        responses = self.document["paths"][template][method]["responses"]
        key = str(status) if str(status) in responses else f"{str(status)[0]}XX"
        if key not in responses:
            self.problems.append(f"{where}: status not documented (has {sorted(responses)})")
            return
        if "x-request-id" not in response.headers:
            self.problems.append(f"{where}: no X-Request-ID")
        content = responses[key].get("content", {})
        if not response.content:
            return
        media = response.headers.get("content-type", "").split(";")[0]
        if media not in content:
            self.problems.append(f"{where}: media type {media} not documented (has {sorted(content)})")
            return
        if media.endswith("json") and "schema" in content[media]:
            self.validate_value(where, response.json(), ("paths", template, method, "responses", key, "content",
                                                         media, "schema"))

    def validate_value(self, where: str, body: Any, path: tuple[str, ...]) -> None:
        """Notes where `body` breaks the schema at `path` (a JSON pointer's parts) in the document."""
        schema = {"$ref": f"{DOCUMENT_URI}#/{_pointer(*path)}"}
        validator = Draft202012Validator(schema, registry=self._registry)
        for error in list(validator.iter_errors(body))[:3]:
            self.problems.append(f"{where}: {error.json_path}: {error.message[:200]}")
