"""Argon2id hashes for staff passwords and client secrets.

Hashing is deliberately slow (about a third of a second of CPU), so it never runs on the event loop: a
small pool of threads does it, at most `HASHING_THREADS` at once, and a burst of sign-ins (or of wrong
passwords) queues there while every other request goes on being answered. Each hash also takes
argon2-cffi's default working memory (RFC 9106's second recommended parameters: 64 MiB, three passes, four
lanes), so a gateway's peak memory is its steady size plus 64 MiB for each hashing thread.
"""

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

HASHING_THREADS = max(1, (os.cpu_count() or 2) // 2)
_pool = ThreadPoolExecutor(max_workers=HASHING_THREADS, thread_name_prefix="argon2")
_hasher = PasswordHasher()


async def hash_secret(secret: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_pool, _hasher.hash, secret)


async def verify_secret(secret_hash: str | None, secret: str) -> bool:
    return await asyncio.get_running_loop().run_in_executor(_pool, _verify, secret_hash, secret)


def _verify(secret_hash: str | None, secret: str) -> bool:
    try:
        return _hasher.verify(secret_hash or _unknown_account_hash(), secret) and secret_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@cache
def _unknown_account_hash() -> str:
    """Verifying against this when the account is unknown keeps the answer time the same either way; made on
    first need (in the hashing pool) rather than on import, which would cost every process that imports the
    gateway a third of a second and 64 MiB."""
    return _hasher.hash("no such account")


def needs_rehash(secret_hash: str) -> bool:
    return _hasher.check_needs_rehash(secret_hash)
