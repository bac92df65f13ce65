"""Staff sign-in through the council's OpenID provider: the authorization code flow with PKCE (S256), the
ID token checked against the provider's published keys (signature, issuer, audience, expiry, nonce), and the
groups it carries mapped to the suite's roles. The suite then issues its own token as for a password.

What the flow must remember between the redirect and the callback (state, nonce, PKCE verifier) rides in a
short-lived cookie signed with the gateway's own key, so any replica of the gateway can finish the sign-in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt

from services.gateway.auth.exceptions import InvalidGrant, InvalidRequest
from services.gateway.settings import GatewaySettings
from shared.auth import ALGORITHM, Role
from shared.errors import Forbidden, NotFound, ServiceUnavailable

CALLBACK_PATH = "/api/v1/auth/oidc/callback"
FLOW_COOKIE = "suite_oidc_flow"
FLOW_SECONDS = 600
_FLOW_AUDIENCE = "homecare-suite-oidc-flow"  # never accepted where an access token is
_SIGNING_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
_CLOCK_SKEW_SECONDS = 60
_DISCOVERY = "/.well-known/openid-configuration"


class SingleSignOnOff(NotFound):
    title = "Single sign-on is not configured"


class SignInStateInvalid(InvalidRequest):
    """The callback does not belong to a sign-in this browser started here (or it took too long)."""

    problem_type = "invalid-state"
    title = "The sign-in could not be matched to one started here"
    oauth_error = "invalid_request"


class NoMappedGroup(Forbidden):
    problem_type = "no-role"
    title = "Your account holds no role in this suite"


class ProviderUnreachable(ServiceUnavailable):
    title = "The council's identity provider did not answer"


@dataclass(frozen=True)
class Flow:
    """One sign-in under way: what the callback checks (state, nonce) and proves (the PKCE verifier)."""

    state: str
    nonce: str
    verifier: str

    @classmethod
    def start(cls) -> Flow:
        return cls(state=secrets.token_urlsafe(24), nonce=secrets.token_urlsafe(24),
                   verifier=secrets.token_urlsafe(48))

    @property
    def challenge(self) -> str:
        digest = hashlib.sha256(self.verifier.encode()).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def sealed(self, settings: GatewaySettings) -> str:
        """The cookie's value: signed (never trusted unsigned), expiring with the sign-in (real time, as the
        provider keeps it, even in a sandbox whose clock moved)."""
        now = datetime.now(UTC)
        claims = {"state": self.state, "nonce": self.nonce, "verifier": self.verifier, "iss": settings.jwt_issuer,
                  "aud": _FLOW_AUDIENCE, "iat": now, "exp": now + timedelta(seconds=FLOW_SECONDS)}
        return jwt.encode(claims, settings.resolved_jwt_private_key(), algorithm=ALGORITHM)

    @classmethod
    def unsealed(cls, settings: GatewaySettings, cookie: str | None, state: str | None) -> Flow:
        """The flow the cookie carries, when it is genuine, current and the provider sent back its state."""
        if not cookie or not state:
            raise SignInStateInvalid("No sign-in was started in this browser, or it ended; start again.")
        try:
            claims = jwt.decode(cookie, settings.resolved_jwt_public_key(), algorithms=[ALGORITHM],
                                audience=_FLOW_AUDIENCE, issuer=settings.jwt_issuer)
        except jwt.PyJWTError:
            raise SignInStateInvalid("The sign-in took too long or was not started here; start again.") from None
        if not hmac.compare_digest(str(claims["state"]), state):
            raise SignInStateInvalid("The state sent back does not match the sign-in started here.")
        return cls(state=claims["state"], nonce=claims["nonce"], verifier=claims["verifier"])


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in, and what their groups let them do here (perhaps nothing)."""

    issuer: str
    subject: str
    display_name: str | None
    roles: frozenset[Role]


