"""Unit tests of the shared library's pure parts."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from services.gateway.openapi import merge_documents
from shared.auth import Principal, Role, ensure_provider_scope
from shared.errors import NotFound, Unprocessable
from shared.events.envelope import Event, EventEnvelope, EventRegistry, UnknownEventType
from shared.events.transport import RetryPolicy, topic_matches
from shared.money import Money, round_money
from shared.pagination import decode_cursor, encode_cursor, next_cursor


@pytest.mark.parametrize(("pattern", "key", "matches"), [
    ("providers.provider.rated.v1", "providers.provider.rated.v1", True),
    ("providers.*.rated.v1", "providers.provider.rated.v1", True),
    ("providers.#", "providers.provider.rated.v1", True),
    ("#", "anything.at.all", True),
    ("providers.*", "providers.provider.rated.v1", False),
    ("brokerage.#", "providers.provider.rated.v1", False),
    ("#.v1", "quality.risk.changed.v1", True),
    ("providers.provider.rated.v1", "providers.provider.rated.v2", False),
])
def test_topic_patterns_match_like_rabbitmq(pattern: str, key: str, matches: bool) -> None:
    assert topic_matches(pattern, key) is matches


def test_retry_delays_double_up_to_a_ceiling() -> None:
    policy = RetryPolicy(max_attempts=6, base_delay_seconds=0.5, max_delay_seconds=3)
    assert [policy.delay_before(attempt) for attempt in range(2, 7)] == [0.5, 1.0, 2.0, 3.0, 3.0]


class _Sample(Event):
    event_type = "test.sample.v1"
    amount: Money


def test_an_envelope_round_trips_its_payload_with_money_as_strings() -> None:
    envelope = EventEnvelope.wrap(_Sample(amount=Decimal("15.75")), source="test", correlation_id="req-1")
    again = EventEnvelope.model_validate_json(envelope.model_dump_json())
    assert again.payload == {"amount": "15.75"}
    assert again.payload_as(_Sample).amount == Decimal("15.75")
    assert again.correlation_id == "req-1"


def test_the_registry_refuses_two_models_for_one_name_and_unknown_names() -> None:
    registry = EventRegistry()
    registry.register(_Sample)

    class Other(Event):
        event_type = "test.sample.v1"

    with pytest.raises(ValueError, match="registered twice"):
        registry.register(Other)
    with pytest.raises(UnknownEventType):
        registry.model_for("test.nothing.v1")


@given(st.decimals(min_value=Decimal("-1000000"), max_value=Decimal("1000000"), places=6))
def test_money_rounds_half_up_to_the_penny_once(value: Decimal) -> None:
    rounded = round_money(value)
    assert rounded == round_money(rounded)
    assert abs(rounded - value) <= Decimal("0.005")


def test_money_serialises_as_a_two_place_string() -> None:
    class Line(BaseModel):
        amount: Money

    assert Line(amount=Decimal("2.005")).model_dump(mode="json") == {"amount": "2.01"}
    assert Line(amount=Decimal("7")).model_dump_json() == '{"amount":"7.00"}'


@given(st.lists(st.one_of(st.integers(), st.text(max_size=20), st.none()), max_size=4))
def test_cursors_round_trip(key: list[object]) -> None:
    assert decode_cursor(encode_cursor(key)) == key


@pytest.mark.parametrize("cursor", ["%%%", "bm90IGpzb24", "eyJhIjogMX0"])
def test_a_forged_cursor_is_a_422(cursor: str) -> None:
    with pytest.raises(Unprocessable):
        decode_cursor(cursor)


def test_next_cursor_only_when_there_is_another_page() -> None:
    rows = [1, 2, 3]
    assert next_cursor(rows, 3, key=lambda r: [r]) is None
    assert decode_cursor(next_cursor(rows, 2, key=lambda r: [r]) or "") == [2]


def test_a_provider_client_sees_only_its_own_provider() -> None:
    own, other = uuid.uuid4(), uuid.uuid4()
    client = Principal(subject="c", kind="client", name="c", roles=frozenset({Role.PROVIDER}), provider_id=own)
    ensure_provider_scope(client, own)
    with pytest.raises(NotFound):
        ensure_provider_scope(client, other)
    broker = Principal(subject="b", kind="user", name="b", roles=frozenset({Role.BROKER}))
    ensure_provider_scope(broker, other)


def test_merged_openapi_keeps_clashing_schema_names_apart() -> None:
    base = {"openapi": "3.1.0", "info": {"title": "t"}, "paths": {"/api/v1/auth/token": {}},
            "components": {"schemas": {"Item": {"type": "string"}}}}
    service = {"paths": {"/api/v1/things": {"get": {"$ref": "#/components/schemas/Item"}}, "/health/live": {}},
               "components": {"schemas": {"Item": {"type": "integer"}}}}
    merged = merge_documents(base, {"things": service})
    assert set(merged["paths"]) == {"/api/v1/auth/token", "/api/v1/things"}
    assert merged["paths"]["/api/v1/things"]["get"]["$ref"] == "#/components/schemas/things_Item"
    assert merged["components"]["schemas"]["Item"] == {"type": "string"}
    assert merged["components"]["schemas"]["things_Item"] == {"type": "integer"}
