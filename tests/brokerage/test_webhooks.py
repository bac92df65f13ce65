"""Provider webhooks: registration, signed delivery of each new offer to a real local receiver, retries.

A delivery is queued when brokerage handles its own `brokerage.offer.made.v1`, a moment after the offer's
transaction: the tests wait for brokerage to have handled it."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from services.brokerage.models import INFRA, WebhookDelivery
from services.brokerage.settings import BrokerageSettings
from services.brokerage.webhooks.addresses import is_public
from services.brokerage.webhooks.domain import retry_after
from services.brokerage.webhooks.sender import deliver_due
from shared.clock import FixedClock, SystemClock
from shared.contracts.common import Tier
from shared.db import Database
from tests.brokerage.conftest import Market, referral_body
from tests.harness import Backend, Suite, eventually, running_suite


@dataclass
class Receiver:
    """A provider's endpoint: verifies each signature as docs/provider-webhooks.md says, answers
    `failures` 503s before it starts to accept."""

    url: str = ""
    secret: str = ""
    failures: int = 0
    received: list[dict[str, Any]] = field(default_factory=list)
    refused: int = 0
    attempts: list[tuple[str, str, str]] = field(default_factory=list)  # delivery id, attempt, user agent

    def verify(self, timestamp: str, body: bytes, presented: str) -> bool:
        expected = "sha256=" + hmac.new(self.secret.encode(), f"{timestamp}.".encode() + body,
                                        hashlib.sha256).hexdigest()
        fresh = abs(datetime.now(UTC).timestamp() - int(timestamp)) < 300
        return fresh and hmac.compare_digest(expected, presented)


async def offers_made_handled(database: Database) -> int:
    """How many `brokerage.offer.made.v1` brokerage's own consumer has handled (in its inbox)."""
    inbox = INFRA.events.inbox
    async with database.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(inbox).where(
            inbox.c.event_type == "brokerage.offer.made.v1")) or 0)


async def queued(database: Database) -> int:
    async with database.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(WebhookDelivery)) or 0)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.attempts.append((self.headers["X-Homecare-Delivery"], self.headers["X-Homecare-Attempt"],
                                   self.headers["User-Agent"]))
            signed = state.verify(self.headers["X-Homecare-Timestamp"], body, self.headers["X-Homecare-Signature"])
            if state.failures > 0:
                state.failures -= 1
                self.send_response(503)
            elif signed:
                state.received.append(json.loads(body))
                self.send_response(204)
            else:
                state.refused += 1
                self.send_response(401)
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_port}/homecare/offers"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


async def test_each_new_offer_is_posted_signed_and_retried_until_taken(
    suite: Suite, market: Market, receiver: Receiver
) -> None:
    await market.area()
    primary = await market.provider(Tier.PRIMARY)
    as_provider = await suite.provider(primary)
    registered = await suite.http.put("/api/v1/webhooks", json={"url": receiver.url}, headers=as_provider)
    assert registered.status_code == 200, registered.text
    receiver.secret, receiver.failures = registered.json()["secret"], 1
    shown = await suite.http.get("/api/v1/webhooks", headers=as_provider)
    assert shown.json()["url"] == receiver.url
    assert "secret" not in shown.json()

    created = await suite.http.post("/api/v1/referrals", json=referral_body(), headers=await suite.staff("broker"))
    await eventually(lambda: offers_made_handled(market.database))
    assert await queued(market.database) == 1
    settings = BrokerageSettings(webhook_retry_base_seconds=60, webhook_allow_private_addresses=True)
    async with httpx.AsyncClient(timeout=5) as client:
        assert await deliver_due(market.database, settings=settings, client=client, clock=SystemClock()) == 0
        assert await deliver_due(market.database, settings=settings, client=client, clock=SystemClock()) == 0
        later = FixedClock(datetime.now(UTC) + timedelta(minutes=2))
        assert await deliver_due(market.database, settings=settings, client=client, clock=later) == 1
        assert await deliver_due(market.database, settings=settings, client=client, clock=later) == 0
    assert receiver.refused == 0
    [(first_id, first, agent), (second_id, second, _)] = receiver.attempts
    assert (first_id, first, second) == (second_id, "1", "2")
    assert agent.startswith("homecare-suite-webhooks/")
    [delivered] = receiver.received
    assert delivered["event"] == "offer.made"
    assert delivered["offer"]["referral_id"] == created.json()["id"]
    assert delivered["offer"]["provider_id"] == primary
    shown = await suite.http.get(f"/api/v1/offers/{delivered['offer']['id']}", headers=as_provider)
    assert delivered["offer"] == shown.json()


