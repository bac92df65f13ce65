"""The transport interface shared by the embedded default's local transport and RabbitMQ.

Both transports give the same guarantees to a consumer: a delivery is acknowledged only when the
handler returns (after its transaction committed); a handler that raises is retried with
exponential backoff up to `max_attempts`, then the message goes to the service's dead-letter queue
without holding up the messages behind it; a `PoisonMessage` goes there at once. A handler that fails
because its database cannot be reached spends no attempt: the message waits for the database, so a
database restart dead-letters nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from shared.db import database_unavailable

logger = logging.getLogger(__name__)
# At most this many deliveries are handled in one transaction: enough to share a commit, few enough that
# the rows their handlers lock (or SQLite's one writer) are not held for long.
TOGETHER_AT_MOST = 16


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message to publish: its routing key, body and id (the event's, so a repeat is known)."""

    routing_key: str
    body: bytes
    message_id: str


@dataclass(frozen=True)
class Delivery:
    message_id: str
    routing_key: str
    body: bytes
    attempt: int = 1


DeliveryHandler = Callable[[Delivery], Awaitable[None]]
BatchHandler = Callable[[Sequence[Delivery]], Awaitable[None]]


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
        delay: float = min(self.base_delay_seconds * 2 ** (attempt - 2), self.max_delay_seconds)
        return delay

    def after_failure(self, attempt: int, error: Exception) -> tuple[int, float] | None:
        """The attempt number and delay of the next delivery once delivery `attempt` failed with `error`, or
        None when the message is to be dead-lettered. With the database unreachable the attempt is not
        spent and the message waits the longest step's delay."""
        if database_unavailable(error):
            return attempt, self.delay_before(max(self.max_attempts, 2))
        if attempt >= self.max_attempts:
            return None
        return attempt + 1, self.delay_before(attempt + 1)


def log_failure(logger: logging.Logger, delivery: Delivery, error: Exception) -> None:
    """A handler's unexpected failure with its traceback; a database away (the same every time) in a line."""
    if database_unavailable(error):
        logger.warning("database unavailable for %s (%s): it waits", delivery.message_id, type(error).__name__)
    else:
        logger.exception("handler failed on %s (attempt %d)", delivery.message_id, delivery.attempt,
                         exc_info=error)


class Transport(Protocol):
    async def start(self) -> None: ...

    async def publish(self, *, routing_key: str, body: bytes, message_id: str) -> None: ...

    async def publish_all(self, messages: Sequence[Outgoing]) -> None:
        """Publishes the messages in order and returns once the broker has taken every one; raises
        `TransportUnavailable` when any was not taken (some may have been: published again, a message is
        applied once by its consumers' inboxes)."""

    async def declare(self, queue: str, routing_keys: Sequence[str]) -> None: ...

    async def subscribe(
        self, *, queue: str, routing_keys: Sequence[str], handler: DeliveryHandler,
        batch_handler: BatchHandler | None = None,
    ) -> None:
        """Consumes `queue` one delivery at a time, in order; when several are waiting and `batch_handler` is
        given, they are first offered to it together (see `handled_together`)."""

    async def dead_letters(self, queue: str) -> list[Delivery]: ...

    async def is_ready(self) -> bool: ...

    async def close(self) -> None: ...


async def handled_together(batch_handler: BatchHandler | None, deliveries: Sequence[Delivery], queue: str) -> bool:
    """Offers waiting deliveries to `batch_handler` at once (one transaction for them all, so one commit);
    False when there was nothing to batch or it failed, and the caller delivers each alone as it would have
    anyway: the failed attempt committed nothing, and a failure (a handler's, a poison message, a deadlock)
    then touches only its own delivery."""
    if batch_handler is None or len(deliveries) < 2:
        return False
    try:
        await batch_handler(deliveries)
    except Exception as exc:
        logger.info("%d deliveries from %s not handled together (%s): handling each alone",
                    len(deliveries), queue, type(exc).__name__)
        return False
    return True


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
