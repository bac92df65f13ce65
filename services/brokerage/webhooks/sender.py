"""Sending webhook deliveries: claim due rows (a lease, `SKIP LOCKED` on PostgreSQL so replicas share
the work), POST them signed outside any transaction, then record the outcome; failures are retried
with exponential backoff up to a limit."""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select

from services.brokerage.settings import BrokerageSettings
from services.brokerage.webhooks.addresses import resolves_publicly
from services.brokerage.webhooks.domain import DeliveryStatus, retry_after
from services.brokerage.webhooks.models import Webhook, WebhookDelivery
from services.brokerage.webhooks.signing import (
    ATTEMPT_HEADER,
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    USER_AGENT,
    signature,
)
from shared.clock import Clock
from shared.db import Database

logger = logging.getLogger(__name__)
BATCH = 50


@dataclass(frozen=True)
class Claimed:
    id: uuid.UUID
    url: str | None
    secret: str
    body: str
    attempts: int


async def deliver_due(
    database: Database, *, settings: BrokerageSettings, client: httpx.AsyncClient, clock: Clock
) -> int:
    """One pass: sends every due delivery once; returns how many were delivered."""
    claimed = await _claim(database, settings=settings, now=clock.now())
    allow_private = settings.webhook_allow_private_addresses
    outcomes = await asyncio.gather(*(_send(client, each, allow_private=allow_private, clock=clock)
                                      for each in claimed))
    await _record(database, settings=settings, outcomes=list(zip(claimed, outcomes, strict=True)), now=clock.now())
    return sum(1 for error in outcomes if error is None)


async def _claim(database: Database, *, settings: BrokerageSettings, now: datetime) -> list[Claimed]:
    lease = timedelta(seconds=settings.webhook_timeout_seconds * 2)
    async with database.sessionmaker() as session, session.begin():
        query = (select(WebhookDelivery).where(WebhookDelivery.status == DeliveryStatus.PENDING,
                                               WebhookDelivery.next_attempt_at <= now)
                 .order_by(WebhookDelivery.next_attempt_at).limit(BATCH).with_for_update(skip_locked=True))
        rows = (await session.scalars(query)).all()
        claimed = []
        for row in rows:
            webhook = await session.get(Webhook, row.provider_id)
            row.attempts += 1
            row.next_attempt_at = now + lease
            claimed.append(Claimed(id=row.id, url=webhook.url if webhook else None,
                                   secret=webhook.secret if webhook else "", body=row.body, attempts=row.attempts))
    return claimed


async def _send(client: httpx.AsyncClient, delivery: Claimed, *, allow_private: bool, clock: Clock) -> str | None:
    """POSTs one delivery; returns None when the receiver took it, else a short error (no body text). Each
    attempt is signed afresh (its timestamp is now); the delivery id stays the same."""
    if delivery.url is None:
        return "no webhook registered"
    if not allow_private and not await resolves_publicly(delivery.url):
        return "refused: the receiver is not on a public address"
    body = delivery.body.encode()
    timestamp = str(int(clock.now().timestamp()))
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, TIMESTAMP_HEADER: timestamp,
               SIGNATURE_HEADER: signature(secret=delivery.secret, timestamp=timestamp, body=body),
               DELIVERY_HEADER: str(delivery.id), ATTEMPT_HEADER: str(delivery.attempts)}
    try:
        answer = await client.post(delivery.url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return type(exc).__name__
    return None if answer.is_success else f"HTTP {answer.status_code}"


async def _record(
    database: Database, *, settings: BrokerageSettings, outcomes: list[tuple[Claimed, str | None]], now: datetime
) -> None:
    if not outcomes:
        return
    async with database.sessionmaker() as session, session.begin():
        for claimed, error in outcomes:
            row = await session.get(WebhookDelivery, claimed.id)
            if row is None:
                continue
            if error is None:
                row.status, row.delivered_at, row.last_error = DeliveryStatus.DELIVERED, now, None
                continue
            logger.info("webhook delivery %s failed (attempt %d): %s", claimed.id, claimed.attempts, error)
            row.last_error = error
            wait = retry_after(attempts=claimed.attempts, max_attempts=settings.webhook_max_attempts,
                               base_seconds=settings.webhook_retry_base_seconds, receiver_known=claimed.url is not None)
            if wait is None:
                row.status = DeliveryStatus.FAILED
            else:
                row.next_attempt_at = now + wait
