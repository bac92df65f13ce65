"""Placements already made, brought in through the gateway (`POST /api/v1/referrals/import`): the row
report, placed referrals with their packages and hours, importing again (unchanged or corrected), the
refusals, who may import, bodies that are not placements at all, and two imports at once."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from services.brokerage.models import INFRA, Placement, Referral
from services.brokerage.referrals.domain import problems_text, short_visit_problems
from shared.contracts.brokerage import ScheduledVisit
from shared.contracts.common import ProviderStatus, Tier
from shared.contracts.providers import ProviderChanged
from shared.db import Database
from tests.brokerage.conftest import TODAY, Market, brokerage_database, market_of
from tests.brokerage.test_referrals import events_of, refer, referral
from tests.harness import Backend, Suite, eventually, running_suite, service_statements

PAST = TODAY - timedelta(days=400)
CSV_COLUMNS = ["external_ref", "client_ref", "area", "client_group", "needs", "urgency", "start_on", "provider_id",
               "tier", "health_share_percent", "visits", "worker_known", "part_of_wider_package", "time_limited_task"]
EVERY_DAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SHORT_VISIT = [{"day": "mon", "start": "08:00", "minutes": 15, "carers": 1}]
NICE_REASON = problems_text(short_visit_problems([ScheduledVisit.model_validate(SHORT_VISIT[0])], None))
TEMPLATE = Path(__file__).resolve().parents[2] / "docs" / "placements-template.csv"
TEMPLATE_PROVIDER = "00000000-0000-0000-0000-000000000000"


def placement(n: int, provider_id: str, **changes: Any) -> dict[str, Any]:
    """Placement n: 3.50 hours a week (half an hour a day), started 400 days ago."""
    body: dict[str, Any] = {
        "external_ref": f"PKG-{n:04d}", "client_ref": f"C-{n:04d}", "area": "OAK", "client_group": "older_people",
        "needs": ["dementia"], "urgency": "routine", "start_on": PAST.isoformat(),
        "visits": [{"day": day, "start": "08:00", "minutes": 30, "carers": 1} for day in EVERY_DAY],
        "short_visit_justification": None, "funding": {"health_share_percent": 0}, "provider_id": provider_id,
    }
    body.update(changes)
    return body


def council_file(primary: str, framework: str) -> list[dict[str, Any]]:
    """200 placements, rows 1-10 with the primary (capped at 30 hours) and the rest with a framework
    provider; three rows are bad: an unknown area, a short visit without the NICE conditions, a visit of
    no minutes."""
    rows = [placement(n, primary if n <= 10 else framework) for n in range(1, 201)]
    rows[49]["area"] = "ZZZ"
    rows[99]["visits"] = SHORT_VISIT
    rows[149]["visits"] = [{"day": "mon", "start": "08:00", "minutes": 0, "carers": 1}]
    return rows


EXPECTED_REJECTIONS = [
    {"row": 50, "external_ref": "PKG-0050", "reason": "area: the area ZZZ is not a known contract area"},
    {"row": 100, "external_ref": "PKG-0100", "reason": NICE_REASON},
    {"row": 150, "external_ref": "PKG-0150", "reason": "visits.0.minutes: Input should be greater than 0"},
]
EXPECTED_WARNINGS = [
    {"row": row, "external_ref": f"PKG-{row:04d}",
     "warning": f"primary provider: {hours} h placed in OAK passes its cap of 30.00"}
    for row, hours in ((9, "31.50"), (10, "35.00"))]


def as_csv(placements: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for each in placements:
        justification = each["short_visit_justification"] or {}
        writer.writerow([
            each["external_ref"], each["client_ref"], each["area"], each["client_group"], "; ".join(each["needs"]),
            each["urgency"], each["start_on"], each["provider_id"], each.get("tier") or "",
            each["funding"]["health_share_percent"],
            "; ".join(f"{v['day']} {v['start']} {v['minutes']} {v['carers']}" for v in each["visits"]),
            *(str(justification[name]).lower() if name in justification else ""
              for name in ("worker_known", "part_of_wider_package", "time_limited_task"))])
    return buffer.getvalue().encode()


async def post_import(suite: Suite, headers: dict[str, str], placements: list[dict[str, Any]], *,
                      form: str = "json") -> Any:
    if form == "csv":
        return await suite.http.post("/api/v1/referrals/import", content=as_csv(placements),
                                     headers={**headers, "Content-Type": "text/csv; charset=utf-8"})
    return await suite.http.post("/api/v1/referrals/import", json={"placements": placements}, headers=headers)


async def imported(suite: Suite, headers: dict[str, str], placements: list[dict[str, Any]], *,
                   form: str = "json") -> dict[str, Any]:
    answer = await post_import(suite, headers, placements, form=form)
    assert answer.status_code == 200, answer.text
    report: dict[str, Any] = answer.json()
    return report


async def outbox(database: Database, event_type: str) -> list[dict[str, Any]]:
    """Payloads of brokerage's committed events of one type, oldest first."""
    table = INFRA.events.outbox
    async with database.sessionmaker() as session:
        bodies = (await session.scalars(select(table.c.body).where(table.c.event_type == event_type)
                                        .order_by(table.c.id))).all()
    return [json.loads(body)["payload"] for body in bodies]


