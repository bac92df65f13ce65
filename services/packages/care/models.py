"""Commissioned packages, their terms over time (schedule and funding from an effective date) and
suspensions (hospital stays)."""

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Uuid, func
from sqlalchemy.orm import Mapped, mapped_column

from services.packages.database import Base
from shared.contracts.brokerage import ScheduledVisit
from shared.contracts.common import Day
from shared.contracts.packages import PackageStatus
from shared.db import EnumText, UtcDateTime, one_of


class Package(Base):
    __tablename__ = "packages"
    __table_args__ = (one_of("status", PackageStatus),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    referral_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, unique=True, nullable=True)
    client_ref: Mapped[str] = mapped_column(String(100), index=True)
    provider_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    area: Mapped[str] = mapped_column(String(20))
    client_group: Mapped[str | None] = mapped_column(String(40), nullable=True)
    """From the referral (null for packages commissioned before it was kept): it chooses ledger codes."""
    tier: Mapped[str | None] = mapped_column(String(20), nullable=True)
    status: Mapped[PackageStatus] = mapped_column(EnumText(PackageStatus, 20))
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, server_default=func.now())


class PackageTerm(Base):
    """The schedule and funding in force from `effective_from` until the day before `effective_to`."""

    __tablename__ = "package_terms"
    __table_args__ = (Index("ix_package_terms_package", "package_id", "effective_from"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    package_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("packages.id"))
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    visits: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    weekday_visits: Mapped[str] = mapped_column(String(60))
    """How many visits the schedule has on each day of the week, Monday first, e.g. "2 2 2 2 2 0 0": an
    invoice run counts the visits planned in a period from these seven numbers, without reading 100,000s
    of schedules."""
    weekday_minutes: Mapped[str] = mapped_column(String(100))
    """The schedule's carer-minutes on each day of the week, Monday first: where the council allows banking,
    a week's planned minutes limit what its visits are paid."""
    health_share_percent: Mapped[int] = mapped_column(Integer)

    def schedule(self, visits: Sequence[ScheduledVisit]) -> None:
        self.visits = [visit.model_dump(mode="json") for visit in visits]
        self.weekday_visits = _per_weekday(visits, lambda _visit: 1)
        self.weekday_minutes = _per_weekday(visits, lambda visit: visit.minutes * visit.carers)


def _per_weekday(visits: Iterable[ScheduledVisit], count: Callable[[ScheduledVisit], int]) -> str:
    """Seven numbers, Monday first, as text."""
    days = list(Day)
    counts = [0] * len(days)
    for visit in visits:
        counts[days.index(visit.day)] += count(visit)
    return " ".join(map(str, counts))


class Suspension(Base):
    """Days without care (a hospital stay), `ends_on` inclusive; open while `ends_on` is null."""

    __tablename__ = "package_suspensions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    package_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("packages.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    reason: Mapped[str] = mapped_column(String(500))
