"""A per-client token bucket at the gateway: `rate_limit_per_minute` sustained, `rate_limit_burst` at once.

The key is the token's subject (a user or machine client), or the caller's address when it sent no
valid token. Buckets live in the gateway process: with several gateway replicas each holds its own.
Every limited answer says where the client stands in the IETF draft's `RateLimit-Limit`,
`RateLimit-Remaining` and `RateLimit-Reset` headers (and `RateLimit-Policy`), a refusal also in `Retry-After`.
"""

import math
import time
from dataclasses import dataclass

from fastapi import Depends, Request
from starlette.types import Scope

from shared.asgi import Headers, ResponseHeadersMiddleware
from shared.auth import TokenVerifier
from shared.errors import SuiteError, TooManyRequests

STATE_KEY = "rate_limit"


@dataclass
class _Bucket:
    tokens: float
    updated: float


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


class TokenBucketLimiter:
    def __init__(self, *, per_minute: int, burst: int, max_keys: int = 100_000) -> None:
        self.rate = per_minute / 60.0
        self.burst: float = burst
        self.max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str, now: float | None = None) -> Allowance:
        """Takes one token for `key` when there is one; says what is left and when the bucket is full again."""
        now = time.monotonic() if now is None else now
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._forget_full_buckets(now)
            bucket = self._buckets[key] = _Bucket(tokens=self.burst, updated=now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        wait = 0.0
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
        else:
            wait = (1.0 - bucket.tokens) / self.rate
        return Allowance(limit=int(self.burst), remaining=int(bucket.tokens),
                         reset_seconds=math.ceil((self.burst - bucket.tokens) / self.rate),
                         window_seconds=math.ceil(self.burst / self.rate), retry_after=wait)

    def _forget_full_buckets(self, now: float) -> None:
        """A bucket that has refilled is the same as no bucket; dropping those bounds memory."""
        for key, bucket in list(self._buckets.items()):
            if bucket.tokens + (now - bucket.updated) * self.rate >= self.burst:
                del self._buckets[key]


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
    limiter: TokenBucketLimiter = request.app.state.rate_limiter
    allowance = limiter.take(rate_limit_key(request))
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
