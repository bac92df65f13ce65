"""A webhook delivery's rules, pure: it is pending until the receiver takes it (delivered) or its attempts
run out (failed); a failed attempt is tried again after a backoff that doubles every time."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


def retry_after(*, attempts: int, max_attempts: int, base_seconds: float, receiver_known: bool) -> timedelta | None:
    """How long after its `attempts`-th failed attempt a delivery is tried again: `base_seconds`, then
    twice that, and so on; None when it has failed for good (its attempts are used up, or its provider
    has no receiver any more)."""
    if attempts >= max_attempts or not receiver_known:
        return None
    return timedelta(seconds=base_seconds * 2 ** (attempts - 1))