async def count_rows(database: Database) -> tuple[int, int, int]:
    """(referrals, placements, events in the outbox)."""
    async with database.sessionmaker() as session:
        return (int(await session.scalar(select(func.count()).select_from(Referral)) or 0),
                int(await session.scalar(select(func.count()).select_from(Placement)) or 0),
                int(await session.scalar(select(func.count()).select_from(INFRA.events.outbox)) or 0))


async def by_external_ref(database: Database, external_ref: str) -> tuple[Referral, Placement]:
    async with database.sessionmaker() as session:
        referral_row, placement_row = (await session.execute(select(Referral, Placement).join(
            Placement, Placement.referral_id == Referral.id).where(Referral.external_ref == external_ref))).one()
    return referral_row, placement_row


async def packages_of(suite: Suite, headers: dict[str, str]) -> list[dict[str, Any]]:
    answer = await suite.http.get("/api/v1/packages", params={"limit": 500}, headers=headers)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def council(market: Market) -> tuple[str, str]:
    await market.area()
    return await market.provider(Tier.PRIMARY, cap="30.00"), await market.provider(Tier.FRAMEWORK)


async def test_a_council_file_of_200_placements_becomes_placed_referrals_with_packages_and_a_row_report(
    suite: Suite, market: Market
) -> None:
    primary, framework = await council(market)
    broker = await suite.staff("broker")
    report = await imported(suite, broker, council_file(primary, framework))
    assert report == {"created": 197, "updated": 0, "unchanged": 0, "rejected": EXPECTED_REJECTIONS,
                      "warnings": EXPECTED_WARNINGS}

    first, _ = await by_external_ref(market.database, "PKG-0001")
    shown = await referral(suite, broker, str(first.id))
    assert (shown["status"], shown["placed_with"], shown["external_ref"], shown["start_on"]) == (
        "placed", primary, "PKG-0001", PAST.isoformat())
    [history] = shown["history"]
    assert (history["event"], history["provider_id"], history["tier"]) == ("imported", primary, "primary")
    assert "brought in by the placements import" in history["detail"]
    listed = await suite.http.get("/api/v1/referrals", params={"status": "placed", "limit": 500}, headers=broker)
    assert sorted(each["external_ref"] for each in listed.json()["items"]) == [
        f"PKG-{n:04d}" for n in range(1, 201) if n not in (50, 100, 150)]
    placed = await outbox(market.database, "brokerage.referral.placed.v1")
    assert len(placed) == 197
    assert {(each["imported"], each["awarded"], each["start_on"]) for each in placed} == {
        (True, False, PAST.isoformat())}
    assert await outbox(market.database, "brokerage.offer.made.v1") == []

    async def all_commissioned() -> list[dict[str, Any]] | None:
        packages = await packages_of(suite, broker)
        return packages if len(packages) == 197 else None

    packages = await eventually(all_commissioned, timeout=60)
    assert {each["start_on"] for each in packages} == {PAST.isoformat()}
    found = await suite.http.get("/api/v1/packages", params={"referral_id": str(first.id)}, headers=broker)
    [package] = found.json()["items"]
    assert (package["provider_id"], package["start_on"], package["weekly_hours"]) == (
        primary, PAST.isoformat(), "3.50")

    later = await refer(suite, broker)
    assert events_of(later["history"], primary) == [("skipped", "cap_exceeded")]
    assert events_of(later["history"], framework)[-1] == ("offered", None)
    assert later["external_ref"] is None


