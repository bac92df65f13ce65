"""A per-client token bucket at the gateway: `rate_limit_per_minute` sustained, `rate_limit_burst` at once.

The key is the token's subject (a user or machine client), or the caller's address when it sent no
valid token. Buckets live in the gateway process: with several gateway replicas each holds its own.
"""

import math
import time
from dataclasses import dataclass

from fastapi import Depends, Request

from shared.auth import TokenVerifier
from shared.errors import SuiteError, TooManyRequests


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBucketLimiter:
    def __init__(self, *, per_minute: int, burst: int, max_keys: int = 100_000) -> None:
        self.rate = per_minute / 60.0
        self.burst: float = burst
        self.max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}

    def retry_after(self, key: str, now: float | None = None) -> float:
        """Takes one token for `key`; returns 0 when allowed, else seconds until a token is back."""
        now = time.monotonic() if now is None else now
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._forget_full_buckets(now)
            bucket = self._buckets[key] = _Bucket(tokens=self.burst, updated=now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate

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
    wait = limiter.retry_after(rate_limit_key(request))
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise TooManyRequests(
            f"Too many requests from this client; try again in {seconds} s.",
            headers={"Retry-After": str(seconds)},
        )


RateLimited = Depends(enforce_rate_limit)
