"""The token endpoint and token verification: every bad token is refused with 401."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from shared.auth import Role
from shared.keys import load_or_create_keypair
from tests.harness import ADMIN_PASSWORD, Suite

ADMIN_USERS = "/api/v1/admin/users"


def _claims(**overrides: object) -> dict[str, object]:
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "sub": "00000000-0000-0000-0000-000000000001", "kind": "user", "name": "forger", "roles": ["admin"],
        "iss": "homecare-suite", "aud": "homecare-suite-api", "iat": now, "exp": now + timedelta(minutes=5),
    }
    claims.update(overrides)
    return claims


def _signed(**overrides: object) -> str:
    return jwt.encode(_claims(**overrides), load_or_create_keypair().private_pem, algorithm="EdDSA")


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, default=str).encode()).rstrip(b"=").decode()


async def test_staff_sign_in_with_a_password_and_get_a_short_lived_bearer_token(suite: Suite) -> None:
    answer = await suite.http.post("/api/v1/auth/token", data={
        "grant_type": "password", "username": "admin", "password": ADMIN_PASSWORD})
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "bearer"
    assert 0 < body["expires_in"] <= 3600
    claims = jwt.decode(body["access_token"], load_or_create_keypair().public_pem, algorithms=["EdDSA"],
                        audience="homecare-suite-api")
    assert claims["roles"] == ["admin"]


@pytest.mark.parametrize("form", [
    {"grant_type": "password", "username": "admin", "password": "wrong password"},
    {"grant_type": "password", "username": "nobody", "password": "whatever it is"},
    {"grant_type": "client_credentials", "client_id": "not-a-client", "client_secret": "x"},
    {"grant_type": "client_credentials", "client_id": "00000000-0000-0000-0000-000000000000",
     "client_secret": "x"},
])
async def test_bad_credentials_are_refused_with_401_problem(suite: Suite, form: dict[str, str]) -> None:
    answer = await suite.http.post("/api/v1/auth/token", data=form)
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "access_token" not in answer.text
    expected = "invalid_grant" if form["grant_type"] == "password" else "invalid_client"
    assert (answer.json()["error"], answer.json()["error_description"]) == (expected, answer.json()["detail"])


async def test_a_bad_client_in_http_basic_is_challenged_for_basic(suite: Suite) -> None:
    answer = await suite.http.post("/api/v1/auth/token", data={"grant_type": "client_credentials"},
                                   auth=("00000000-0000-0000-0000-000000000000", "not-the-secret"))
    assert (answer.status_code, answer.json()["error"]) == (401, "invalid_client")
    assert answer.headers["www-authenticate"] == 'Basic realm="homecare-suite"'


@pytest.mark.parametrize("form", [
    {"grant_type": "password", "username": "admin"},
    {"grant_type": "client_credentials", "client_id": "only-an-id"},
    {"username": "admin", "password": "no grant type"},
    {},
])
async def test_an_incomplete_token_request_is_invalid_request(suite: Suite, form: dict[str, str]) -> None:
    answer = await suite.http.post("/api/v1/auth/token", data=form)
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_request")
    assert answer.json()["type"].endswith("invalid-request")


async def test_a_token_is_never_cached(suite: Suite) -> None:
    answer = await suite.http.post("/api/v1/auth/token", data={
        "grant_type": "password", "username": "admin", "password": ADMIN_PASSWORD})
    assert (answer.headers["cache-control"], answer.headers["pragma"]) == ("no-store", "no-cache")


async def test_a_stock_oauth2_library_reads_the_refusal(suite: Suite) -> None:
    """oauthlib (beneath requests-oauthlib) parses the token endpoint's body and raises its own error class."""
    from oauthlib.oauth2 import BackendApplicationClient, InvalidClientError

    answer = await suite.http.post("/api/v1/auth/token", data={
        "grant_type": "client_credentials", "client_id": "00000000-0000-0000-0000-000000000000",
        "client_secret": "wrong"})
    with pytest.raises(InvalidClientError, match="not valid"):
        BackendApplicationClient(client_id="x").parse_request_body_response(answer.text)


async def test_an_unknown_grant_type_is_a_400_problem(suite: Suite) -> None:
    answer = await suite.http.post("/api/v1/auth/token", data={"grant_type": "implicit"})
    assert answer.status_code == 400
    assert answer.json()["type"].endswith("unsupported-grant-type")


