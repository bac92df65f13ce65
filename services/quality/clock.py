"""The one place the service reads the time, so use cases take `now` and tests can pass their own."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
