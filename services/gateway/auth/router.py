import base64
import binascii
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.auth.exceptions import InvalidClient, InvalidGrant, InvalidRequest, UnsupportedGrantType
from services.gateway.auth.schemas import TokenResponse
from services.gateway.auth.service import authenticate_client, authenticate_user
from services.gateway.auth.throttle import SignInThrottle
from services.gateway.auth.tokens import issue_token
from services.gateway.ratelimit import RateLimited
from services.gateway.settings import GatewaySettings
from shared.audit import record_audit
from shared.auth import Principal
from shared.clock import request_clock
from shared.db import Database, SessionDep
from shared.errors import TooManyRequests, problem_responses

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


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
    principal = await _signed_in(request, session, account=account, check=check)
    return _token_for(request, principal)


async def _signed_in(
    request: Request, session: AsyncSession, *, account: str, check: Callable[[], Awaitable[Principal]]
) -> Principal:
    """Runs the credentials' check unless the account or the address is held back; every sign-in and every
    failure is audited (the account's name and the address, never the secret)."""
    throttle: SignInThrottle = request.app.state.sign_in_throttle
    address = request.client.host if request.client else "unknown"
    try:
        throttle.check(account=account, address=address)
        principal = await check()
    except (InvalidGrant, InvalidClient, TooManyRequests) as refused:
        if not isinstance(refused, TooManyRequests):
            throttle.failed(account=account, address=address)
        database: Database = request.app.state.db
        async with database.sessionmaker() as apart, apart.begin():  # the request's own transaction rolls back
            await record_audit(apart, actor=None, action="auth.sign_in_refused", entity_type="account",
                               entity_id=account[:100], after={"address": address, "why": refused.problem_type})
        raise
    throttle.succeeded(account=account)
    await record_audit(session, actor=principal, action="auth.signed_in", entity_type="account",
                       entity_id=principal.subject, after={"address": address})
    return principal


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
