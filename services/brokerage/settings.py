"""Brokerage settings (env prefix BROKERAGE_): the cascade's policy, offer deadlines and the workers."""

from datetime import date, timedelta
from decimal import Decimal
from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.brokerage.cascade.domain import Policy, RankingWeights
from shared.contracts.common import Urgency
from shared.settings import ServiceSettings


class BrokerageSettings(ServiceSettings):
    service_name: ClassVar[str] = "brokerage"
    model_config = SettingsConfigDict(env_prefix="BROKERAGE_", extra="ignore")

    skip_inadequate: bool = Field(default=True, description="Never offer work to a provider rated Inadequate")
    rank_weight_rating: Decimal = Field(default=Decimal(100), ge=0)
    rank_weight_spare_capacity: Decimal = Field(default=Decimal(10), ge=0)
    rank_weight_recent_declines: Decimal = Field(default=Decimal(1), ge=0)
    recent_declines_days: int = Field(default=28, ge=1, description="Window of declines and expiries counted")
    unrated_quality_rank: int = Field(default=2, ge=1, le=4, description="Rank given to a provider not yet rated")
    ramp_up_weeks: int = Field(default=12, ge=0, description="How long a newly admitted provider is ramped up")
    ramp_up_max_weekly_hours: Decimal = Field(default=Decimal(40), ge=0)
    deadline_hospital_discharge_minutes: int = Field(default=120, gt=0)
    deadline_crisis_minutes: int = Field(default=240, gt=0)
    deadline_routine_minutes: int = Field(default=1440, gt=0)
    expiry_interval_seconds: float = Field(default=5.0, gt=0)
    waiting_list_interval_seconds: float = Field(
        default=900.0, gt=0, description="How often every waiting list is retried (a provider's change retries "
                                         "its areas' lists at once; this catches what changes with time alone, "
                                         "such as a new provider's ramp-up ending)")
    webhook_interval_seconds: float = Field(default=1.0, gt=0)
    retention_years: int = Field(default=6, ge=1, le=100, description="How long after their last referral was "
                                 "cancelled a person never placed is kept (set it as PACKAGES_RETENTION_YEARS)")
    retention_check_seconds: float = Field(default=3600, gt=0, description="How often brokerage looks for people "
                                           "never placed past retention")
    webhook_max_attempts: int = Field(default=8, ge=1)
    webhook_retry_base_seconds: float = Field(default=2.0, gt=0)
    webhook_timeout_seconds: float = Field(default=5.0, gt=0)
    webhook_allow_private_addresses: bool = False
    import_batch_rows: int = Field(default=500, gt=0, le=5000, description="Placements committed per import batch")
    import_max_rows: int = Field(default=5000, gt=0, description="Placements one import request may carry (the "
                                                                 "CLI takes any number)")
    import_max_document_bytes: int = Field(default=64 * 1024 * 1024, gt=0,
                                           description="Largest import read whole: a request body, or a JSON file "
                                                       "given to the CLI (CSV files are streamed)")
    import_max_past_days: int = Field(default=3653, ge=0, description="How long ago an imported placement may have "
                                                                     "started (ten years)")
    import_max_future_days: int = Field(default=90, ge=0, description="How far ahead an imported placement may "
                                                                      "start: one later than that is a referral "
                                                                      "to source")

    def policy(self) -> Policy:
        return Policy(
            skip_inadequate=self.skip_inadequate,
            weights=RankingWeights(
                rating=self.rank_weight_rating,
                spare_capacity=self.rank_weight_spare_capacity,
                recent_declines=self.rank_weight_recent_declines,
            ),
            unrated_quality_rank=self.unrated_quality_rank,
            ramp_up=timedelta(weeks=self.ramp_up_weeks),
            ramp_up_max_weekly_hours=self.ramp_up_max_weekly_hours,
        )

    def import_start_window(self, today: date) -> tuple[date, date]:
        """The earliest and latest start date an imported placement may have."""
        return today - timedelta(days=self.import_max_past_days), today + timedelta(days=self.import_max_future_days)

    def declines_window(self) -> timedelta:
        return timedelta(days=self.recent_declines_days)

    def offer_window(self, urgency: Urgency) -> timedelta:
        """Hospital discharges get the shortest window (DOMAIN.md: "hospital discharges are short")."""
        minutes = {
            Urgency.HOSPITAL_DISCHARGE: self.deadline_hospital_discharge_minutes,
            Urgency.CRISIS: self.deadline_crisis_minutes,
            Urgency.ROUTINE: self.deadline_routine_minutes,
        }[urgency]
        return timedelta(minutes=minutes)
