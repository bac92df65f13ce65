"""The suite in containers, as docker-compose.yml deploys it: two referrals go from intake to package through
the gateway while brokerage is cut off from the stack's network (`docker network disconnect`) and joined to it
again, and each ends with one accepted offer and one package: nothing lost, nothing doubled."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import httpx
import pytest

from tests.compose.conftest import Stack
from tests.integrators import council_sets_up, until

pytestmark = pytest.mark.compose


def _provider_api(base: str, credentials: dict[str, str]) -> httpx.Client:
    """The provider's own software: an API client of the suite acting for it."""
    token = httpx.post(base + "/api/v1/auth/token", data={"grant_type": "client_credentials"},
                       auth=(credentials["client_id"], credentials["client_secret"])).raise_for_status().json()
    return httpx.Client(base_url=base + "/api/v1", headers={"Authorization": f"Bearer {token['access_token']}"},
                        timeout=30)


def _accept(api: httpx.Client, offer: dict[str, Any], key: str) -> httpx.Response:
    return api.post(f"/offers/{offer['id']}/accept", json={"start_on": str(date.today())},
                    headers={"Idempotency-Key": key})


def _packages(api: httpx.Client, offer: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = api.get("/packages", params={"referral_id": offer["referral_id"]}).json()["items"]
    return items


def test_referrals_reach_one_package_each_across_brokerage_cut_off_from_the_network(stack: Stack) -> None:
    _, _, credentials = council_sets_up(stack.base)
    api = _provider_api(stack.base, credentials)
    first, second = until(lambda: (offers := api.get("/offers", params={"status": "open"}).json()["items"])
                          and len(offers) == 2 and offers)
    first_key, second_key = str(uuid.uuid4()), str(uuid.uuid4())
    assert _accept(api, first, first_key).status_code == 200

    stack.disconnect("brokerage")  # while the first placement's events are on their way
    try:
        cut_off = _accept(api, second, second_key)
    finally:
        stack.reconnect("brokerage")
    assert cut_off.status_code in (503, 504), cut_off.text
    assert cut_off.headers["content-type"] == "application/problem+json"

    retried = until(lambda: (answer := _accept(api, second, second_key)).status_code == 200 and answer)
    replayed = _accept(api, first, first_key)
    assert (replayed.status_code, replayed.json()["status"], retried.json()["status"]) == (200, "accepted", "accepted")
    packages = until(lambda: (found := [_packages(api, offer) for offer in (first, second)]) and all(found) and found)
    assert [len(each) for each in packages] == [1, 1]
    statuses = {offer["id"]: offer["status"] for offer in api.get("/offers", params={"limit": 10}).json()["items"]}
    assert [statuses[first["id"]], statuses[second["id"]]] == ["accepted", "accepted"]