async def test_importing_the_same_csv_again_leaves_every_placement_unchanged_and_creates_nothing(
    suite: Suite, market: Market
) -> None:
    primary, framework = await council(market)
    commissioner = await suite.staff("commissioner")
    rows = council_file(primary, framework)
    first = await imported(suite, commissioner, rows, form="csv")
    assert (first["created"], first["rejected"], first["warnings"]) == (197, EXPECTED_REJECTIONS, EXPECTED_WARNINGS)
    before = await count_rows(market.database)
    again = await imported(suite, commissioner, rows, form="csv")
    assert again == {"created": 0, "updated": 0, "unchanged": 197, "rejected": EXPECTED_REJECTIONS, "warnings": []}
    assert await count_rows(market.database) == before == (197, 197, 197)


async def test_a_later_import_corrects_changed_placements_and_refuses_a_move_to_another_provider(
    suite: Suite, market: Market
) -> None:
    primary, framework = await council(market)
    broker = await suite.staff("broker")
    rows = council_file(primary, framework)
    await imported(suite, broker, rows)
    rows[19]["visits"] = [{"day": day, "start": "08:00", "minutes": 60, "carers": 1} for day in EVERY_DAY]
    rows[29]["funding"] = {"health_share_percent": 50}
    rows[39]["provider_id"] = primary
    report = await imported(suite, broker, rows)
    moved = {"row": 40, "external_ref": "PKG-0040", "reason": "provider_id: PKG-0040 was imported with another "
             "provider; to move a placement, end its package and import a new placement"}
    assert report == {"created": 0, "updated": 2, "unchanged": 194, "rejected": sorted(
        [*EXPECTED_REJECTIONS, moved], key=lambda each: each["row"]), "warnings": []}

    corrected = await outbox(market.database, "brokerage.placement.corrected.v1")
    assert [(each["referral"]["client_ref"], each["referral"]["weekly_hours"],
             each["referral"]["funding"]["health_share_percent"], each["provider_id"], each["start_on"])
            for each in corrected] == [("C-0020", "7.00", 0, framework, PAST.isoformat()),
                                       ("C-0030", "3.50", 50, framework, PAST.isoformat())]
    longer, hours = await by_external_ref(market.database, "PKG-0020")
    assert (longer.weekly_hours, hours.weekly_hours) == (7, 7)
    history = (await referral(suite, broker, str(longer.id)))["history"]
    assert [(each["event"], each["detail"]) for each in history][1:] == [
        ("imported", "updated by a later import: visits, weekly_hours")]
    unmoved, _ = await by_external_ref(market.database, "PKG-0040")
    assert str(unmoved.placed_with) == framework
    assert len(await outbox(market.database, "brokerage.referral.placed.v1")) == 197


