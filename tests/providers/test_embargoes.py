"""Embargoes through the gateway: imposing, lifting (once, even under a race), ending by date without
anyone acting, and the council embargo a quality escalation imposes (once per escalation)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import update

from services.providers.registry.models import Embargo
from services.providers.registry.sweeper import sweep_once
from shared.clock import FixedClock
from shared.contracts.quality import EscalationCleared, ProviderEscalated
from shared.db import Database
from shared.events.envelope import Event, EventEnvelope
from tests.harness import Backend, Suite, eventually, running_suite
from tests.providers.conftest import TODAY, Registry, assert_problem, embargo, outbox


async def _impose(suite: Suite, registry: Registry, provider_id: str, **fields: Any) -> dict[str, Any]:
    answer = await suite.http.post(f"/api/v1/providers/{provider_id}/embargoes", headers=registry.headers,
                                   json=embargo(**fields))
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


async def test_an_embargo_is_imposed_shown_on_the_provider_and_announced(
        suite: Suite, registry: Registry, registry_db: Database) -> None:
    await registry.area("OAK")
    provider = await registry.provider()
    imposed = await _impose(suite, registry, provider["id"], scope="area", area="OAK", imposed_by="voluntary",
                            ends_on=str(TODAY + timedelta(days=21)))
    assert (imposed["status"], imposed["scope"], imposed["area"], imposed["lift_suggested"]) == (
        "open", "area", "OAK", False)
    me = (await suite.http.get("/api/v1/users/me", headers=registry.headers)).json()
    assert imposed["recorded_by"] == me["id"]
    shown = await registry.get(provider["id"])
    assert [e["id"] for e in shown["embargoes"]] == [imposed["id"]]
    events = await outbox(registry_db, "providers.embargo.imposed.v1")
    assert [(e["embargo"]["id"], e["provider"]["embargoes"][0]["id"], e["provider"]["version"])
            for e in events] == [(imposed["id"], imposed["id"], 2)]


@pytest.mark.parametrize(("fields", "field"), [
    ({"scope": "area"}, "area"),
    ({"scope": "area", "area": "NOPE"}, "area"),
    ({"scope": "client_group"}, "client_group"),
    ({"scope": "all", "client_group": "older_people"}, "client_group"),
    ({"imposed_by": "the press"}, "imposed_by"),
    ({"reason": ""}, "reason"),
    ({"ends_on": str(TODAY - timedelta(days=1))}, "ends_on"),
    ({"starts_on": str(TODAY + timedelta(days=5)), "ends_on": str(TODAY + timedelta(days=4))}, "ends_on"),
])
async def test_a_bad_embargo_is_refused_with_the_field_and_nothing_is_written(
        suite: Suite, registry: Registry, registry_db: Database, fields: dict[str, Any], field: str) -> None:
    provider = await registry.provider()
    answer = await suite.http.post(f"/api/v1/providers/{provider['id']}/embargoes", headers=registry.headers,
                                   json=embargo(**fields))
    body = assert_problem(answer, 422)
    assert field in {error["field"] for error in body["errors"]}
    assert (await suite.http.get(f"/api/v1/providers/{provider['id']}/embargoes",
                                 headers=registry.headers)).json()["items"] == []
    assert await outbox(registry_db, "providers.embargo.imposed.v1") == []


async def test_lifting_an_embargo_ends_it_once_and_a_second_lift_is_a_conflict(
        suite: Suite, registry: Registry, registry_db: Database) -> None:
    provider = await registry.provider()
    imposed = await _impose(suite, registry, provider["id"])
    path = f"/api/v1/providers/{provider['id']}/embargoes/{imposed['id']}/lift"
    lifted = await suite.http.post(path, headers=registry.headers, json={"reason": "Action plan completed"})
    assert lifted.status_code == 200, lifted.text
    assert (lifted.json()["status"], lifted.json()["lift_reason"]) == ("lifted", "Action plan completed")
    assert_problem(await suite.http.post(path, headers=registry.headers), 409)
    assert (await registry.get(provider["id"]))["embargoes"] == []
    history = (await suite.http.get(f"/api/v1/providers/{provider['id']}/embargoes",
                                    headers=registry.headers)).json()["items"]
    assert [e["status"] for e in history] == ["lifted"]
    events = await outbox(registry_db, "providers.embargo.lifted.v1")
    assert [(e["embargo"]["id"], e["provider"]["embargoes"]) for e in events] == [(imposed["id"], [])]
    assert_problem(await suite.http.post(
        f"/api/v1/providers/{provider['id']}/embargoes/{uuid.uuid4()}/lift", headers=registry.headers), 404)


async def test_two_lifts_at_once_succeed_once(suite: Suite, registry: Registry, registry_db: Database) -> None:
    provider = await registry.provider()
    imposed = await _impose(suite, registry, provider["id"])
    path = f"/api/v1/providers/{provider['id']}/embargoes/{imposed['id']}/lift"
    answers = await asyncio.gather(*(suite.http.post(path, headers=registry.headers) for _ in range(4)))
    assert sorted(answer.status_code for answer in answers) == [200, 409, 409, 409]
    assert len(await outbox(registry_db, "providers.embargo.lifted.v1")) == 1


async def test_an_embargo_past_its_end_date_ends_without_anyone_acting(
        suite: Suite, registry: Registry, registry_db: Database) -> None:
    provider = await registry.provider()
    lasting = await _impose(suite, registry, provider["id"], ends_on=None)
    ending = await _impose(suite, registry, provider["id"], ends_on=str(TODAY))
    clock = FixedClock(datetime.combine(TODAY, time(23, 59), UTC))
    assert await sweep_once(registry_db, clock=clock) == 0
    clock.advance(timedelta(minutes=1))
    assert await sweep_once(registry_db, clock=clock) == 1
    assert await sweep_once(registry_db, clock=clock) == 0
    assert [e["id"] for e in (await registry.get(provider["id"]))["embargoes"]] == [lasting["id"]]
    events = await outbox(registry_db, "providers.embargo.ended.v1")
    assert [(e["embargo"]["id"], [x["id"] for x in e["provider"]["embargoes"]]) for e in events] == [
        (ending["id"], [lasting["id"]])]
    assert_problem(await suite.http.post(
        f"/api/v1/providers/{provider['id']}/embargoes/{ending['id']}/lift", headers=registry.headers), 409)


async def _deliver(suite: Suite, event: Event) -> None:
    envelope = EventEnvelope.wrap(event, source="quality")
    await suite.app.state.transport.publish(routing_key=envelope.type, body=envelope.model_dump_json().encode(),
                                            message_id=str(envelope.id))


async def test_a_quality_escalation_imposes_one_council_embargo_and_clearing_it_suggests_lifting(
        suite: Suite, registry: Registry, registry_db: Database) -> None:
    provider = await registry.provider()
    escalation = ProviderEscalated(provider_id=uuid.UUID(provider["id"]), escalation_id=uuid.uuid4(),
                                   score=Decimal("21"), reason="Two substantiated safeguarding concerns.",
                                   at=datetime.now(UTC))
    await _deliver(suite, escalation)
    await _deliver(suite, escalation)

    async def embargoes() -> list[dict[str, Any]]:
        return list((await registry.get(provider["id"]))["embargoes"])

    [imposed] = await eventually(embargoes)
    assert (imposed["imposed_by"], imposed["scope"], imposed["escalation_id"], imposed["recorded_by"]) == (
        "council", "all", str(escalation.escalation_id), None)
    assert "risk matrix" in imposed["reason"]
    await _deliver(suite, EscalationCleared(provider_id=escalation.provider_id,
                                            escalation_id=escalation.escalation_id, reviewed_by="officer-1",
                                            at=datetime.now(UTC)))
    shown = await eventually(lambda: _lift_suggested(registry, provider["id"]))
    assert shown["embargoes"][0]["lift_suggested"] is True
    assert len(await embargoes()) == 1
    assert len(await outbox(registry_db, "providers.embargo.imposed.v1")) == 1


async def _lift_suggested(registry: Registry, provider_id: str) -> dict[str, Any] | None:
    shown = await registry.get(provider_id)
    return shown if shown["lift_suggested"] else None


async def test_the_background_sweep_ends_embargoes_without_anyone_calling_it(
        backend: Backend, registry_db: Database) -> None:
    async with running_suite(backend, PROVIDERS_EMBARGO_SWEEP_SECONDS="0.1") as suite:
        registry = Registry(suite, await suite.staff("commissioner"))
        provider = await registry.provider()
        imposed = await _impose(suite, registry, provider["id"], ends_on=str(TODAY))
        async with registry_db.sessionmaker() as session, session.begin():  # as if days had passed
            await session.execute(update(Embargo).where(Embargo.id == uuid.UUID(imposed["id"]))
                                  .values(ends_on=TODAY - timedelta(days=1)))
        [ended] = await eventually(lambda: outbox(registry_db, "providers.embargo.ended.v1"))
        assert ended["embargo"]["id"] == imposed["id"]
        assert (await registry.get(provider["id"]))["embargoes"] == []