async def test_machine_clients_sign_in_with_client_credentials_in_the_form_or_basic(suite: Suite) -> None:
    created = await suite.machine_client("finance")
    form = await suite.http.post("/api/v1/auth/token", data={
        "grant_type": "client_credentials", "client_id": created["client_id"],
        "client_secret": created["client_secret"]})
    assert form.status_code == 200
    basic = await suite.http.post("/api/v1/auth/token", data={"grant_type": "client_credentials"},
                                  auth=(created["client_id"], created["client_secret"]))
    assert basic.status_code == 200
    claims = jwt.decode(basic.json()["access_token"], options={"verify_signature": False})
    assert claims["kind"] == "client"
    assert claims["roles"] == ["finance"]


async def test_a_provider_client_token_carries_its_provider_id(suite: Suite) -> None:
    provider_id = "6f1c1c3e-2b9a-4c41-9d1e-1b2a3c4d5e6f"
    created = await suite.machine_client("provider", provider_id=provider_id)
    token = created["headers"]["Authorization"].split()[1]
    assert jwt.decode(token, options={"verify_signature": False})["provider_id"] == provider_id


@pytest.mark.parametrize("token", [
    pytest.param(lambda: _signed(exp=datetime.now(UTC) - timedelta(seconds=5)), id="expired"),
    pytest.param(lambda: _signed(aud="another-api"), id="wrong-audience"),
    pytest.param(lambda: _signed(iss="someone-else"), id="wrong-issuer"),
    pytest.param(lambda: jwt.encode(_claims(), None, algorithm="none"), id="alg-none"),
    pytest.param(lambda: jwt.encode(_claims(), "a-guessed-secret-long-enough-for-hs256!", algorithm="HS256"),
                 id="hs256"),
    pytest.param(lambda: ".".join([_signed().split(".")[0], _b64(_claims(roles=["admin", "finance"])),
                                   _signed().split(".")[2]]), id="tampered"),
    pytest.param(lambda: _signed() + "x", id="bad-signature"),
    pytest.param(lambda: "not.a.token", id="garbage"),
])
async def test_bad_tokens_are_refused_with_401(suite: Suite, token: object) -> None:
    value = token()  # type: ignore[operator]
    answer = await suite.http.get(ADMIN_USERS, headers={"Authorization": f"Bearer {value}"})
    assert answer.status_code == 401, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    challenge = answer.headers["www-authenticate"]
    assert challenge.startswith('Bearer realm="homecare-suite", error="invalid_token", error_description=')


async def test_an_expired_token_is_told_apart_from_an_invalid_one(suite: Suite) -> None:
    expired = await suite.http.get(ADMIN_USERS, headers={
        "Authorization": f"Bearer {_signed(exp=datetime.now(UTC) - timedelta(seconds=5))}"})
    forged = await suite.http.get(ADMIN_USERS, headers={"Authorization": "Bearer not.a.token"})
    assert expired.json()["type"].endswith("/token-expired")
    assert forged.json()["type"].endswith("/invalid-token")
    assert 'error_description="The token has expired."' in expired.headers["www-authenticate"]
    assert 'error_description="The token is not valid."' in forged.headers["www-authenticate"]


async def test_a_missing_token_is_401(suite: Suite) -> None:
    answer = await suite.http.get(ADMIN_USERS)
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.headers["www-authenticate"] == 'Bearer realm="homecare-suite"'


async def test_a_valid_token_without_the_role_is_403(suite: Suite) -> None:
    broker = await suite.staff("broker")
    answer = await suite.http.post(ADMIN_USERS, headers=broker, json={
        "username": "sneaky", "password": "a-long-password", "roles": ["admin"]})
    assert answer.status_code == 403
    assert answer.json()["type"].endswith("forbidden")


async def test_a_signed_token_for_an_account_that_does_not_exist_is_401(suite: Suite) -> None:
    answer = await suite.http.get(ADMIN_USERS, headers={"Authorization": f"Bearer {_signed()}"})
    assert answer.status_code == 401


async def test_a_revoked_client_is_refused_at_once_even_with_an_unexpired_token(suite: Suite) -> None:
    created = await suite.machine_client("finance")
    assert (await suite.http.get("/api/v1/invoices", headers=created["headers"])).status_code != 401
    revoked = await suite.http.delete(f"/api/v1/admin/clients/{created['client_id']}",
                                      headers=await suite.as_admin())
    assert revoked.status_code == 204
    again = await suite.http.get("/api/v1/invoices", headers=created["headers"])
    assert again.status_code == 401
    token = await suite.http.post("/api/v1/auth/token", data={
        "grant_type": "client_credentials", "client_id": created["client_id"],
        "client_secret": created["client_secret"]})
    assert token.status_code == 401


