"""Time in the suite: one clock, always aware UTC, handed to the use cases that need now or today.

Every service's app carries its clock (`ServiceSpec.clock`, kept as `app.state.clock`): routes take it
as `ClockDep`, workers read it from the app, event handlers are built with it. The system clock is the
default; a test gives the apps a `FixedClock` to say when "now" is, and moves it on to let time pass. A
sandbox deployment (`SUITE_SANDBOX=1`, for integrators) runs on a `SandboxClock` an admin moves forward.
"""

from __future__ import annotations

import os
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


class SandboxClock(Clock):
    """Real time moved forward by `offset`, so a sandbox's deadlines expire and its periods end on request.
    It never goes back: what happened at a later "now" stays in the past."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def move_to(self, offset: timedelta) -> None:
        if offset < self.offset:
            raise ValueError("A sandbox's clock only moves forward.")
        self.offset = offset


def sandbox_enabled() -> bool:
    return os.environ.get("SUITE_SANDBOX", "0").lower() in {"1", "true", "yes"}


def default_clock() -> Clock:
    """The system's clock, or in a sandbox a clock an admin can move forward."""
    return SandboxClock() if sandbox_enabled() else SystemClock()


def as_utc(moment: datetime) -> datetime:
    """Another service's timestamp without a zone is taken as UTC (the suite writes UTC only)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def request_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


ClockDep = Annotated[Clock, Depends(request_clock)]
"""The app's clock, for a route whose use case needs now or today."""
