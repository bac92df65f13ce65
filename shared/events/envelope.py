"""The event envelope every message carries, and the registry of event types.

An event type is a versioned, stable name (`providers.provider.registered.v1`) bound to the
Pydantic model of its payload. Payload models live in `shared/contracts`, the published language
between services, so a consumer never imports the producing service's code.
"""

from __future__ import annotations

import builtins
import contextvars
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field

correlation_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "correlation_id", default=None
)


class Event(BaseModel):
    """Base class of event payloads; subclasses set `event_type` and are registered."""

    model_config = ConfigDict(frozen=True)
    event_type: ClassVar[str]


E = TypeVar("E", bound=Event)


class EventEnvelope(BaseModel):
    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str
    occurred_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    source: str
    correlation_id: str | None = None
    payload: dict[str, Any]

    @classmethod
    def wrap(cls, event: Event, *, source: str, correlation_id: str | None = None) -> EventEnvelope:
        return cls(
            type=event.event_type,
            source=source,
            correlation_id=correlation_id or correlation_id_var.get(),
            payload=event.model_dump(mode="json"),
        )

    def payload_as(self, model: builtins.type[E]) -> E:
        return model.model_validate(self.payload)


class UnknownEventType(KeyError):
    pass


class EventRegistry:
    """Maps a stable event type name to its payload model."""

    def __init__(self) -> None:
        self._types: dict[str, type[Event]] = {}

    def register(self, model: type[E]) -> type[E]:
        name = model.event_type
        existing = self._types.get(name)
        if existing is not None and existing is not model:
            raise ValueError(f"event type {name} is registered twice")
        self._types[name] = model
        return model

    def model_for(self, name: str) -> type[Event]:
        try:
            return self._types[name]
        except KeyError:
            raise UnknownEventType(name) from None

    def names(self) -> list[str]:
        return sorted(self._types)

    def parse(self, envelope: EventEnvelope) -> Event:
        return self.model_for(envelope.type).model_validate(envelope.payload)


registry = EventRegistry()
register_event = registry.register
