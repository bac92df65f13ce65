"""Sign-in protection at the token endpoint: repeated failures lock an account out for a while, and an
address that keeps failing (guessing across accounts) is held back too; both answer 429 with Retry-After
before any password is hashed, so guessing costs the suite nothing. A success clears the account's count.

Counts live in the gateway process, like the rate limit's buckets (several replicas each count their own,
so a guesser gets at most that many times the allowance).
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass, field

from shared.errors import TooManyRequests


@dataclass(frozen=True)
class ThrottlePolicy:
    account_failures: int = 5
    address_failures: int = 30
    window_seconds: float = 900.0
    lockout_seconds: float = 900.0


@dataclass
class _Failures:
    times: deque[float] = field(default_factory=deque)
    locked_until: float = 0.0


class SignInThrottle:
    def __init__(self, policy: ThrottlePolicy, *, max_keys: int = 100_000) -> None:
        self.policy, self.max_keys = policy, max_keys
        self._accounts: dict[str, _Failures] = {}
        self._addresses: dict[str, _Failures] = {}

    def check(self, *, account: str, address: str, now: float | None = None) -> None:
        """Refuses (429) an attempt on a locked-out account or from an address held back."""
        now = time.monotonic() if now is None else now
        for failures in (self._accounts.get(account), self._addresses.get(address)):
            if failures is not None and failures.locked_until > now:
                seconds = max(1, math.ceil(failures.locked_until - now))
                raise TooManyRequests(f"Too many failed sign-ins; try again in {seconds} s.",
                                      headers={"Retry-After": str(seconds)})

    def failed(self, *, account: str, address: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self._count(self._accounts, account, self.policy.account_failures, now)
        self._count(self._addresses, address, self.policy.address_failures, now)

    def succeeded(self, *, account: str) -> None:
        self._accounts.pop(account, None)

    def _count(self, table: dict[str, _Failures], key: str, most: int, now: float) -> None:
        if key not in table and len(table) >= self.max_keys:
            self._forget_stale(table, now)
        failures = table.setdefault(key, _Failures())
        failures.times.append(now)
        while failures.times and failures.times[0] <= now - self.policy.window_seconds:
            failures.times.popleft()
        if len(failures.times) >= most:
            failures.locked_until, failures.times = now + self.policy.lockout_seconds, deque()

    def _forget_stale(self, table: dict[str, _Failures], now: float) -> None:
        """Bounds memory: a key with no recent failure and no lock is the same as no key."""
        for key, failures in list(table.items()):
            recent = failures.times and failures.times[-1] > now - self.policy.window_seconds
            if not recent and failures.locked_until <= now:
                del table[key]
