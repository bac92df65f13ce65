from datetime import date, time
from decimal import Decimal
from typing import ClassVar

from pydantic import field_validator
from pydantic_settings import SettingsConfigDict

from services.packages.costing.domain import Calendar
from shared.settings import ServiceSettings


class PackagesSettings(ServiceSettings):
    service_name: ClassVar[str] = "packages"
    model_config = SettingsConfigDict(env_prefix="PACKAGES_", extra="ignore")

    minimum_wage: Decimal = Decimal("12.21")
    """The legal minimum hourly wage a rate card must leave workers (UK National Living Wage 2025)."""
    bank_holidays: frozenset[date] = frozenset()
    """Days priced with the rate card's bank-holiday uplift, e.g. PACKAGES_BANK_HOLIDAYS='["2026-12-25"]'."""
    night_starts: time = time(22, 0)
    """Visits planned to start from then (e.g. PACKAGES_NIGHT_STARTS='22:00') until `night_ends` are
    priced with the rate card's night uplift."""
    night_ends: time = time(7, 0)
    """The end of the night window (e.g. PACKAGES_NIGHT_ENDS='07:00'); equal to `night_starts`: no night."""

    @field_validator("night_starts", "night_ends")
    @classmethod
    def _wall_clock(cls, value: time) -> time:
        """The night window is read on the clock of the visits' planned starts: local time, no offset."""
        if value.tzinfo is not None:
            raise ValueError("a local time of day such as 22:00, without an offset")
        return value

    @property
    def calendar(self) -> Calendar:
        return Calendar(bank_holidays=self.bank_holidays, night_starts=self.night_starts, night_ends=self.night_ends)
