from datetime import date
from decimal import Decimal
from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class PackagesSettings(ServiceSettings):
    service_name: ClassVar[str] = "packages"
    model_config = SettingsConfigDict(env_prefix="PACKAGES_", extra="ignore")

    minimum_wage: Decimal = Decimal("12.21")
    """The legal minimum hourly wage a rate card must leave workers (UK National Living Wage 2025)."""
    bank_holidays: frozenset[date] = frozenset()
    """Days priced with the rate card's bank-holiday uplift, e.g. PACKAGES_BANK_HOLIDAYS='["2026-12-25"]'."""