async def test_admin_creates_users_whose_passwords_are_stored_only_as_argon2_hashes(suite: Suite) -> None:
    answer = await suite.http.post(ADMIN_USERS, headers=await suite.as_admin(), json={
        "username": "j.smith", "password": "a-long-password", "roles": ["broker", "finance"]})
    assert answer.status_code == 201
    assert set(answer.json()["roles"]) == {"broker", "finance"}
    assert "password" not in answer.text
    async with suite.app.state.db.sessionmaker() as session:
        from sqlalchemy import select

        from services.gateway.auth.models import User
        stored = await session.scalar(select(User.password_hash).where(User.username == "j.smith"))
    assert stored is not None
    assert stored.startswith("$argon2id$")
    duplicate = await suite.http.post(ADMIN_USERS, headers=await suite.as_admin(), json={
        "username": "j.smith", "password": "another-password", "roles": ["broker"]})
    assert duplicate.status_code == 409


@pytest.mark.parametrize("body", [
    {"username": "x", "password": "a-long-password", "roles": ["broker"]},
    {"username": "ok.name", "password": "short", "roles": ["broker"]},
    {"username": "ok.name", "password": "a-long-password", "roles": []},
    {"username": "ok.name", "password": "a-long-password", "roles": ["wizard"]},
    {"username": "ok.name", "password": "a-long-password", "roles": [Role.PROVIDER.value]},  # no provider_id
])
async def test_bad_user_input_is_a_422_problem_listing_the_fields(suite: Suite, body: dict[str, object]) -> None:
    answer = await suite.http.post(ADMIN_USERS, headers=await suite.as_admin(), json=body)
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["errors"]
    listed = await suite.http.get(ADMIN_USERS, headers=await suite.as_admin())
    assert [user["username"] for user in listed.json()["items"]] == ["admin"]


@pytest.mark.parametrize("body", [
    {"name": "p", "roles": ["provider"]},
    {"name": "p", "roles": ["finance"], "provider_id": "6f1c1c3e-2b9a-4c41-9d1e-1b2a3c4d5e6f"},
    {"name": "p", "roles": ["admin"]},
])
async def test_client_roles_and_provider_binding_are_validated(suite: Suite, body: dict[str, object]) -> None:
    answer = await suite.http.post("/api/v1/admin/clients", headers=await suite.as_admin(), json=body)
    assert answer.status_code == 422


async def test_every_admin_change_is_audited_without_secrets(suite: Suite) -> None:
    created = await suite.machine_client("finance")
    await suite.http.delete(f"/api/v1/admin/clients/{created['client_id']}", headers=await suite.as_admin())
    async with suite.app.state.db.sessionmaker() as session:
        from sqlalchemy import select

        from services.gateway.models import INFRA
        audit = INFRA.audit
        rows = (await session.execute(select(audit).where(
            audit.c.entity_id == created["client_id"]).order_by(audit.c.id))).all()
    assert [row.action for row in rows] == ["client.created", "auth.signed_in", "client.revoked"]
    assert all(row.actor != "system" and row.at is not None for row in rows)
    assert created["client_secret"] not in " ".join(str(row.after) for row in rows)


@pytest.mark.parametrize("service", ["providers", "brokerage", "packages", "quality"])
async def test_each_service_checks_tokens_itself_when_reached_without_the_gateway(suite: Suite, service: str) -> None:
    """Zero trust: a caller who gets past the gateway still needs a valid token at the service."""
    direct = suite.app.state.upstreams[service]
    path = {"providers": "/api/v1/providers", "brokerage": "/api/v1/referrals", "packages": "/api/v1/packages",
            "quality": "/api/v1/concerns"}[service]
    assert (await direct.get(path)).status_code == 401
    forged = jwt.encode(_claims(roles=["broker", "commissioner", "quality_officer"]), None, algorithm="none")
    assert (await direct.get(path, headers={"Authorization": f"Bearer {forged}"})).status_code == 401
    expired = _signed(exp=datetime.now(UTC) - timedelta(seconds=1), roles=["broker"])
    assert (await direct.get(path, headers={"Authorization": f"Bearer {expired}"})).status_code == 401
    staff = await suite.staff("broker", "commissioner", "quality_officer")
    assert (await direct.get(path, headers=staff)).status_code == 200
