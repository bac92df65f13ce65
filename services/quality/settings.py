from decimal import Decimal
from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class QualitySettings(ServiceSettings):
    """The risk model's knobs (docs/risk-matrix.md) and the escalation policy, env prefix `QUALITY_`."""

    service_name: ClassVar[str] = "quality"
    model_config = SettingsConfigDict(env_prefix="QUALITY_", extra="ignore")

    escalation_enabled: bool = Field(default=True, description="Turning red raises quality.provider.escalated.v1")
    half_life_days: Decimal = Field(default=Decimal(90), gt=0, description="Evidence weighs half after this long")
    evidence_window_days: int = Field(default=365, gt=0, description="Older evidence is no longer counted")
    amber_threshold: Decimal = Field(default=Decimal(10), gt=0)
    red_threshold: Decimal = Field(default=Decimal(25), gt=0)
    inadequate_is_red: bool = Field(default=True, description="An Inadequate rating alone makes a provider red")
    requires_improvement_points: Decimal = Field(default=Decimal(8), ge=0)
    overdue_action_points: Decimal = Field(default=Decimal(5), ge=0)
    late_visit_minutes: int = Field(default=15, gt=0, description="A visit this late or later counts as late")
    call_logging_target_percent: Decimal = Field(
        default=Decimal(85), ge=0, le=100, decimal_places=2,
        description="Councils expect at least this share of planned visits logged through call monitoring")
    punctuality_target_percent: Decimal = Field(
        default=Decimal(90), ge=0, le=100, decimal_places=2,
        description="Delivered visits expected to start within the punctuality window, per provider and period")
    rescore_seconds: float = Field(default=3600, gt=0, description="Every provider is rescored this often, as "
                                                                   "evidence ages and actions fall overdue")
