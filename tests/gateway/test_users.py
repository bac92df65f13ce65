"""Users as administrators keep them (display names, provider staff, disable, reset) and the names staff see
for the ids the services record."""

from __future__ import annotations

import uuid

import jwt

from tests.harness import Suite

ADMIN_USERS = "/api/v1/admin/users"


async def _user(suite: Suite, **fields: object) -> tuple[dict[str, object], str]:
    password = uuid.uuid4().hex
    body = {"username": f"u-{uuid.uuid4().hex[:8]}", "password": password, "roles": ["broker"], **fields}
    answer = await suite.http.post(ADMIN_USERS, headers=await suite.as_admin(), json=body)
    assert answer.status_code == 201, answer.text
    created: dict[str, object] = answer.json()
    return created, password


async def _sign_in(suite: Suite, username: object, password: str) -> int:
    answer = await suite.http.post("/api/v1/auth/token", data={
        "grant_type": "password", "username": str(username), "password": password})
    return answer.status_code


async def _headers(suite: Suite, username: object, password: str) -> dict[str, str]:
    token = await suite.token(grant_type="password", username=str(username), password=password)
    return {"Authorization": f"Bearer {token}"}


async def test_a_providers_staff_user_holds_the_provider_role_bound_to_its_provider(suite: Suite) -> None:
    provider_id = str(uuid.uuid4())
    created, password = await _user(suite, roles=["provider"], provider_id=provider_id, display_name="Sam Lee")
    assert (created["roles"], created["provider_id"], created["display_name"]) == (["provider"], provider_id, "Sam Lee")
    headers = await _headers(suite, created["username"], password)
    claims = jwt.decode(headers["Authorization"].split()[1], options={"verify_signature": False})
    assert (claims["kind"], claims["roles"], claims["provider_id"]) == ("user", ["provider"], provider_id)
    me = (await suite.http.get("/api/v1/users/me", headers=headers)).json()
    assert (me["display_name"], me["provider_id"], me["roles"]) == ("Sam Lee", provider_id, ["provider"])
    another = await suite.http.get(f"/api/v1/providers/{uuid.uuid4()}", headers=headers)
    assert another.status_code == 404


async def test_provider_binding_is_refused_when_it_does_not_hold(suite: Suite) -> None:
    for fields in ({"roles": ["provider"]}, {"roles": ["provider", "broker"], "provider_id": str(uuid.uuid4())},
                   {"roles": ["finance"], "provider_id": str(uuid.uuid4())}):
        answer = await suite.http.post(ADMIN_USERS, headers=await suite.as_admin(), json={
            "username": "bound.wrong", "password": "a-long-password", **fields})
        assert answer.status_code == 422, fields
        assert answer.json()["errors"]


async def test_staff_see_the_names_of_users_and_clients_by_id_and_others_do_not(suite: Suite) -> None:
    named, _ = await _user(suite, display_name="Jo Patel")
    unnamed, _ = await _user(suite)
    client = await suite.machine_client("finance")
    broker = await suite.staff("broker")
    answer = await suite.http.get("/api/v1/users", headers=broker, params=[
        ("id", str(named["id"])), ("id", str(unnamed["id"])), ("id", client["client_id"]), ("id", str(uuid.uuid4()))])
    assert answer.status_code == 200
    names = {person["id"]: (person["display_name"], person["kind"]) for person in answer.json()["items"]}
    assert names == {named["id"]: ("Jo Patel", "user"), unnamed["id"]: (unnamed["username"], "user"),
                     client["client_id"]: ("test client", "client")}
    provider = await suite.provider(str(uuid.uuid4()))
    refused = await suite.http.get("/api/v1/users", headers=provider, params={"id": str(named["id"])})
    assert refused.status_code == 403


async def test_an_administrator_disables_a_user_at_once_and_enables_it_again(suite: Suite) -> None:
    created, password = await _user(suite)
    headers = await _headers(suite, created["username"], password)
    assert (await suite.http.get("/api/v1/users/me", headers=headers)).status_code == 200
    disabled = await suite.http.patch(f"{ADMIN_USERS}/{created['id']}", headers=await suite.as_admin(),
                                      json={"active": False})
    assert disabled.json()["active"] is False
    assert (await suite.http.get("/api/v1/users/me", headers=headers)).status_code == 401
    assert await _sign_in(suite, created["username"], password) == 401
    await suite.http.patch(f"{ADMIN_USERS}/{created['id']}", headers=await suite.as_admin(), json={"active": True})
    assert await _sign_in(suite, created["username"], password) == 200


