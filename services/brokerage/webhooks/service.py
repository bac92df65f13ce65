"""Provider webhooks: registration, and the delivery rows written in the transaction of each offer.

Sending is done apart (`webhooks/sender.py`), so a slow or broken receiver never holds up brokerage;
polling `GET /api/v1/offers` always works as well.
"""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from services.brokerage.offers.models import Offer
from services.brokerage.offers.schemas import OfferOut
from services.brokerage.referrals.models import Referral
from services.brokerage.webhooks.models import Webhook, WebhookDelivery
from shared.audit import record_audit
from shared.auth import Principal
from shared.errors import NotFound

OFFER_MADE = "offer.made"


async def register(
    session: AsyncSession, *, actor: Principal, provider_id: uuid.UUID, url: str, now: datetime
) -> tuple[Webhook, str]:
    """Sets the provider's receiver; a new secret is made every time and answered only now."""
    secret = secrets.token_urlsafe(32)
    webhook = await session.get(Webhook, provider_id, with_for_update=True)
    before = None if webhook is None else {"url": webhook.url}
    if webhook is None:
        webhook = Webhook(provider_id=provider_id, url=url, secret=secret, created_at=now)
        session.add(webhook)
    else:
        webhook.url, webhook.secret, webhook.created_at = url, secret, now
    await session.flush()
    await record_audit(session, actor=actor, action="webhook.registered", entity_type="webhook",
                       entity_id=provider_id, before=before, after={"url": url})
    return webhook, secret


async def get(session: AsyncSession, *, provider_id: uuid.UUID) -> Webhook:
    webhook = await session.get(Webhook, provider_id)
    if webhook is None:
        raise NotFound("No webhook is registered.")
    return webhook


async def remove(session: AsyncSession, *, actor: Principal, provider_id: uuid.UUID) -> None:
    webhook = await get(session, provider_id=provider_id)
    await session.execute(delete(Webhook).where(Webhook.provider_id == provider_id))
    await record_audit(session, actor=actor, action="webhook.removed", entity_type="webhook",
                       entity_id=provider_id, before={"url": webhook.url})


async def queue_offer_notification(session: AsyncSession, *, offer: Offer, referral: Referral,
                                   now: datetime) -> None:
    """A delivery row beside the offer, only for providers that registered a receiver."""
    if await session.get(Webhook, offer.provider_id) is None:
        return
    body = {"event": OFFER_MADE, "offer": OfferOut.of(offer, referral).model_dump(mode="json")}
    session.add(WebhookDelivery(provider_id=offer.provider_id, event=OFFER_MADE,
                                body=json.dumps(body, separators=(",", ":")), next_attempt_at=now))
