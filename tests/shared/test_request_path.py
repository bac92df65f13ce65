"""What makes a request cheap must not make it wrong: remembered tokens still expire and forged ones are
still refused; pooled connections come back alive after the server dropped them."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime

import asyncpg
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import text

from services.gateway.auth.tokens import issue_token
from shared import db as shared_db
from shared.auth import Principal, Role, TokenVerifier
from shared.db import Database
from shared.errors import Unauthorized
from shared.keys import generate_keypair
from tests import infra

ISSUER, AUDIENCE = "homecare-suite", "homecare-suite-api"
KEYS = generate_keypair()
BROKER = Principal(subject=str(uuid.uuid4()), kind="user", name="b", roles=frozenset({Role.BROKER}))


def _token(ttl_seconds: int = 60, private_key: str = KEYS.private_pem) -> str:
    return issue_token(BROKER, private_key=private_key, issuer=ISSUER, audience=AUDIENCE, ttl_seconds=ttl_seconds,
                       now=datetime.now(UTC))


def _verifier(cache_size: int = 10) -> TokenVerifier:
    return TokenVerifier(public_key=KEYS.public_pem, issuer=ISSUER, audience=AUDIENCE, cache_size=cache_size)


def test_a_remembered_token_is_refused_once_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    verifier, token = _verifier(), _token(ttl_seconds=5)
    assert verifier.verify(token) == BROKER
    later = time.time() + 6
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(Unauthorized, match="expired"):
        verifier.verify(token)


def test_forged_and_tampered_tokens_are_refused_every_time() -> None:
    verifier, token = _verifier(), _token()
    forged = _token(private_key=generate_keypair().private_pem)
    header, claims, signature = token.split(".")
    tampered = ".".join([header, claims, signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")])
    unsigned = jwt.encode({"sub": BROKER.subject, "iss": ISSUER, "aud": AUDIENCE, "exp": time.time() + 60,
                           "iat": time.time()}, key=None, algorithm="none")
    verifier.verify(token)
    for bad in (forged, tampered, unsigned, forged):
        with pytest.raises(Unauthorized):
            verifier.verify(bad)


def test_the_verifier_remembers_a_bounded_number_of_tokens() -> None:
    verifier = _verifier(cache_size=3)
    tokens = [_token() for _ in range(5)]
    for token in tokens:
        verifier.verify(token)
    assert len(verifier._verified) == 3
    assert all(verifier.verify(token) == BROKER for token in tokens)


def test_only_an_ed25519_public_key_is_accepted() -> None:
    other = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    with pytest.raises(ValueError, match="Ed25519"):
        TokenVerifier(public_key=other, issuer=ISSUER, audience=AUDIENCE)


@pytest.mark.postgres
async def test_a_pooled_connection_the_server_dropped_is_replaced_after_an_idle_moment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shared_db, "PING_AFTER_IDLE_SECONDS", 0.2)
    url = await infra.create_database()
    database = Database(url, schema="public")
    try:
        async with database.engine.connect() as connection:
            first = await connection.scalar(text("SELECT pg_backend_pid()"))
        admin = await asyncpg.connect(host=infra.PG_HOST, port=infra.PG_PORT, user=infra.PG_USER, database="postgres")
        try:
            await admin.execute("SELECT pg_terminate_backend($1)", first)
        finally:
            await admin.close()
        await asyncio.sleep(0.3)
        async with database.engine.connect() as connection:
            assert await connection.scalar(text("SELECT pg_backend_pid()")) != first
    finally:
        await database.dispose()
        await infra.drop_database(url)