async def test_rows_breaking_a_rule_are_rejected_with_their_reason_and_the_others_kept(
    suite: Suite, market: Market
) -> None:
    primary, framework = await council(market)
    retired = await market.provider(Tier.FRAMEWORK)
    state = market.states[uuid.UUID(retired)]
    await market.publish(ProviderChanged(provider=state.model_copy(update={
        "status": ProviderStatus.DEREGISTERED, "version": state.version + 1})))
    rows = [
        placement(1, framework),
        placement(2, str(uuid.uuid4())),
        placement(3, retired),
        placement(4, framework, external_ref="PKG-0001"),
        placement(5, framework, start_on=(TODAY - timedelta(days=3654)).isoformat()),
        placement(6, framework, start_on=(TODAY + timedelta(days=91)).isoformat()),
        placement(7, framework, client_group="aliens"),
        placement(8, framework, visits=SHORT_VISIT, short_visit_justification={
            "worker_known": True, "part_of_wider_package": True, "time_limited_task": True}),
        placement(9, primary, tier="framework", start_on=(TODAY - timedelta(days=1)).isoformat()),
    ]
    report = await imported(suite, await suite.staff("broker"), rows)
    reasons = {each["row"]: each["reason"] for each in report["rejected"]}
    assert (report["created"], sorted(reasons)) == (3, [2, 3, 4, 5, 6, 7])
    assert reasons[2] == "provider_id: no such provider in the registry"
    assert reasons[3] == "provider_id: framework provider is deregistered and takes no work"
    assert reasons[4] == "external_ref: PKG-0001 is also at row 1 of this file"
    assert reasons[5] == (f"start_on: the start date {TODAY - timedelta(days=3654)} is before "
                          f"{TODAY - timedelta(days=3653)}, the earliest an imported placement may start")
    assert reasons[6] == (f"start_on: the start date {TODAY + timedelta(days=91)} is after "
                          f"{TODAY + timedelta(days=90)}: a placement starting that far ahead is a referral to source")
    assert reasons[7].startswith("client_group: Input should be 'older_people'")
    night, _ = await by_external_ref(market.database, "PKG-0009")
    [history] = (await referral(suite, await suite.staff("broker"), str(night.id)))["history"]
    assert history["tier"] == "framework"



