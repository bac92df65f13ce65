"""Sign-in protection: an account locks out after repeated failures and an address that keeps failing is held
back, both with 429 and Retry-After before any password is checked; a success clears the count; every
sign-in and refusal is audited without the secret."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from services.gateway.auth.throttle import SignInThrottle, ThrottlePolicy
from services.gateway.models import INFRA
from shared.errors import TooManyRequests
from tests.harness import ADMIN_PASSWORD, Backend, Suite, running_suite

TOKEN = "/api/v1/auth/token"


def _password(username: str, password: str) -> dict[str, str]:
    return {"grant_type": "password", "username": username, "password": password}


async def test_an_account_locks_out_after_five_failures_and_others_are_untouched(suite: Suite) -> None:
    other = await suite.staff("broker")
    codes = [(await suite.http.post(TOKEN, data=_password("admin", f"wrong-{n}"))).status_code for n in range(5)]
    assert codes == [401] * 5
    locked = await suite.http.post(TOKEN, data=_password("admin", ADMIN_PASSWORD))
    assert locked.status_code == 429
    assert locked.headers["content-type"].startswith("application/problem+json")
    assert 800 <= int(locked.headers["retry-after"]) <= 900
    assert (await suite.http.get("/api/v1/users/me", headers=other)).status_code == 200


async def test_a_success_clears_the_accounts_count(suite: Suite) -> None:
    for _ in range(2):
        for n in range(4):
            assert (await suite.http.post(TOKEN, data=_password("admin", f"wrong-{n}"))).status_code == 401
        assert (await suite.http.post(TOKEN, data=_password("admin", ADMIN_PASSWORD))).status_code == 200


async def test_an_address_guessing_across_accounts_is_held_back(embedded_backend: Backend) -> None:
    async with running_suite(embedded_backend, GATEWAY_SIGN_IN_ADDRESS_FAILURES="3") as suite:
        codes = [(await suite.http.post(TOKEN, data=_password(f"guess-{n}", "password123456"))).status_code
                 for n in range(4)]
        assert codes == [401, 401, 401, 429]
        assert (await suite.http.post(TOKEN, data={"grant_type": "client_credentials", "client_id": "x",
                                                   "client_secret": "y"})).status_code == 429


async def test_sign_ins_and_refusals_are_audited_without_the_secret(suite: Suite) -> None:
    await suite.http.post(TOKEN, data=_password("admin", "not-the-password"))
    await suite.http.post(TOKEN, data=_password("admin", ADMIN_PASSWORD))
    table = INFRA.audit
    async with suite.app.state.db.sessionmaker() as session:
        rows = (await session.execute(select(table.c.action, table.c.entity_id, table.c.after).where(
            table.c.action.like("auth.%")).order_by(table.c.id))).all()
    actions = [action for action, _, _ in rows]
    assert actions[-2:] == ["auth.sign_in_refused", "auth.signed_in"]
    assert rows[-2].entity_id == "admin"
    assert all("not-the-password" not in (after or "") and ADMIN_PASSWORD not in (after or "")
               for _, _, after in rows)


def test_failures_outside_the_window_do_not_count_and_a_lock_ends() -> None:
    throttle = SignInThrottle(ThrottlePolicy(account_failures=3, address_failures=100, window_seconds=60,
                                             lockout_seconds=300))
    for at in (0.0, 30.0, 100.0, 110.0):
        throttle.check(account="a", address="x", now=at)
        throttle.failed(account="a", address="x", now=at)
    throttle.check(account="a", address="x", now=111.0)  # the first two fell out of the window
    throttle.failed(account="a", address="x", now=115.0)
    for at in (116.0, 414.0):
        with pytest.raises(TooManyRequests, match="try again"):
            throttle.check(account="a", address="x", now=at)
    throttle.check(account="a", address="x", now=416.0)


async def test_a_burst_of_wrong_passwords_does_not_hold_up_a_signed_in_caller(embedded_backend: Backend) -> None:
    """Password hashing queues in its own small pool: a signed-in caller's request is answered before any of
    a burst of wrong sign-ins started ahead of it (an order, not a time)."""
    async with running_suite(embedded_backend, GATEWAY_SIGN_IN_ADDRESS_FAILURES="100") as suite:
        broker = await suite.staff("broker")
        sign_ins = [asyncio.create_task(suite.http.post(TOKEN, data=_password(f"guess-{n}", "password123456")))
                    for n in range(8)]
        await asyncio.sleep(0)  # every sign-in has started
        assert (await suite.http.get("/api/v1/users/me", headers=broker)).status_code == 200
        still_waiting = sum(not sign_in.done() for sign_in in sign_ins)
        assert [answer.status_code for answer in await asyncio.gather(*sign_ins)] == [401] * 8
        assert still_waiting == 8  # hashed on the event loop, one or more would have been answered first
