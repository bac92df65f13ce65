"""The developers' guides' examples run as written: every curl and Python example of
docs/provider-integration.md and docs/finance.md, against the served suite, with the credentials a council
hands over (`SUITE`, `CLIENT_ID`, `CLIENT_SECRET`)."""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from tests.harness import patched_environment
from tests.integrators import council_sets_up, until
from tests.webclient.staff import admin_headers, import_placement, past_period, rate_card, staff

DOCS = Path(__file__).parent.parent / "docs"
BLOCK = re.compile(r"```(sh|python)\n(.*?)```", re.S)


def _examples(name: str) -> list[tuple[str, str]]:
    """The document's runnable examples: its Python, and the shell commands that call the suite."""
    return [(kind, code) for kind, code in BLOCK.findall((DOCS / name).read_text())
            if kind == "python" or ("$SUITE" in code and "sandbox" not in code)]


def _run(kind: str, code: str, env: dict[str, str]) -> str:
    if kind == "sh":
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", code], env={**os.environ, **env},
                              capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, f"{code}\n{done.stdout}\n{done.stderr}"
        return done.stdout
    printed = io.StringIO()
    with patched_environment(env), contextlib.redirect_stdout(printed):
        exec(compile(code, "example", "exec"), {"__name__": "example"})
    return printed.getvalue()


def _credentials(base: str, role: str, provider_id: str | None = None) -> dict[str, str]:
    client: dict[str, Any] = httpx.post(base + "/api/v1/admin/clients", headers=admin_headers(base), json={
        "name": f"{role} system", "roles": [role], "provider_id": provider_id}).json()
    return {"SUITE": base, "CLIENT_ID": client["client_id"], "CLIENT_SECRET": client["client_secret"]}


def test_the_provider_guides_examples_run_a_providers_day(served_suite: str) -> None:
    provider_id, _area, credentials = council_sets_up(served_suite)
    env = {"SUITE": served_suite, "CLIENT_ID": credentials["client_id"], "CLIENT_SECRET": credentials["client_secret"]}
    examples = _examples("provider-integration.md")
    assert [kind for kind, _ in examples] == ["sh", "sh", "python"]
    outputs = [_run(kind, code, env) for kind, code in examples]
    assert '"scope":"provider"' in outputs[0].replace(" ", "")
    assert '"status":"open"' in outputs[1].replace(" ", "")
    assert outputs[2].splitlines()[0].endswith("1 visit recorded")
    assert outputs[2].splitlines()[0].startswith("accepted ")
    _, _, broker = staff(served_suite, "broker")
    offers = httpx.get(served_suite + "/api/v1/offers", headers=broker, params={"limit": 10}).json()["items"]
    assert sorted(offer["status"] for offer in offers if offer["provider_id"] == provider_id) == [
        "accepted", "declined"]


def test_the_finance_guides_examples_pull_post_and_acknowledge_the_ledger(served_suite: str) -> None:
    provider_id, area, _ = council_sets_up(served_suite)
    start, end = past_period()
    _, _, commissioner = staff(served_suite, "commissioner")
    with httpx.Client(base_url=served_suite + "/api/v1", headers=commissioner) as api:
        rate_card(api, area, start - timedelta(days=30))
    import_placement(served_suite, provider_id, area, start, "LEDGER-1")
    _, _, finance = staff(served_suite, "finance")
    run = until(lambda: httpx.post(served_suite + "/api/v1/invoice-runs", headers=finance, json={
        "period_start": str(start), "period_end": str(end)}).json().get("issued"))
    assert run
    examples = _examples("finance.md")
    assert [kind for kind, _ in examples] == ["sh", "python"]
    env = _credentials(served_suite, "finance")
    listed, pulled = (_run(kind, code, env) for kind, code in examples)
    assert '"sequence"' in listed
    assert "number,id,provider_id" in listed
    assert pulled.splitlines()[-1].startswith("posted up to sequence ")
    assert int(pulled.splitlines()[-1].rsplit(" ", 1)[1]) >= 1
    documents = httpx.get(served_suite + "/api/v1/invoices", headers=finance, params={"status": "issued"}).json()
    assert documents["items"] == []
