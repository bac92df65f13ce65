import base64
import binascii
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.auth.exceptions import InvalidClient, InvalidGrant, InvalidRequest, UnsupportedGrantType
from services.gateway.auth.oidc import (
    FLOW_COOKIE,
    FLOW_SECONDS,
    Flow,
    IdentityProvider,
    NoMappedGroup,
    ProviderUnreachable,
    SignInStateInvalid,
    SingleSignOnOff,
)
from services.gateway.auth.schemas import SingleSignOn, TokenResponse
from services.gateway.auth.service import authenticate_client, authenticate_user, principal_of_user, user_of_identity
from services.gateway.auth.throttle import SignInThrottle
from services.gateway.auth.tokens import issue_token
from services.gateway.ratelimit import RateLimited
from services.gateway.settings import GatewaySettings
from shared.audit import record_audit
from shared.auth import Principal
from shared.clock import request_clock
from shared.db import Database, SessionDep
from shared.errors import Forbidden, SuiteError, TooManyRequests, problem_responses

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
OIDC_PATH = "/api/v1/auth/oidc"
SIGNED_IN_PAGE = "/app/#/signed-in"


@router.post(
    "/token",
    response_model=TokenResponse,
    dependencies=[RateLimited],
    responses=problem_responses(InvalidGrant, InvalidClient, InvalidRequest, UnsupportedGrantType, TooManyRequests),
    summary="OAuth2 token endpoint (password grant for staff, client_credentials for machine clients)",
)
async def token(
    request: Request,
    response: Response,
    session: SessionDep,
    grant_type: Annotated[str | None, Form()] = None,
    username: Annotated[str | None, Form()] = None,
    password: Annotated[str | None, Form()] = None,
    client_id: Annotated[str | None, Form()] = None,
    client_secret: Annotated[str | None, Form()] = None,
) -> TokenResponse:
    """Errors carry RFC 6749's `error` and `error_description` beside the problem's fields; a token is never
    cached (RFC 6749 5.1)."""
    response.headers.update({"Cache-Control": "no-store", "Pragma": "no-cache"})
    if grant_type == "password":
        if not username or not password:
            raise InvalidRequest("username and password are required.")
        account, check = username, partial(authenticate_user, session, username=username, password=password)
    elif grant_type == "client_credentials":
        client_id, client_secret = _client_credentials(request, client_id, client_secret)
        account = client_id
        check = partial(authenticate_client, session, client_id=client_id, client_secret=client_secret)
    elif not grant_type:
        raise InvalidRequest("grant_type is required: 'password' or 'client_credentials'.")
    else:
        raise UnsupportedGrantType("grant_type must be 'password' or 'client_credentials'.")
    principal = await _signed_in(request, session, account=account, check=check, method=grant_type)
    return _token_for(request, principal)


async def _signed_in(
    request: Request, session: AsyncSession, *, account: str, check: Callable[[], Awaitable[Principal]], method: str
) -> Principal:
    """Runs the credentials' check unless the account or the address is held back; every sign-in and every
    failure is audited (the account's name and the address, never the secret)."""
    throttle: SignInThrottle = request.app.state.sign_in_throttle
    address = _address(request)
    try:
        throttle.check(account=account, address=address)
        principal = await check()
    except (InvalidGrant, InvalidClient, TooManyRequests) as refused:
        if not isinstance(refused, TooManyRequests):
            throttle.failed(account=account, address=address)
        await _audit_refusal(request, account=account, refused=refused, method=method)
        raise
    throttle.succeeded(account=account)
    await _audit_sign_in(session, principal, address=address, method=method)
    return principal


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _audit_sign_in(session: AsyncSession, principal: Principal, *, address: str, method: str) -> None:
    await record_audit(session, actor=principal, action="auth.signed_in", entity_type="account",
                       entity_id=principal.subject, after={"address": address, "method": method})


async def _audit_refusal(request: Request, *, account: str, refused: SuiteError, method: str) -> None:
    """Written apart: the request's own transaction rolls back with the refusal."""
    database: Database = request.app.state.db
    async with database.sessionmaker() as apart, apart.begin():
        await record_audit(apart, actor=None, action="auth.sign_in_refused", entity_type="account",
                           entity_id=account[:100], after={"address": _address(request), "why": refused.problem_type,
                                                           "method": method})


@router.get("/oidc", response_model=SingleSignOn, responses=problem_responses(SingleSignOnOff),
            summary="Whether staff may sign in through the council's OpenID provider (404 when not configured)")
async def single_sign_on(request: Request) -> SingleSignOn:
    settings: GatewaySettings = request.app.state.settings
    _identity_provider(request)
    return SingleSignOn(display_name=settings.oidc_display_name, login_url=f"{OIDC_PATH}/login")