class IdentityProvider:
    """The council's OpenID provider as the gateway's client sees it: discovery and keys fetched once (the keys
    again when a token names one not seen yet, as after the provider rotates them)."""

    def __init__(self, settings: GatewaySettings, http: httpx.AsyncClient) -> None:
        if not settings.oidc_configured:
            raise SingleSignOnOff("Single sign-on is not configured for this suite.")
        self.settings, self.http = settings, http
        self.issuer = str(settings.oidc_issuer).rstrip("/")
        self.client_id, self.client_secret = str(settings.oidc_client_id), str(settings.oidc_client_secret)
        self.redirect_uri = str(settings.oidc_redirect_base).rstrip("/") + CALLBACK_PATH
        self._discovery: dict[str, Any] | None = None
        self._keys: jwt.PyJWKSet | None = None

    async def authorization_url(self, flow: Flow) -> str:
        query = {"response_type": "code", "client_id": self.client_id, "redirect_uri": self.redirect_uri,
                 "scope": "openid profile " + self.settings.oidc_groups_claim, "state": flow.state,
                 "nonce": flow.nonce, "code_challenge": flow.challenge, "code_challenge_method": "S256"}
        return f"{(await self._discovered())['authorization_endpoint']}?{urlencode(query)}"

    async def identity(self, code: str, flow: Flow) -> Identity:
        """Exchanges the code (once: the provider refuses a code used already or expired) and reads who
        signed in from the ID token it answers."""
        claims = await self.verified_id_token(await self.id_token_for(code, flow), nonce=flow.nonce)
        groups = claims.get(self.settings.oidc_groups_claim) or []
        mapping = self.settings.oidc_group_roles
        roles = frozenset(mapping[group] for group in groups if isinstance(group, str) and group in mapping)
        name = claims.get("name") or claims.get("preferred_username") or claims.get("email")
        return Identity(issuer=self.issuer, subject=str(claims["sub"]), roles=roles,
                        display_name=str(name)[:200] if name else None)

    async def verified_id_token(self, id_token: str, *, nonce: str) -> dict[str, Any]:
        """The ID token's claims once its signature (by the provider's published key), issuer, audience,
        expiry and nonce are all right; InvalidGrant otherwise."""
        try:
            header = jwt.get_unverified_header(id_token)
            key = await self._key(str(header.get("kid", "")))
            if key.algorithm_name not in _SIGNING_ALGORITHMS:
                raise jwt.InvalidAlgorithmError("its key is not one of a public-key algorithm")
            claims: dict[str, Any] = jwt.decode(
                id_token, key.key, algorithms=[key.algorithm_name], audience=self.client_id, issuer=self.issuer,
                leeway=_CLOCK_SKEW_SECONDS, options={"require": ["iss", "sub", "aud", "exp", "iat"]})
        except jwt.PyJWTError as refused:
            raise InvalidGrant(f"The identity provider's ID token is not valid: {refused}.") from None
        if not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
            raise InvalidGrant("The identity provider's ID token is not valid: it answers another sign-in.")
        return claims

    async def id_token_for(self, code: str, flow: Flow) -> str:
        """The ID token the provider answers for the code, proving the sign-in is ours with the PKCE verifier."""
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri,
                "code_verifier": flow.verifier}
        answer = await self._call("POST", (await self._discovered())["token_endpoint"], data=form,
                                  auth=(self.client_id, self.client_secret))
        id_token = _json(answer).get("id_token") if answer.status_code == 200 else None
        if not isinstance(id_token, str):
            raise InvalidGrant("The identity provider refused the sign-in code: it was used already, it expired, "
                               "or it was not issued to this suite.")
        return id_token

    async def _discovered(self) -> dict[str, Any]:
        if self._discovery is None:
            discovery = _json(await self._call("GET", self.issuer + _DISCOVERY))
            if discovery.get("issuer", "").rstrip("/") != self.issuer:
                raise ProviderUnreachable("The identity provider's discovery names another issuer.")
            self._discovery = discovery
        return self._discovery

    async def _key(self, kid: str) -> jwt.PyJWK:
        for fresh in (False, True):
            if fresh or self._keys is None:
                published = _json(await self._call("GET", (await self._discovered())["jwks_uri"]))
                self._keys = jwt.PyJWKSet.from_dict(published)
            keys = self._keys.keys
            match = [key for key in keys if key.key_id == kid] or (keys if not kid and len(keys) == 1 else [])
            if match:
                return match[0]
        raise jwt.InvalidKeyError("it is signed with a key the provider does not publish")

    async def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            answer = await self.http.request(method, url, **kwargs)
        except httpx.HTTPError:
            raise ProviderUnreachable("The council's identity provider did not answer; try again later.") from None
        if answer.status_code >= 500:
            raise ProviderUnreachable("The council's identity provider failed; try again later.")
        return answer


def _json(answer: httpx.Response) -> dict[str, Any]:
    try:
        body = answer.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ProviderUnreachable("The council's identity provider answered something other than JSON.")
    return body
