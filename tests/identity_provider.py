"""A real OpenID provider for the single sign-on tests: npm's oidc-provider (tests/oidc/provider.mjs, installed
by `make oidc-provider`) run with the machine's Node.js on a free port; never a mock."""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from urllib.parse import urljoin

import httpx

from tests.served import free_port

FOLDER = Path(__file__).resolve().parent / "oidc"
CLIENT_SECRET = "test-client-secret-of-some-length"
CLIENT_IDS = ("homecare-suite", "another-application")  # the suite, and another of the council's applications
USERS: Mapping[str, Mapping[str, object]] = {
    "alice": {"name": "Alice Broker", "preferred_username": "alice", "groups": ["brokers", "staff-canteen"]},
    "mallory": {"name": "Mallory", "groups": ["staff-canteen"]},
}
GROUP_ROLES = {"brokers": "broker", "finance-team": "finance"}
CALLBACK_PATH = "/api/v1/auth/oidc/callback"


@contextlib.contextmanager
def running_identity_provider(redirect_base: str, *, code_ttl_seconds: int = 60) -> Iterator[str]:
    """The provider, knowing USERS and the clients of CLIENT_IDS (which send staff back to `redirect_base`),
    its authorization codes living `code_ttl_seconds`; yields its issuer URL."""
    if not (FOLDER / "node_modules").is_dir():
        raise AssertionError("The test OpenID provider is not installed: run `make oidc-provider` (npm ci).")
    clients = [{"client_id": name, "client_secret": CLIENT_SECRET, "redirect_uris": [redirect_base + CALLBACK_PATH]}
               for name in CLIENT_IDS]
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "IDP_PORT": str(free_port()), "IDP_USERS": json.dumps(USERS),
           "IDP_CLIENTS": json.dumps(clients), "IDP_CODE_TTL": str(code_ttl_seconds)}
    process = subprocess.Popen(["node", "provider.mjs"], cwd=FOLDER, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        ready = process.stdout.readline()
        assert ready.startswith("ready "), f"the OpenID provider did not start: {ready!r}"
        yield ready.split()[1]
    finally:
        process.terminate()
        process.wait(timeout=10)


def gateway_settings(issuer: str, redirect_base: str, client_id: str = CLIENT_IDS[0]) -> dict[str, str]:
    """The gateway's environment for single sign-on at the provider."""
    return {"GATEWAY_OIDC_ISSUER": issuer, "GATEWAY_OIDC_CLIENT_ID": client_id,
            "GATEWAY_OIDC_CLIENT_SECRET": CLIENT_SECRET, "GATEWAY_OIDC_REDIRECT_BASE": redirect_base,
            "GATEWAY_OIDC_GROUP_ROLES": json.dumps(GROUP_ROLES),
            "GATEWAY_OIDC_DISPLAY_NAME": "Northshire County Council"}


async def sign_in_at_provider(authorization_url: str, account: str, *, until: str) -> str:
    """Goes through the provider's pages as a browser does (its login form posted with the account's id,
    any password) until it sends the browser to `until`; answers that URL."""
    async with httpx.AsyncClient() as browser:
        url = authorization_url
        while not url.startswith(until):
            page = await browser.get(url)
            if page.is_redirect:
                url = urljoin(url, page.headers["location"])
                continue
            form = re.search(r'<form[^>]*action="([^"]+)"', page.text)
            assert form, page.text
            posted = await browser.post(urljoin(url, form.group(1)),
                                        data={"prompt": "login", "login": account, "password": "any"})
            assert posted.is_redirect, posted.text
            url = urljoin(url, posted.headers["location"])
        return url
