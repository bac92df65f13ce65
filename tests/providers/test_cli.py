"""The import CLI writes to the service's own database exactly as the API import does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.providers.cli import main, run_import
from services.providers.settings import ProvidersSettings
from shared.db import Database
from shared.imports import ImportFormat
from tests.harness import Backend, Suite
from tests.providers.conftest import Registry, outbox
from tests.providers.test_import import _document, directory_csv


async def test_the_cli_imports_a_file_and_its_providers_are_served_by_the_api(
        suite: Suite, backend: Backend, registry: Registry, registry_db: Database, tmp_path: Path) -> None:
    path = tmp_path / "directory.csv"
    path.write_bytes(directory_csv(25))
    settings = ProvidersSettings(database_url=backend.database_url_of("providers"))
    report = await run_import(path, size=path.stat().st_size, form=ImportFormat.CSV, settings=settings,
                              batch_rows=10)
    assert (report.created, report.updated, report.rejected) == (25, 0, [])
    listed = (await suite.http.get("/api/v1/providers", headers=registry.headers)).json()["items"]
    assert len(listed) == 25
    assert len(await outbox(registry_db, "providers.provider.registered.v1")) == 25


def test_the_cli_prints_the_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    from services.catalog import migrate

    migrate(["providers"])
    path = tmp_path / "locations.json"
    path.write_text(json.dumps([_document("1-000000001"), {"name": "no id"}]))
    assert main(["import", str(path)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert (printed["created"], printed["rejected"][0]["row"]) == (1, 2)