async def test_an_administrator_resets_a_password_and_renames_a_user(suite: Suite) -> None:
    created, password = await _user(suite)
    changed = await suite.http.patch(f"{ADMIN_USERS}/{created['id']}", headers=await suite.as_admin(),
                                     json={"password": "a-brand-new-password", "display_name": "Ali Khan",
                                           "roles": ["broker", "commissioner"]})
    assert changed.status_code == 200
    assert (changed.json()["display_name"], changed.json()["roles"]) == ("Ali Khan", ["broker", "commissioner"])
    assert "password" not in changed.text
    assert await _sign_in(suite, created["username"], password) == 401
    assert await _sign_in(suite, created["username"], "a-brand-new-password") == 200
    async with suite.app.state.db.sessionmaker() as session:
        from sqlalchemy import select

        from services.gateway.models import INFRA
        audit = INFRA.audit
        rows = (await session.execute(select(audit).where(audit.c.entity_id == str(created["id"]))
                                      .order_by(audit.c.id))).all()
    assert [row.action for row in rows] == ["user.created", "user.changed", "auth.signed_in"]
    assert "a-brand-new-password" not in str(rows[-1].after)


async def test_nobody_disables_their_own_account_and_bindings_still_hold_on_change(suite: Suite) -> None:
    me = (await suite.http.get("/api/v1/users/me", headers=await suite.as_admin())).json()
    own = await suite.http.patch(f"{ADMIN_USERS}/{me['id']}", headers=await suite.as_admin(), json={"active": False})
    assert own.status_code == 409
    created, _ = await _user(suite)
    unbound = await suite.http.patch(f"{ADMIN_USERS}/{created['id']}", headers=await suite.as_admin(),
                                     json={"roles": ["provider"]})
    assert unbound.status_code == 422
    assert [error["field"] for error in unbound.json()["errors"]] == ["provider_id"]
    missing = await suite.http.patch(f"{ADMIN_USERS}/{uuid.uuid4()}", headers=await suite.as_admin(),
                                     json={"active": False})
    assert missing.status_code == 404


async def test_a_password_guessed_first_is_refused_on_create_and_on_reset_and_nothing_changes(suite: Suite) -> None:
    username = f"k-{uuid.uuid4().hex[:8]}"
    weak = await suite.http.post(ADMIN_USERS, headers=await suite.as_admin(), json={
        "username": username, "password": "Password2026!", "roles": ["broker"]})
    assert weak.status_code == 422
    assert [error["field"] for error in weak.json()["errors"]] == ["password"]
    assert await _sign_in(suite, username, "Password2026!") == 401
    created, password = await _user(suite)
    reset = await suite.http.patch(f"{ADMIN_USERS}/{created['id']}", headers=await suite.as_admin(),
                                   json={"password": f"my-{created['username']}-password", "display_name": "Kept"})
    assert reset.status_code == 422
    assert reset.json()["errors"][0]["message"] == "a password must not contain the username"
    assert await _sign_in(suite, created["username"], password) == 200
    users = (await suite.http.get(ADMIN_USERS, headers=await suite.as_admin())).json()["items"]
    assert [user["display_name"] for user in users if user["id"] == created["id"]] == [created["display_name"]]


async def test_a_clients_secret_is_reset_and_the_old_one_stops_working(suite: Suite) -> None:
    client = await suite.machine_client("finance")
    reset = await suite.http.post(f"/api/v1/admin/clients/{client['client_id']}/secret",
                                  headers=await suite.as_admin())
    assert reset.status_code == 200
    new_secret = reset.json()["client_secret"]
    assert new_secret != client["client_secret"]

    async def sign_in(secret: str) -> int:
        answer = await suite.http.post("/api/v1/auth/token", data={
            "grant_type": "client_credentials", "client_id": client["client_id"], "client_secret": secret})
        return answer.status_code

    assert await sign_in(client["client_secret"]) == 401
    assert await sign_in(new_secret) == 200
    await suite.http.delete(f"/api/v1/admin/clients/{client['client_id']}", headers=await suite.as_admin())
    again = await suite.http.post(f"/api/v1/admin/clients/{client['client_id']}/secret",
                                  headers=await suite.as_admin())
    assert again.status_code == 409
