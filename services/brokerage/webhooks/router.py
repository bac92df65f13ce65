from fastapi import APIRouter, Response, status

from services.brokerage.deps import ProviderPrincipal, SettingsDep
from services.brokerage.webhooks import service
from services.brokerage.webhooks.addresses import PrivateWebhookAddress, ensure_public
from services.brokerage.webhooks.schemas import TestDeliveryQueued, WebhookCreated, WebhookIn, WebhookOut
from shared.clock import ClockDep
from shared.db import SessionDep
from shared.errors import Forbidden, NotFound, Unauthorized, problem_responses

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"], responses=problem_responses(Unauthorized, Forbidden))


@router.put("", response_model=WebhookCreated, responses=problem_responses(PrivateWebhookAddress))
async def register(data: WebhookIn, session: SessionDep, actor: ProviderPrincipal,
                   settings: SettingsDep, clock: ClockDep) -> WebhookCreated:
    """Every new offer is POSTed here, signed (docs/provider-webhooks.md). The secret is shown once. The
    receiver must be on a public address."""
    assert actor.provider_id is not None
    await ensure_public(str(data.url), allow_private=settings.webhook_allow_private_addresses)
    webhook, secret = await service.register(session, actor=actor, provider_id=actor.provider_id, url=str(data.url),
                                             now=clock.now())
    return WebhookCreated(url=webhook.url, created_at=webhook.created_at, secret=secret)


@router.get("", response_model=WebhookOut, responses=problem_responses(NotFound))
async def show(session: SessionDep, actor: ProviderPrincipal) -> WebhookOut:
    assert actor.provider_id is not None
    webhook = await service.get(session, provider_id=actor.provider_id)
    return WebhookOut(url=webhook.url, created_at=webhook.created_at)


@router.delete("", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(NotFound))
async def remove(session: SessionDep, actor: ProviderPrincipal) -> Response:
    assert actor.provider_id is not None
    await service.remove(session, actor=actor, provider_id=actor.provider_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/test", status_code=status.HTTP_202_ACCEPTED, response_model=TestDeliveryQueued,
             responses=problem_responses(NotFound))
async def send_test(session: SessionDep, actor: ProviderPrincipal, clock: ClockDep) -> TestDeliveryQueued:
    """Queues a signed `webhook.test` delivery to the registered receiver, sent within seconds and retried
    like an offer; nothing else happens."""
    assert actor.provider_id is not None
    delivery = await service.queue_test(session, provider_id=actor.provider_id, now=clock.now())
    return TestDeliveryQueued(delivery_id=delivery.id, event=delivery.event)
