"""Idempotency-Key: the same key and body give the same result, once."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select, update

from services.gateway.models import User
from shared.idempotency import ABANDONED_AFTER, KEY_LIFETIME, hash_of_request
from tests.harness import Suite

USERS = "/api/v1/admin/users"


async def _user_count(suite: Suite) -> int:
    async with suite.app.state.db.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(User)) or 0)


async def test_a_retried_write_with_the_same_key_is_applied_once_and_answered_the_same(suite: Suite) -> None:
    headers = {**await suite.as_admin(), "Idempotency-Key": "create-j-bloggs"}
    body = {"username": "j.bloggs", "password": "a-long-password", "roles": ["broker"]}
    first = await suite.http.post(USERS, json=body, headers=headers)
    again = await suite.http.post(USERS, json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert await _user_count(suite) == 2


async def test_the_same_key_with_another_body_is_refused(suite: Suite) -> None:
    headers = {**await suite.as_admin(), "Idempotency-Key": "k-1"}
    await suite.http.post(USERS, json={"username": "a.one", "password": "a-long-password", "roles": ["broker"]},
                          headers=headers)
    other = await suite.http.post(USERS, json={"username": "b.two", "password": "a-long-password",
                                               "roles": ["broker"]}, headers=headers)
    assert other.status_code == 422
    assert other.headers["content-type"].startswith("application/problem+json")
    assert await _user_count(suite) == 2


async def test_concurrent_retries_with_one_key_create_one_record(suite: Suite) -> None:
    headers = {**await suite.as_admin(), "Idempotency-Key": "burst"}
    body = {"username": "c.three", "password": "a-long-password", "roles": ["finance"]}
    answers = await asyncio.gather(*(suite.http.post(USERS, json=body, headers=headers) for _ in range(5)))
    assert {answer.status_code for answer in answers} <= {201, 409}
    assert 201 in {answer.status_code for answer in answers}
    assert await _user_count(suite) == 2


async def test_keys_belong_to_their_caller(suite: Suite) -> None:
    body = {"username": "d.four", "password": "a-long-password", "roles": ["broker"]}
    await suite.http.post(USERS, json=body, headers={**await suite.as_admin(), "Idempotency-Key": "shared"})
    broker = await suite.staff("broker")
    answer = await suite.http.post(USERS, json=body, headers={**broker, "Idempotency-Key": "shared"})
    assert answer.status_code == 403


async def test_a_key_past_its_lifetime_is_a_new_request(suite: Suite) -> None:
    headers = {**await suite.as_admin(), "Idempotency-Key": "yesterday"}
    first = {"username": "e.five", "password": "a-long-password", "roles": ["broker"]}
    assert (await suite.http.post(USERS, json=first, headers=headers)).status_code == 201
    table = suite.app.state.db.sessionmaker.kw["info"]["idempotency_table"]
    async with suite.app.state.db.sessionmaker() as session, session.begin():
        await session.execute(update(table).where(table.c.key == "yesterday").values(
            created_at=datetime.now(UTC) - KEY_LIFETIME - timedelta(minutes=1)))
    second = {**first, "username": "f.six"}
    answer = await suite.http.post(USERS, json=second, headers=headers)
    assert answer.status_code == 201
    assert "idempotent-replayed" not in answer.headers
    assert await _user_count(suite) == 3


async def test_a_claim_its_process_never_answered_is_taken_over_once_abandoned(suite: Suite) -> None:
    """A process killed mid-request leaves its claim unanswered: a retry gets 409 while it could still be
    running, and runs once the claim is older than any request runs."""
    headers = {**await suite.as_admin(), "Idempotency-Key": "cut-off", "Content-Type": "application/json"}
    body = json.dumps({"username": "g.seven", "password": "a-long-password", "roles": ["broker"]}).encode()
    table = suite.app.state.db.sessionmaker.kw["info"]["idempotency_table"]
    subject = suite.app.state.token_verifier.verify(headers["Authorization"].removeprefix("Bearer ")).subject
    async with suite.app.state.db.sessionmaker() as session, session.begin():
        await session.execute(insert(table).values(
            subject=str(subject), key="cut-off", request_hash=hash_of_request("POST", USERS, "", body),
            created_at=datetime.now(UTC) - timedelta(minutes=1)))
    assert (await suite.http.post(USERS, content=body, headers=headers)).status_code == 409
    async with suite.app.state.db.sessionmaker() as session, session.begin():
        await session.execute(update(table).where(table.c.key == "cut-off").values(
            created_at=datetime.now(UTC) - ABANDONED_AFTER - timedelta(seconds=1)))
    assert (await suite.http.post(USERS, content=body, headers=headers)).status_code == 201
    assert await _user_count(suite) == 2
    assert (await suite.http.post(USERS, content=body, headers=headers)).headers["idempotent-replayed"] == "true"