async def test_a_provider_asks_for_a_signed_test_delivery(suite: Suite, market: Market, receiver: Receiver) -> None:
    as_provider = await suite.provider(await market.provider(Tier.PRIMARY))
    unregistered = await suite.http.post("/api/v1/webhooks/test", headers=as_provider)
    assert unregistered.status_code == 404
    registered = await suite.http.put("/api/v1/webhooks", json={"url": receiver.url}, headers=as_provider)
    receiver.secret = registered.json()["secret"]
    queued_test = await suite.http.post("/api/v1/webhooks/test", headers=as_provider)
    assert queued_test.status_code == 202, queued_test.text
    settings = BrokerageSettings(webhook_allow_private_addresses=True)
    async with httpx.AsyncClient(timeout=5) as client:
        assert await deliver_due(market.database, settings=settings, client=client, clock=SystemClock()) == 1
    [delivered] = receiver.received
    assert (delivered["event"], delivered["url"]) == ("webhook.test", receiver.url)
    assert [attempt[0] for attempt in receiver.attempts] == [queued_test.json()["delivery_id"]]
    staff = await suite.http.post("/api/v1/webhooks/test", headers=await suite.staff("broker"))
    assert staff.status_code == 403


async def test_a_webhook_is_for_provider_clients_only_and_can_be_removed(
    suite: Suite, market: Market, receiver: Receiver
) -> None:
    await market.area()
    provider = await market.provider(Tier.PRIMARY)
    broker = await suite.staff("broker")
    assert (await suite.http.put("/api/v1/webhooks", json={"url": receiver.url}, headers=broker)).status_code == 403
    as_provider = await suite.provider(provider)
    bad = await suite.http.put("/api/v1/webhooks", json={"url": "not a url"}, headers=as_provider)
    assert bad.status_code == 422
    assert (await suite.http.get("/api/v1/webhooks", headers=as_provider)).status_code == 404
    await suite.http.put("/api/v1/webhooks", json={"url": receiver.url}, headers=as_provider)
    assert (await suite.http.delete("/api/v1/webhooks", headers=as_provider)).status_code == 204
    await suite.http.post("/api/v1/referrals", json=referral_body(), headers=broker)
    await eventually(lambda: offers_made_handled(market.database))
    assert await queued(market.database) == 0
    async with httpx.AsyncClient(timeout=5) as client:
        assert await deliver_due(market.database, settings=BrokerageSettings(webhook_allow_private_addresses=True),
                                 client=client, clock=SystemClock()) == 0
    assert receiver.received == []


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hook", "http://localhost/hook", "https://10.1.2.3/hook",
                                 "http://169.254.169.254/latest/meta-data", "http://[::1]/hook"])
async def test_a_webhook_on_an_internal_address_is_refused(backend: Backend, url: str) -> None:
    """No server-side request forgery: a provider cannot make the suite call the council's own network."""
    async with running_suite(backend) as suite:
        provider_id = str(uuid.uuid4())
        answer = await suite.http.put("/api/v1/webhooks", json={"url": url}, headers=await suite.provider(provider_id))
        assert answer.status_code == 422
        assert answer.json()["type"].endswith("webhook-address")


def test_only_global_addresses_count_as_public() -> None:
    assert is_public("8.8.8.8")
    assert is_public("2001:4860:4860::8888")
    for internal in ("127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.1.1", "::1", "fd00::1"):
        assert not is_public(internal)


def test_a_failed_delivery_is_tried_again_after_a_doubling_wait_until_its_attempts_run_out() -> None:
    waits = [retry_after(attempts=n, max_attempts=4, base_seconds=2, receiver_known=True) for n in (1, 2, 3, 4)]
    assert waits == [timedelta(seconds=2), timedelta(seconds=4), timedelta(seconds=8), None]
    assert retry_after(attempts=1, max_attempts=4, base_seconds=2, receiver_known=False) is None
