"""Provider webhooks: registration, and a delivery queued for each offer made.

Webhooks react to brokerage's own `brokerage.offer.made.v1` (a handler in `consumers.py`), so the
cascade knows nothing of them; the delivery is written in the handler's inbox transaction, once per
offer. Sending is done apart (`webhooks/sender.py`), so a slow or broken receiver never holds up
brokerage; polling `GET /api/v1/offers` always works as well.
"""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from services.brokerage.referrals.lifecycle import referral_facts
from services.brokerage.referrals.models import Referral
from services.brokerage.webhooks.models import Webhook, WebhookDelivery
from shared.audit import record_audit
from shared.auth import Principal
from shared.contracts.brokerage import OfferMade, OfferStatus, ReferralFacts
from shared.errors import NotFound

OFFER_MADE = "offer.made"
TEST = "webhook.test"


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


def offer_document(made: OfferMade, referral: ReferralFacts) -> dict[str, Any]:
    """The offer as `GET /api/v1/offers/{id}` shows it the moment it is made (docs/provider-webhooks.md):
    the event's facts, and the care sought from the referral's."""
    offer, care = made.offer.model_dump(mode="json"), referral.model_dump(mode="json")
    return {"id": offer["offer_id"], "referral_id": offer["referral_id"], "provider_id": offer["provider_id"],
            "tier": offer["tier"], "status": OfferStatus.OPEN, "deadline": made.model_dump(mode="json")["deadline"],
            "area": offer["area"], "weekly_hours": offer["weekly_hours"], "visits": care["visits"],
            "needs": care["needs"], "client_group": care["client_group"], "urgency": offer["urgency"],
            "start_on": care["start_on"], "created_at": offer["at"], "answered_at": None, "decline_reason": None}


async def queue_offer_made(session: AsyncSession, *, made: OfferMade) -> None:
    """A delivery of the new offer, due at once, for a provider that registered a receiver."""
    if await session.get(Webhook, made.offer.provider_id) is None:
        return
    referral = await session.get(Referral, made.offer.referral_id)
    assert referral is not None, "an offer is made of a referral brokerage keeps"
    body = {"event": OFFER_MADE, "offer": offer_document(made, referral_facts(referral))}
    session.add(WebhookDelivery(provider_id=made.offer.provider_id, event=OFFER_MADE,
                                body=json.dumps(body, separators=(",", ":")), next_attempt_at=made.offer.at))


async def queue_test(session: AsyncSession, *, provider_id: uuid.UUID, now: datetime) -> WebhookDelivery:
    """A signed delivery that stands for nothing, due at once, so a provider's developers can check their
    receiver without waiting for an offer; sent and retried like any other."""
    webhook = await get(session, provider_id=provider_id)
    body = {"event": TEST, "provider_id": str(provider_id), "url": webhook.url, "requested_at": now.isoformat()}
    delivery = WebhookDelivery(id=uuid.uuid4(), provider_id=provider_id, event=TEST,
                               body=json.dumps(body, separators=(",", ":")), next_attempt_at=now)
    session.add(delivery)
    return delivery
