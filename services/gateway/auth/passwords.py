"""Argon2id hashes for staff passwords and client secrets.

Hashing is deliberately slow (about a third of a second of CPU), so it never runs on the event loop: a
small pool of threads does it, at most `HASHING_THREADS` at once, and a burst of sign-ins (or of wrong
passwords) queues there while every other request goes on being answered.
"""

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

HASHING_THREADS = max(1, (os.cpu_count() or 2) // 2)
_pool = ThreadPoolExecutor(max_workers=HASHING_THREADS, thread_name_prefix="argon2")
_hasher = PasswordHasher()
# Verifying against this when the account is unknown keeps the answer time the same either way.
_UNKNOWN_ACCOUNT_HASH = _hasher.hash("no such account")


async def hash_secret(secret: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_pool, _hasher.hash, secret)


async def verify_secret(secret_hash: str | None, secret: str) -> bool:
    return await asyncio.get_running_loop().run_in_executor(_pool, _verify, secret_hash, secret)


def _verify(secret_hash: str | None, secret: str) -> bool:
    try:
        return _hasher.verify(secret_hash or _UNKNOWN_ACCOUNT_HASH, secret) and secret_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(secret_hash: str) -> bool:
    return _hasher.check_needs_rehash(secret_hash)
