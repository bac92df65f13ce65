"""Packages' visit performance per provider and period as the risk matrix shows it: call logging and
punctuality beside the score, their evidence, restated periods, redeliveries and late arrivals."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from shared.contracts.packages import VisitPerformanceReported
from shared.contracts.quality import RiskChanged
from shared.events.envelope import EventEnvelope
from tests.harness import Suite, eventually
from tests.quality.support import deliver, known_provider, processed, published, risk_row

PERIOD_END = date.today()
"""Evidence dated today weighs in full, so the scores below are round."""


def performance(provider_id: uuid.UUID, compliance: str, *, punctuality: str = "95.00",
                period_end: date = PERIOD_END) -> VisitPerformanceReported:
    return VisitPerformanceReported(
        provider_id=provider_id, period_start=period_end - timedelta(days=27), period_end=period_end,
        planned_visits=100, logged_visits=int(Decimal(compliance)), missed_visits=4, punctual_visits=38,
        timed_visits=40, compliance_percent=Decimal(compliance), punctuality_percent=Decimal(punctuality))


async def report(suite: Suite, event: VisitPerformanceReported, **changes: Any) -> EventEnvelope:
    """Publishes as packages' invoice run would and waits until quality has handled it."""
    envelope = await deliver(suite, EventEnvelope.wrap(event, source="packages").model_copy(update=changes))
    await eventually(lambda: processed(suite, str(envelope.id)))
    return envelope


async def matrix_row(suite: Suite, officer: dict[str, str], provider_id: uuid.UUID) -> dict[str, Any]:
    row = await risk_row(suite, officer, provider_id)
    assert row is not None
    return row


async def risk_changes(suite: Suite, provider_id: uuid.UUID) -> list[str]:
    return [each["score"] for each in await published(suite, RiskChanged.event_type)
            if each["provider_id"] == str(provider_id)]


async def test_call_logging_under_target_shows_beside_the_score_with_its_evidence(suite: Suite) -> None:
    officer = await suite.staff("quality_officer")
    provider_id = await known_provider(suite, officer)
    assert (await matrix_row(suite, officer, provider_id))["visit_performance"] is None
    await report(suite, performance(provider_id, "72.00"))
    row = await matrix_row(suite, officer, provider_id)
    shown = row["visit_performance"]
    assert (shown["compliance_percent"], shown["target_percent"], shown["below_target"]) == ("72.00", "85.00", True)
    assert (shown["punctuality_percent"], shown["punctuality_target_percent"], shown["missed_visits"]) == (
        "95.00", "90.00", 4)
    assert row["score"] == "3.00"
    [line] = row["evidence"]
    assert (line["kind"], line["severity"], line["points"], line["occurred_on"]) == (
        "call_logging", "medium", "3.00", PERIOD_END.isoformat())
    period = f"{PERIOD_END - timedelta(days=27)} to {PERIOD_END}"
    assert line["detail"] == f"Call logging 72% of 100 planned visits (target 85%), {period}"


async def test_a_restated_period_meeting_the_target_removes_its_evidence_and_the_score_drops_back(
    suite: Suite,
) -> None:
    officer = await suite.staff("quality_officer")
    provider_id = await known_provider(suite, officer)
    await report(suite, performance(provider_id, "60.00", punctuality="80.00"))
    row = await matrix_row(suite, officer, provider_id)
    assert ([line["kind"] for line in row["evidence"]], row["score"]) == (["call_logging", "punctuality"], "7.50")

    await report(suite, performance(provider_id, "72.00", punctuality="80.00"))
    row = await matrix_row(suite, officer, provider_id)
    assert ([line["severity"] for line in row["evidence"]], row["score"]) == (["medium", "low"], "3.50")

    await report(suite, performance(provider_id, "90.00"))
    row = await matrix_row(suite, officer, provider_id)
    assert (row["evidence"], row["score"]) == ([], "0.00")
    assert (row["visit_performance"]["compliance_percent"], row["visit_performance"]["below_target"]) == (
        "90.00", False)
    assert await risk_changes(suite, provider_id) == ["0.00", "7.50", "3.50", "0.00"]


async def test_a_redelivered_report_changes_nothing(suite: Suite) -> None:
    officer = await suite.staff("quality_officer")
    provider_id = await known_provider(suite, officer)
    envelope = await report(suite, performance(provider_id, "72.00"))
    before = await matrix_row(suite, officer, provider_id)
    await deliver(suite, envelope)
    await known_provider(suite, officer)  # events are handled in order: the redelivery was handled before
    after = await matrix_row(suite, officer, provider_id)
    assert (after["score"], after["evidence"], after["visit_performance"], after["assessed_at"]) == (
        before["score"], before["evidence"], before["visit_performance"], before["assessed_at"])
    assert await risk_changes(suite, provider_id) == ["0.00", "3.00"]


async def test_a_report_overtaken_by_its_restatement_changes_nothing(suite: Suite) -> None:
    officer = await suite.staff("quality_officer")
    provider_id = await known_provider(suite, officer)
    await report(suite, performance(provider_id, "90.00"))
    await report(suite, performance(provider_id, "60.00"), occurred_at=datetime.now(UTC) - timedelta(hours=1))
    row = await matrix_row(suite, officer, provider_id)
    assert (row["evidence"], row["score"], row["visit_performance"]["compliance_percent"]) == ([], "0.00", "90.00")


async def test_the_row_shows_the_latest_period_while_earlier_periods_still_count(suite: Suite) -> None:
    officer = await suite.staff("quality_officer")
    provider_id = await known_provider(suite, officer)
    earlier_end = PERIOD_END - timedelta(days=28)
    await report(suite, performance(provider_id, "95.00"))
    await report(suite, performance(provider_id, "72.00", period_end=earlier_end))
    row = await matrix_row(suite, officer, provider_id)
    shown = row["visit_performance"]
    assert (shown["period_end"], shown["compliance_percent"], shown["below_target"]) == (
        PERIOD_END.isoformat(), "95.00", False)
    assert [(line["kind"], line["occurred_on"]) for line in row["evidence"]] == [
        ("call_logging", earlier_end.isoformat())]
