"""Staff sign-in through the council's OpenID provider, against a real one (the npm package oidc-provider run
with Node.js, tests/oidc/provider.mjs; never a mock): the flow signs a user in with the roles their groups
map to, and every way it can go wrong is refused: a bad state, a code used twice or expired, an ID token for
another audience or another sign-in, a user in no mapped group."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
import pytest
from pydantic import ValidationError
from sqlalchemy import select

from services.gateway.auth.exceptions import InvalidGrant
from services.gateway.auth.oidc import FLOW_COOKIE, Flow, IdentityProvider
from services.gateway.models import INFRA
from services.gateway.settings import GatewaySettings
from tests.harness import Backend, Suite, empty_databases, patched_environment, running_suite
from tests.identity_provider import CLIENT_IDS, gateway_settings, running_identity_provider, sign_in_at_provider

REDIRECT_BASE = "http://suite"  # the in-process suite's address, as tests/harness.py reaches it
OIDC = "/api/v1/auth/oidc"


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    with running_identity_provider(REDIRECT_BASE) as started:
        yield started


def _settings(issuer: str, client_id: str = CLIENT_IDS[0]) -> dict[str, str]:
    return gateway_settings(issuer, REDIRECT_BASE, client_id)


@pytest.fixture
async def sso_suite(backend: Backend, issuer: str) -> AsyncIterator[Suite]:
    async with running_suite(backend, **_settings(issuer)) as running:
        yield running


@pytest.fixture
async def embedded_sso_suite(embedded_backend: Backend, issuer: str) -> AsyncIterator[Suite]:
    """The refusals depend on no database: the embedded default only."""
    await empty_databases(embedded_backend)
    async with running_suite(embedded_backend, **_settings(issuer)) as running:
        yield running


async def _callback_url(suite: Suite, account: str) -> str:
    """Starts a sign-in at the gateway (which keeps its flow cookie in the client) and signs in at the
    provider."""
    login = await suite.http.get(OIDC + "/login")
    assert login.status_code == 302, login.text
    return await sign_in_at_provider(login.headers["location"], account, until=REDIRECT_BASE)


def _token_of(redirect: httpx.Response) -> str:
    assert redirect.status_code == 303, redirect.text
    page, _, fragment = redirect.headers["location"].partition("#")
    assert (page, fragment.partition("?")[0]) == ("/app/", "/signed-in")
    return parse_qs(fragment.partition("?")[2])["token"][0]


async def _audited(suite: Suite, action: str) -> list[dict[str, str]]:
    table = INFRA.audit
    async with suite.app.state.db.sessionmaker() as session:
        rows = (await session.execute(select(table.c.entity_id, table.c.after).where(table.c.action == action)
                                      .order_by(table.c.id))).all()
    return [{"entity_id": entity_id, **json.loads(after or "{}")} for entity_id, after in rows]


async def test_a_staff_member_signs_in_with_the_roles_their_groups_map_to(sso_suite: Suite, issuer: str) -> None:
    offered = await sso_suite.http.get(OIDC)
    assert offered.json() == {"display_name": "Northshire County Council", "login_url": OIDC + "/login"}
    login = await sso_suite.http.get(OIDC + "/login")
    asked = parse_qs(urlsplit(login.headers["location"]).query)
    assert login.headers["location"].startswith(issuer + "/auth?")
    assert (asked["code_challenge_method"], asked["client_id"]) == (["S256"], ["homecare-suite"])
    assert {"state", "nonce", "code_challenge"} <= asked.keys()
    assert "httponly" in login.headers["set-cookie"].lower()

    callback = await sign_in_at_provider(login.headers["location"], "alice", until=REDIRECT_BASE)
    token = _token_of(await sso_suite.http.get(callback))
    claims = jwt.decode(token, options={"verify_signature": False})
    assert (claims["roles"], claims["iss"]) == (["broker"], "homecare-suite")
    headers = {"Authorization": f"Bearer {token}"}
    me = await sso_suite.http.get("/api/v1/users/me", headers=headers)
    assert (me.status_code, me.json()["display_name"]) == (200, "Alice Broker")
    assert (await sso_suite.http.get("/api/v1/providers", headers=headers)).status_code == 200
    assert (await sso_suite.http.get("/api/v1/admin/users", headers=headers)).status_code == 403
    assert (await _audited(sso_suite, "auth.signed_in"))[-1] == {"entity_id": claims["sub"],
                                                                 "address": "127.0.0.1", "method": "oidc"}

    again = _token_of(await sso_suite.http.get(await _callback_url(sso_suite, "alice")))
    assert jwt.decode(again, options={"verify_signature": False})["sub"] == claims["sub"]  # the same local user
    users = await sso_suite.http.get("/api/v1/admin/users", headers=await sso_suite.as_admin())
    assert [user["display_name"] for user in users.json()["items"]].count("Alice Broker") == 1


async def test_a_state_that_is_not_this_browsers_sign_in_is_refused(embedded_sso_suite: Suite) -> None:
    callback = urlsplit(await _callback_url(embedded_sso_suite, "alice"))
    query = {key: values[0] for key, values in parse_qs(callback.query).items()}
    forged = await embedded_sso_suite.http.get(f"{callback.path}?{urlencode({**query, 'state': 'forged'})}")
    assert forged.status_code == 400
    assert forged.headers["content-type"].startswith("application/problem+json")
    assert forged.json()["type"].endswith("/invalid-state")
    embedded_sso_suite.http.cookies.clear()
    no_cookie = await embedded_sso_suite.http.get(f"{callback.path}?{callback.query}")
    assert no_cookie.status_code == 400
    assert [row["why"] for row in await _audited(embedded_sso_suite, "auth.sign_in_refused")] == ["invalid-state"] * 2


async def test_a_browser_is_sent_back_to_the_sign_in_page_with_the_problems_type(embedded_sso_suite: Suite) -> None:
    callback = urlsplit(await _callback_url(embedded_sso_suite, "alice"))
    query = {key: values[0] for key, values in parse_qs(callback.query).items()}
    forged = await embedded_sso_suite.http.get(f"{callback.path}?{urlencode({**query, 'state': 'forged'})}",
                                               headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert forged.status_code == 303
    assert forged.headers["location"] == "/app/#/signed-in?problem=invalid-state"
    assert forged.headers["cache-control"] == "no-store"
    assert [row["why"] for row in await _audited(embedded_sso_suite, "auth.sign_in_refused")] == ["invalid-state"]


async def test_a_code_used_twice_is_refused(embedded_sso_suite: Suite) -> None:
    callback = await _callback_url(embedded_sso_suite, "alice")
    flow_cookie = embedded_sso_suite.http.cookies[FLOW_COOKIE]
    _token_of(await embedded_sso_suite.http.get(callback))
    embedded_sso_suite.http.cookies.set(FLOW_COOKIE, flow_cookie)  # as if the used cookie had been kept
    replayed = await embedded_sso_suite.http.get(callback)
    assert replayed.status_code == 401
    assert replayed.json()["type"].endswith("/invalid-grant")
    assert "used already" in replayed.json()["detail"]


async def test_a_code_that_expired_before_it_was_used_is_refused(embedded_backend: Backend) -> None:
    await empty_databases(embedded_backend)
    with running_identity_provider(REDIRECT_BASE, code_ttl_seconds=1) as short_lived:
        async with running_suite(embedded_backend, **_settings(short_lived)) as suite:
            callback = await _callback_url(suite, "alice")
            await asyncio.sleep(2.5)  # the provider's code lives one second
            expired = await suite.http.get(callback)
    assert expired.status_code == 401
    assert expired.json()["type"].endswith("/invalid-grant")


async def test_a_user_in_no_mapped_group_is_refused(embedded_sso_suite: Suite) -> None:
    refused = await embedded_sso_suite.http.get(await _callback_url(embedded_sso_suite, "mallory"))
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/no-role")
    assert (await _audited(embedded_sso_suite, "auth.sign_in_refused"))[-1]["entity_id"] == "oidc:mallory"
    users = await embedded_sso_suite.http.get("/api/v1/admin/users", headers=await embedded_sso_suite.as_admin())
    assert all(user["username"] != "oidc:mallory" for user in users.json()["items"])


async def test_an_id_token_for_another_audience_or_another_sign_in_is_refused(issuer: str) -> None:
    """A genuine ID token the provider signed for another of the council's applications is refused by the
    suite, and so is one of the suite's own for another sign-in (its nonce)."""
    async with httpx.AsyncClient() as http:
        ours, theirs = (IdentityProvider(_gateway_settings(issuer, client), http)
                        for client in CLIENT_IDS)
        flow = Flow.start()
        callback = await sign_in_at_provider(await theirs.authorization_url(flow), "alice", until=REDIRECT_BASE)
        id_token = await theirs.id_token_for(parse_qs(urlsplit(callback).query)["code"][0], flow)
        assert (await theirs.verified_id_token(id_token, nonce=flow.nonce))["sub"] == "alice"
        with pytest.raises(InvalidGrant, match=r"(?i)audience"):
            await ours.verified_id_token(id_token, nonce=flow.nonce)
        with pytest.raises(InvalidGrant, match="another sign-in"):
            await theirs.verified_id_token(id_token, nonce=Flow.start().nonce)


