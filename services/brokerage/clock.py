"""Time in the service: always aware UTC."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """Another service's timestamp without a zone is taken as UTC (the suite writes UTC only)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
