"""Every table of the service, imported here so Alembic sees the whole metadata."""

from services.brokerage.database import INFRA, Base
from services.brokerage.offers.models import Offer
from services.brokerage.readmodel.models import KnownArea, KnownProvider, ProviderArea
from services.brokerage.referrals.models import HistoryEntry, Placement, Referral
from services.brokerage.webhooks.models import Webhook, WebhookDelivery

__all__ = [
    "INFRA", "Base", "HistoryEntry", "KnownArea", "KnownProvider", "Offer", "Placement", "ProviderArea",
    "Referral", "Webhook", "WebhookDelivery",
]
