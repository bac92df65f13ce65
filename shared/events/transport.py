"""The transport interface and the in-process transport of the embedded default.

Both transports give the same guarantees to a consumer: a delivery is acknowledged only when the
handler returns (after its transaction committed); a handler that raises is retried with
exponential backoff up to `max_attempts`, then the message goes to the service's dead-letter queue
without holding up the messages behind it; a `PoisonMessage` goes there at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    message_id: str
    routing_key: str
    body: bytes
    attempt: int = 1


DeliveryHandler = Callable[[Delivery], Awaitable[None]]


class PoisonMessage(Exception):
    """The message can never be handled (unreadable, unknown type): dead-letter it without retries."""


class TransportUnavailable(Exception):
    """The broker cannot take the message now; the outbox keeps it and tries again."""


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_delay_seconds: float = 0.5
    max_delay_seconds: float = 60.0

    def delay_before(self, attempt: int) -> float:
        """Delay before delivery number `attempt` (2, 3, ...): base, 2 x base, 4 x base, ..."""
        return float(min(self.base_delay_seconds * 2 ** (attempt - 2), self.max_delay_seconds))


class Transport(Protocol):
    async def start(self) -> None: ...

    async def publish(self, *, routing_key: str, body: bytes, message_id: str) -> None: ...

    async def declare(self, queue: str, routing_keys: Sequence[str]) -> None: ...

    async def subscribe(
        self, *, queue: str, routing_keys: Sequence[str], handler: DeliveryHandler
    ) -> None: ...

    async def dead_letters(self, queue: str) -> list[Delivery]: ...

    async def is_ready(self) -> bool: ...

    async def close(self) -> None: ...


def topic_matches(pattern: str, routing_key: str) -> bool:
    """AMQP topic matching: `*` is one word, `#` zero or more words."""
    return _match(pattern.split("."), routing_key.split("."))


def _match(pattern: list[str], words: list[str]) -> bool:
    if not pattern:
        return not words
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(_match(rest, words[skip:]) for skip in range(len(words) + 1))
    if not words:
        return False
    return (head in ("*", words[0])) and _match(rest, words[1:])


@dataclass
class _Binding:
    routing_keys: Sequence[str]
    messages: asyncio.Queue[Delivery]


class InProcessTransport:
    """A topic exchange in memory, shared by every service of one process (the embedded default)."""

    def __init__(self, retry: RetryPolicy | None = None) -> None:
        self.retry = retry or RetryPolicy()
        self._bindings: dict[str, _Binding] = {}
        self._dead: dict[str, list[Delivery]] = defaultdict(list)
        self._tasks: set[asyncio.Task[None]] = set()
        self._timers: set[asyncio.TimerHandle] = set()

    async def start(self) -> None:
        return None

    async def publish(self, *, routing_key: str, body: bytes, message_id: str) -> None:
        delivery = Delivery(message_id=message_id, routing_key=routing_key, body=body)
        for binding in self._bindings.values():
            if any(topic_matches(pattern, routing_key) for pattern in binding.routing_keys):
                binding.messages.put_nowait(delivery)

    async def declare(self, queue: str, routing_keys: Sequence[str]) -> None:
        """Binds `queue` now so it keeps what is published before its consumer starts (as a durable
        RabbitMQ queue would)."""
        binding = self._bindings.setdefault(queue, _Binding(routing_keys=[], messages=asyncio.Queue()))
        binding.routing_keys = sorted({*binding.routing_keys, *routing_keys})

    async def subscribe(self, *, queue: str, routing_keys: Sequence[str], handler: DeliveryHandler) -> None:
        if any(task.get_name() == f"consume:{queue}" for task in self._tasks):
            raise ValueError(f"queue {queue} already has a consumer")
        await self.declare(queue, routing_keys)
        binding = self._bindings[queue]
        task = asyncio.create_task(self._consume(queue, binding, handler), name=f"consume:{queue}")
        self._tasks.add(task)

    async def _consume(self, queue: str, binding: _Binding, handler: DeliveryHandler) -> None:
        while True:
            delivery = await binding.messages.get()
            try:
                await handler(delivery)
            except PoisonMessage:
                logger.warning("poison message %s dead-lettered from %s", delivery.message_id, queue)
                self._dead[queue].append(delivery)
            except Exception:
                logger.exception("handler failed on %s (attempt %d)", delivery.message_id, delivery.attempt)
                self._retry_later(queue, binding, delivery)

    def _retry_later(self, queue: str, binding: _Binding, delivery: Delivery) -> None:
        if delivery.attempt >= self.retry.max_attempts:
            self._dead[queue].append(delivery)
            return
        again = replace(delivery, attempt=delivery.attempt + 1)
        delay = self.retry.delay_before(again.attempt)
        timer = asyncio.get_running_loop().call_later(delay, binding.messages.put_nowait, again)
        self._timers.add(timer)

    async def dead_letters(self, queue: str) -> list[Delivery]:
        return list(self._dead[queue])

    async def is_ready(self) -> bool:
        return True

    async def close(self) -> None:
        for timer in self._timers:
            timer.cancel()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        self._bindings.clear()