@router.get("/oidc/login", status_code=302, response_class=RedirectResponse,
            responses=problem_responses(SingleSignOnOff, ProviderUnreachable),
            summary="Starts a staff sign-in at the council's OpenID provider (a redirect there, with PKCE)")
async def oidc_login(request: Request) -> RedirectResponse:
    """The state, nonce and PKCE verifier go with the browser in a signed cookie that lasts the sign-in."""
    provider = _identity_provider(request)
    flow = Flow.start()
    response = RedirectResponse(await provider.authorization_url(flow), status_code=302)
    response.headers["Cache-Control"] = "no-store"
    response.set_cookie(FLOW_COOKIE, flow.sealed(provider.settings),
                        max_age=FLOW_SECONDS, path=OIDC_PATH, httponly=True, samesite="lax",
                        secure=provider.redirect_uri.startswith("https://"))
    return response


@router.get("/oidc/callback", status_code=303, response_class=RedirectResponse,
            responses=problem_responses(SignInStateInvalid, InvalidGrant, NoMappedGroup, Forbidden,
                                        SingleSignOnOff, ProviderUnreachable),
            summary="Where the council's OpenID provider sends staff back; answers the web client with the "
                    "suite's own token")
async def oidc_callback(
    request: Request, session: SessionDep, state: str | None = None, code: str | None = None,
    error: str | None = None, iss: str | None = None,
) -> RedirectResponse:
    """Every step refused with a problem and audited: a state that is not this browser's sign-in, the
    provider's refusal, a code refused at the exchange (used already or expired), an ID token not right in
    every respect, a user in no mapped group. A browser (asking for HTML) is sent back to the sign-in page
    with the problem's type instead. The token goes to the web client in the URL's fragment, which
    browsers never send to a server; the client takes it out of the address at once."""
    provider, account = _identity_provider(request), "oidc"
    try:
        flow = Flow.unsealed(provider.settings, request.cookies.get(FLOW_COOKIE), state)
        if error or (iss is not None and iss.rstrip("/") != provider.issuer):
            raise InvalidGrant("The identity provider did not sign you in.")
        if not code:
            raise InvalidRequest("The identity provider sent no code back.")
        identity = await provider.identity(code, flow)
        account = f"oidc:{identity.subject}"
        if not identity.roles:
            raise NoMappedGroup("You signed in, but none of your groups gives a role in this suite; ask the "
                                "suite's administrator.")
        principal = principal_of_user(await user_of_identity(session, identity))
    except SuiteError as refused:
        await _audit_refusal(request, account=account, refused=refused, method="oidc")
        if "text/html" not in request.headers.get("accept", ""):
            raise
        return _back_to_sign_in(refused)
    await _audit_sign_in(session, principal, address=_address(request), method="oidc")
    token = _token_for(request, principal)
    fragment = urlencode({"token": token.access_token, "expires_in": token.expires_in})
    response = RedirectResponse(f"{SIGNED_IN_PAGE}?{fragment}", status_code=303)
    response.headers["Cache-Control"] = "no-store"
    response.delete_cookie(FLOW_COOKIE, path=OIDC_PATH)
    return response


def _back_to_sign_in(refused: SuiteError) -> RedirectResponse:
    """A browser is sent back to the web client's sign-in page, which says in words why: only the
    problem's type goes in the address (a fixed set the client words itself), never text it would show."""
    response = RedirectResponse(f"{SIGNED_IN_PAGE}?{urlencode({'problem': refused.problem_type})}", status_code=303)
    response.headers["Cache-Control"] = "no-store"
    response.delete_cookie(FLOW_COOKIE, path=OIDC_PATH)
    return response


def _identity_provider(request: Request) -> IdentityProvider:
    provider: IdentityProvider | None = request.app.state.identity_provider
    if provider is None:
        raise SingleSignOnOff("Single sign-on is not configured for this suite; sign in with a password.")
    return provider


def _client_credentials(request: Request, client_id: str | None, client_secret: str | None) -> tuple[str, str]:
    """RFC 6749 2.3.1: credentials in the form body or in HTTP Basic."""
    if client_id and client_secret:
        return client_id, client_secret
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            basic_id, _, basic_secret = base64.b64decode(encoded).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise InvalidClient("The client credentials are not valid.") from None
        if basic_id and basic_secret:
            return basic_id, basic_secret
    raise InvalidRequest("client_id and client_secret are required, in the form or in HTTP Basic.")


def _token_for(request: Request, principal: Principal) -> TokenResponse:
    settings: GatewaySettings = request.app.state.settings
    access_token = issue_token(
        principal,
        private_key=settings.resolved_jwt_private_key(),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl_seconds=settings.token_ttl_seconds,
        now=request_clock(request).now(),
    )
    return TokenResponse(access_token=access_token, expires_in=settings.token_ttl_seconds,
                         scope=" ".join(sorted(principal.roles)))
