"""Time in the suite: one clock, always aware UTC, handed to the use cases that need now or today.

Every service's app carries its clock (`ServiceSpec.clock`, kept as `app.state.clock`): routes take it
as `ClockDep`, workers read it from the app, event handlers are built with it. The system clock is the
default; a test gives the apps a `FixedClock` to say when "now" is, and moves it on to let time pass.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import Depends, Request


class Clock(ABC):
    @abstractmethod
    def now(self) -> datetime:
        """The moment, aware and in UTC."""

    def today(self) -> date:
        """The date in UTC, the suite's day (DOMAIN.md dates are calendar days of the council's records)."""
        return self.now().date()


class SystemClock(Clock):
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock(Clock):
    """A clock that stands still at `moment` until it is moved, so a test knows what "now" is."""

    def __init__(self, moment: datetime) -> None:
        self.moment = as_utc(moment)

    def now(self) -> datetime:
        return self.moment

    def advance(self, by: timedelta) -> None:
        self.moment += by


def as_utc(moment: datetime) -> datetime:
    """Another service's timestamp without a zone is taken as UTC (the suite writes UTC only)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def request_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


ClockDep = Annotated[Clock, Depends(request_clock)]
"""The app's clock, for a route whose use case needs now or today."""
