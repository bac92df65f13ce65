"""A per-client rate limit at the gateway: `rate_limit_burst` requests in a window of `burst / rate`
seconds (so `rate_limit_per_minute` sustained), counted by the `limits` library's sliding window counter.

The key is the token's subject (a user or machine client), or the caller's address when it sent no
valid token. The counters live in the gateway process by default (limits' memory storage); with
`GATEWAY_REDIS_URL` (or `REDIS_URL`) they live in Redis, so every gateway replica draws on one budget.
Should Redis be unreachable, each replica falls back to its own memory counters (and logs it) rather than
refusing or failing requests. Every limited answer says where the client stands in the IETF draft's
`RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` headers (and `RateLimit-Policy`), a
refusal also in `Retry-After`.
"""

import logging
import math
import time
from dataclasses import dataclass

from fastapi import Depends, Request
from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string
from starlette.types import Scope

from shared.asgi import Headers, ResponseHeadersMiddleware
from shared.auth import TokenVerifier
from shared.errors import SuiteError, TooManyRequests

STATE_KEY = "rate_limit"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Allowance:
    """One request's standing: `retry_after` is 0 when it may go ahead, else seconds until it may."""

    limit: int
    remaining: int
    reset_seconds: int
    window_seconds: int
    retry_after: float

    def headers(self) -> list[tuple[bytes, bytes]]:
        values = {"ratelimit-limit": self.limit, "ratelimit-remaining": self.remaining,
                  "ratelimit-reset": self.reset_seconds, "ratelimit-policy": f"{self.limit};w={self.window_seconds}"}
        return [(name.encode(), str(value).encode()) for name, value in values.items()]


def shared_storage(redis_url: str, *, key_prefix: str) -> Storage:
    """limits' asyncio Redis storage for a `redis://` (or `rediss://`, `redis+sentinel://`...) URL."""
    storage = storage_from_string("async+" + redis_url, key_prefix=key_prefix, wrap_exceptions=True)
    assert isinstance(storage, Storage)
    return storage


class RateLimiter:
    """`burst` requests per `burst / rate` seconds and key, in `storage` (this process's memory by default)."""

    def __init__(self, *, per_minute: int, burst: int, storage: Storage | None = None) -> None:
        self.window_seconds = math.ceil(burst * 60 / per_minute)
        self.item = RateLimitItemPerSecond(burst, self.window_seconds)
        self._memory = SlidingWindowCounterRateLimiter(MemoryStorage())
        self._shared = SlidingWindowCounterRateLimiter(storage) if storage is not None else None

    async def take(self, key: str) -> Allowance:
        """Counts one request for `key` when the window has room; says what is left and when more is."""
        if self._shared is not None:
            try:
                return await self._take(self._shared, key)
            except StorageError as exc:
                logger.warning("rate limit storage unreachable (%s): counting in this replica's memory",
                               type(exc.storage_error).__name__)
        return await self._take(self._memory, key)

    async def _take(self, strategy: SlidingWindowCounterRateLimiter, key: str) -> Allowance:
        allowed = await strategy.hit(self.item, key)
        stats = await strategy.get_window_stats(self.item, key)
        reset = min(self.window_seconds, max(0, math.ceil(stats.reset_time - time.time())))
        return Allowance(limit=self.item.amount, remaining=stats.remaining, reset_seconds=reset,
                         window_seconds=self.window_seconds, retry_after=0 if allowed else max(1, reset))


def rate_limit_key(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token:
        try:
            verifier: TokenVerifier = request.app.state.token_verifier
            return "sub:" + verifier.verify(token).subject
        except SuiteError:
            pass
    return "addr:" + (request.client.host if request.client else "unknown")


async def enforce_rate_limit(request: Request) -> None:
    limiter: RateLimiter = request.app.state.rate_limiter
    allowance = await limiter.take(rate_limit_key(request))
    setattr(request.state, STATE_KEY, allowance)
    if allowance.retry_after > 0:
        seconds = max(1, math.ceil(allowance.retry_after))
        raise TooManyRequests(
            f"Too many requests from this client; try again in {seconds} s.",
            headers={"Retry-After": str(seconds)},
        )


RateLimited = Depends(enforce_rate_limit)


class RateLimitHeadersMiddleware(ResponseHeadersMiddleware):
    """Writes the standing the rate limit left in the request's state onto the answer, whether the route
    answered, the service behind it did, or the limit refused it."""

    def added(self, scope: Scope, headers: Headers) -> Headers:
        allowance = scope.get("state", {}).get(STATE_KEY)
        return allowance.headers() if isinstance(allowance, Allowance) else []
