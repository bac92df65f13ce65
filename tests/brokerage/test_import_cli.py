"""The placements import's command line writes to brokerage's own database exactly as the API does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from services.brokerage.cli import main, reading, run_import
from services.brokerage.models import INFRA
from services.brokerage.settings import BrokerageSettings
from shared.imports import ImportFormat
from tests.brokerage.conftest import Market
from tests.brokerage.test_import import as_csv, council, outbox, packages_of, placement
from tests.harness import Backend, Suite, eventually


async def test_the_cli_imports_a_csv_in_batches_and_its_placements_reach_the_api_and_packages(
        suite: Suite, backend: Backend, market: Market, tmp_path: Path) -> None:
    _, framework = await council(market)
    path = tmp_path / "placements.csv"
    path.write_bytes(as_csv([placement(n, framework) for n in range(1, 26)]))
    settings = BrokerageSettings(database_url=backend.database_url_of("brokerage"))
    with reading(path, form=ImportFormat.CSV, settings=settings) as placements:
        report = await run_import(placements, settings=settings, batch_rows=10)
    assert report.model_dump() == {"created": 25, "updated": 0, "unchanged": 0, "rejected": [], "warnings": []}

    broker = await suite.staff("broker")
    listed = await suite.http.get("/api/v1/referrals", params={"status": "placed", "limit": 500}, headers=broker)
    assert sorted(each["external_ref"] for each in listed.json()["items"]) == [f"PKG-{n:04d}" for n in range(1, 26)]
    assert {each["imported"] for each in await outbox(market.database, "brokerage.referral.placed.v1")} == {True}
    async with market.database.sessionmaker() as session:
        actors = set((await session.scalars(select(INFRA.audit.c.actor).where(
            INFRA.audit.c.action == "referral.imported"))).all())
    assert actors == {"cli"}

    async def commissioned() -> bool:
        return len(await packages_of(suite, broker)) == 25

    await eventually(commissioned, timeout=30)


def test_the_cli_prints_the_report_and_refuses_an_unreadable_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    from services.catalog import migrate

    migrate(["brokerage"])
    path = tmp_path / "placements.json"
    unknown_area: dict[str, Any] = placement(1, "5f0c6a9e-1d1b-4a8e-9a43-0d2f1f8f2c11")
    path.write_text(json.dumps({"placements": [unknown_area, {"external_ref": "PKG-0002"}]}))
    assert main(["import-placements", str(path), "--batch-rows", "1"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["created"] == 0
    assert [(each["row"], each["external_ref"]) for each in printed["rejected"]] == [(1, "PKG-0001"), (2, "PKG-0002")]
    assert printed["rejected"][0]["reason"] == "area: the area OAK is not a known contract area"

    path.write_text('{"rows": []}')
    with pytest.raises(SystemExit) as refused:
        main(["import-placements", str(path)])
    assert refused.value.code == 2
    assert 'expected a JSON object {"placements": [...]}' in capsys.readouterr().err
