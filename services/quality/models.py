"""Every table of the service, imported here so Alembic sees the whole metadata."""

from services.quality.dashboard.models import CountedVisit, DeclineFact, ReferralFact, VisitTally
from services.quality.database import INFRA, Base
from services.quality.intelligence.models import Concern, Feedback, MonitoringVisit
from services.quality.performance.models import VisitPerformance
from services.quality.plans.models import ActionPlan, PlanAction
from services.quality.readmodel.models import KnownProvider
from services.quality.risk.models import Evidence, ProviderRisk, RiskChange, RiskReview

__all__ = [
    "INFRA", "ActionPlan", "Base", "Concern", "CountedVisit", "DeclineFact", "Evidence", "Feedback",
    "KnownProvider", "MonitoringVisit", "PlanAction", "ProviderRisk", "ReferralFact", "RiskChange", "RiskReview",
    "VisitPerformance", "VisitTally",
]