def _gateway_settings(issuer: str, client_id: str) -> GatewaySettings:
    with patched_environment(_settings(issuer, client_id)):
        return GatewaySettings()


async def test_single_sign_on_is_not_offered_unless_configured(embedded_backend: Backend) -> None:
    async with running_suite(embedded_backend) as suite:
        for path in (OIDC, OIDC + "/login", OIDC + "/callback?code=x&state=y"):
            assert (await suite.http.get(path)).status_code == 404


def test_groups_map_only_to_staff_roles() -> None:
    with pytest.raises(ValidationError, match="staff roles"):
        GatewaySettings(oidc_group_roles={"care-agency": "provider"})


async def test_a_user_an_admin_disabled_is_refused_at_their_next_single_sign_on(embedded_sso_suite: Suite) -> None:
    suite = embedded_sso_suite
    token = _token_of(await suite.http.get(await _callback_url(suite, "alice")))
    user_id = jwt.decode(token, options={"verify_signature": False})["sub"]
    disabled = await suite.http.patch(f"/api/v1/admin/users/{user_id}", json={"active": False},
                                      headers=await suite.as_admin())
    assert disabled.status_code == 200, disabled.text
    assert (await suite.http.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})).status_code == 401
    refused = await suite.http.get(await _callback_url(suite, "alice"))
    assert (refused.status_code, refused.json()["type"].rsplit("/", 1)[1]) == (403, "forbidden")
