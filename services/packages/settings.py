from datetime import date, time
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_settings import SettingsConfigDict

from services.packages.costing.domain import Calendar
from services.packages.invoices.domain import ANY, Funder, LedgerCodes, LedgerRule, RunPolicy
from services.packages.visits.domain import PaymentPolicy
from shared.settings import ServiceSettings


class LedgerRuleSetting(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    area: str = Field(default=ANY, min_length=1, max_length=20)
    client_group: str = Field(default=ANY, min_length=1, max_length=40)
    funder: Literal["*", "council", "health"] = "*"
    cost_centre: str = Field(min_length=1, max_length=50)
    ledger_code: str = Field(min_length=1, max_length=50)


DEFAULT_LEDGER_CODES = (
    LedgerRuleSetting(funder="council", cost_centre="ASC-HOMECARE", ledger_code="5201"),
    LedgerRuleSetting(funder="health", cost_centre="ASC-HOMECARE", ledger_code="5209"),
)
"""Until the council sets its own: one cost centre, the council's spend and the NHS recharge apart."""


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

    visit_tolerance_minutes: int = Field(default=5, ge=0, le=60)
    """A delivered visit is paid its planned minutes when it fell short of them by no more than this."""
    billing_increment_minutes: int = Field(default=5, ge=1, le=60)
    """Otherwise its actual minutes are paid, rounded up to this increment (never past the planned minutes)."""
    late_cancellation_notice_hours: Decimal = Field(default=Decimal(24), ge=0)
    """A visit the person cancelled with less notice than this is paid as planned."""

    banking: bool = False
    """Whether minutes visits ran over are paid out of the minutes the package's other visits that week left
    unused, up to the week's planned minutes (DOMAIN.md, the flexibility rule), e.g. PACKAGES_BANKING=true."""
    punctual_within_minutes: int = Field(default=15, ge=0, le=240)
    """A delivered visit started no later than this after its planned start is punctual (call monitoring)."""
    invoice_run_work_mem: str = Field(default="256MB", pattern=r"^[1-9][0-9]{0,6}(kB|MB|GB)$")
    """What PostgreSQL may give each sort or hash of an invoice run, for the run's own transactions: its
    aggregates group millions of visits (e.g. PACKAGES_INVOICE_RUN_WORK_MEM=512MB)."""
    retention_years: int = Field(default=6, ge=1, le=100)
    """How long a person's records are kept after their care ended (every package of theirs ended): then
    their personal data is erased across the services (docs/data-protection.md), e.g. PACKAGES_RETENTION_YEARS=8."""
    retention_check_seconds: float = Field(default=3600, gt=0)
    """How often the retention job looks for people past retention."""
    ledger_codes: tuple[LedgerRuleSetting, ...] = DEFAULT_LEDGER_CODES
    """Cost centres and ledger codes by area, client group and funder ("*" for any), the most specific
    matching rule winning, e.g. PACKAGES_LEDGER_CODES='[{"area": "*", "client_group": "*", "funder": "council",
    "cost_centre": "ASC-HC", "ledger_code": "5201"}, ...]'. Every funder needs a rule for any area and group."""

    @field_validator("ledger_codes")
    @classmethod
    def _every_line_coded(cls, rules: tuple[LedgerRuleSetting, ...]) -> tuple[LedgerRuleSetting, ...]:
        for funder in Funder:
            if not any(rule.area == ANY and rule.client_group == ANY and rule.funder in (ANY, funder)
                       for rule in rules):
                raise ValueError(f'no rule codes {funder} lines of any area and client group ("*", "*")')
        return rules

    @field_validator("night_starts", "night_ends")
    @classmethod
    def _wall_clock(cls, value: time) -> time:
        """The night window is read on the clock of the visits' planned starts: local time, no offset."""
        if value.tzinfo is not None:
            raise ValueError("a local time of day such as 22:00, without an offset")
        return value

    @property
    def run_policy(self) -> RunPolicy:
        return RunPolicy(calendar=self.calendar, punctual_within_minutes=self.punctual_within_minutes,
                         banking=self.banking,
                         work_mem=self.invoice_run_work_mem,
                         ledger_codes=LedgerCodes(tuple(LedgerRule(**rule.model_dump()) for rule in self.ledger_codes)))

    @property
    def payment_policy(self) -> PaymentPolicy:
        return PaymentPolicy(tolerance_minutes=self.visit_tolerance_minutes,
                             billing_increment_minutes=self.billing_increment_minutes,
                             late_cancellation_notice_hours=self.late_cancellation_notice_hours)

    @property
    def calendar(self) -> Calendar:
        return Calendar(bank_holidays=self.bank_holidays, night_starts=self.night_starts, night_ends=self.night_ends)