async def test_csv_rows_that_cannot_be_read_are_rejected_naming_the_column_and_extra_columns_are_ignored(
    suite: Suite, market: Market
) -> None:
    _, framework = await council(market)
    good = next(csv.DictReader(io.StringIO(as_csv([placement(1, framework)]).decode())))
    rows = [{**good, "note": "ignored"},
            {**good, "external_ref": "PKG-0002", "worker_known": "maybe"},
            {**good, "external_ref": "PKG-0003", "visits": "mon 08:00"},
            {**good, "external_ref": "PKG-0004", "health_share_percent": "half"}]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[*CSV_COLUMNS, "note"])
    writer.writeheader()
    writer.writerows(rows)
    answer = await suite.http.post("/api/v1/referrals/import", content=buffer.getvalue().encode(),
                                   headers={**await suite.staff("broker"), "Content-Type": "text/csv"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["created"] == 1
    assert answer.json()["rejected"] == [
        {"row": 2, "external_ref": "PKG-0002", "reason": "worker_known: 'maybe' is not true, false or empty"},
        {"row": 3, "external_ref": "PKG-0003", "reason": "visits: 'mon 08:00' is not 'day HH:MM minutes [carers]'"},
        {"row": 4, "external_ref": "PKG-0004", "reason": "funding.health_share_percent: Input should be a valid "
                                                         "integer, unable to parse string as an integer"}]


async def test_only_brokers_and_commissioners_may_import(suite: Suite, market: Market) -> None:
    _, framework = await council(market)
    rows = [placement(1, framework)]
    for role in ("quality_officer", "finance"):
        refused = await post_import(suite, await suite.staff(role), rows)
        assert (refused.status_code, refused.headers["content-type"]) == (403, "application/problem+json")
    anonymous = await suite.http.post("/api/v1/referrals/import", json={"placements": rows})
    assert anonymous.status_code == 401
    assert await count_rows(market.database) == (0, 0, 0)
    assert (await imported(suite, await suite.staff("commissioner"), rows))["created"] == 1


async def test_a_body_that_is_not_a_placements_document_is_422_and_changes_nothing(
    suite: Suite, market: Market
) -> None:
    _, framework = await council(market)
    broker = await suite.staff("broker")
    good = as_csv([placement(1, framework)])
    bodies = [
        ("application/json", b"{not json", "the JSON cannot be read"),
        ("application/json", json.dumps({"rows": [placement(1, framework)]}).encode(), '{"placements": [...]}'),
        ("text/csv", good.replace(b"provider_id", b"provider"), "the CSV lacks the columns: provider_id"),
        ("application/json", json.dumps({"placements": [{}] * 5001}).encode(), "at most 5000 placements"),
    ]
    for media_type, body, detail in bodies:
        answer = await suite.http.post("/api/v1/referrals/import", content=body,
                                       headers={**broker, "Content-Type": media_type})
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert detail in answer.json()["detail"]
    assert "import-placements" in answer.json()["detail"]
    unsupported = await suite.http.post("/api/v1/referrals/import", content=b"<placements/>",
                                        headers={**broker, "Content-Type": "application/xml"})
    assert unsupported.status_code == 415
    assert await count_rows(market.database) == (0, 0, 0)


async def test_the_documented_template_imports_cleanly(suite: Suite, market: Market) -> None:
    _, framework = await council(market)
    body = TEMPLATE.read_bytes().replace(TEMPLATE_PROVIDER.encode(), framework.encode())
    answer = await suite.http.post("/api/v1/referrals/import", content=body,
                                   headers={**await suite.staff("broker"), "Content-Type": "text/csv"})
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["created"], report["rejected"]) == (3, [])


async def test_two_imports_of_one_file_at_once_make_one_referral_per_external_ref(pg_backend: Backend) -> None:
    async with running_suite(pg_backend) as suite:
        market = market_of(brokerage_database(pg_backend))
        try:
            _, framework = await council(market)
            rows = [placement(n, framework) for n in range(1, 101)]
            broker = await suite.staff("broker")
            answers = await asyncio.gather(*(post_import(suite, broker, rows) for _ in range(2)))
            assert [answer.status_code for answer in answers] == [200, 200], [a.text for a in answers]
            reports = [answer.json() for answer in answers]
            assert sum(report["created"] for report in reports) == 100
            assert all(report["created"] + report["unchanged"] == 100 for report in reports)
            assert await count_rows(market.database) == (100, 100, 100)
        finally:
            await market.database.dispose()


async def test_a_batch_runs_as_many_statements_for_a_hundred_placements_as_for_ten(
    suite: Suite, market: Market
) -> None:
    primary, framework = await council(market)
    broker = await suite.staff("broker")
    ten = [placement(n, primary if n % 2 else framework) for n in range(1, 11)]
    hundred = [placement(n, primary if n % 2 else framework) for n in range(101, 201)]
    with service_statements(suite, "brokerage") as for_ten:
        await imported(suite, broker, ten)
    with service_statements(suite, "brokerage") as for_hundred:
        await imported(suite, broker, hundred)
    assert len(for_ten) == len(for_hundred), (for_ten, for_hundred)
    with service_statements(suite, "brokerage") as again_ten:
        assert (await imported(suite, broker, ten))["unchanged"] == 10
    with service_statements(suite, "brokerage") as again_hundred:
        assert (await imported(suite, broker, hundred))["unchanged"] == 100
    assert len(again_ten) == len(again_hundred), (again_ten, again_hundred)


async def test_one_request_takes_up_to_5000_placements_committed_in_batches(suite: Suite, market: Market) -> None:
    _, framework = await council(market)
    rows = [placement(n, framework) for n in range(1, 5001)]
    started = time.perf_counter()
    report = await imported(suite, await suite.staff("commissioner"), rows, form="csv")
    elapsed = time.perf_counter() - started
    assert (report["created"], report["rejected"], report["warnings"]) == (5000, [], [])
    assert await count_rows(market.database) == (5000, 5000, 5000)
    print(f"imported 5,000 placements in {elapsed:.1f}s: {5000 / elapsed:.0f} rows/s")  # noqa: T201


async def test_the_import_is_described_in_openapi_for_json_and_csv_with_every_schema_it_names(suite: Suite) -> None:
    document = (await suite.http.get("/openapi.json")).json()
    operation = document["paths"]["/api/v1/referrals/import"]["post"]
    assert set(operation["requestBody"]["content"]) == {"application/json", "text/csv"}
    placement_schema = operation["requestBody"]["content"]["application/json"]["schema"]["properties"]["placements"]
    assert {"external_ref", "provider_id", "tier", "start_on", "visits"} <= set(placement_schema["items"]["properties"])
    unresolved = [ref for ref in _refs(operation)
                  if ref.split("/")[3] not in document["components"].get(ref.split("/")[2], {})]
    assert unresolved == []
    assert any(ref.startswith("#/components/schemas/") for ref in _refs(operation))


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from [value] if key == "$ref" else _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)
