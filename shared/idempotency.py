"""`Idempotency-Key` for writes a client may retry: the same key and body give the same result, once.

The first request with a key claims it (a row unique per caller and key) before it runs; its answer is
stored when it completes, and a retry gets that answer again (`Idempotent-Replayed: true`). The same
key with a different body is refused (422); a retry while the first is still running gets 409. An
answer of 5xx releases the key so the client can try again; so does a claim left unanswered for
`ABANDONED_AFTER` (its process was killed mid-request: no request runs that long, the gateway gives up on
one after a minute). Keys are the caller's own (two clients may use
the same one) and live for `KEY_LIFETIME`: after it the same key is a new request. With the database
unreachable the key cannot be claimed: the answer is 503 with Retry-After, and nothing ran.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    Column,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    and_,
    delete,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.db import Database, UtcDateTime, database_unavailable
from shared.errors import PROBLEM_BASE, PROBLEM_JSON, SuiteError, unavailable_response

HEADER = b"idempotency-key"
KEY_LIFETIME = timedelta(hours=24)
ABANDONED_AFTER = timedelta(minutes=5)
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
MAX_KEY_LENGTH = 200


def idempotency_table(metadata: MetaData) -> Table:
    return Table(
        "idempotency_keys",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("subject", String(100), nullable=False),
        Column("key", String(MAX_KEY_LENGTH), nullable=False),
        Column("request_hash", String(64), nullable=False),
        Column("status", Integer, nullable=True),
        Column("content_type", String(200), nullable=True),
        Column("body", LargeBinary, nullable=True),
        Column("created_at", UtcDateTime, nullable=False),
        UniqueConstraint("subject", "key"),
    )


def hash_of_request(method: str, path: str, query: str, body: bytes) -> str:
    """What tells a retry of a request from another request under the same key."""
    return hashlib.sha256(json.dumps([method, path, query]).encode() + body).hexdigest()


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = dict(scope.get("headers", [])).get(HEADER) if scope["type"] == "http" else None
        subject = self._subject(scope) if key and scope["method"] in WRITE_METHODS else None
        if key is None or subject is None:
            await self.app(scope, receive, send)
            return
        if len(key) > MAX_KEY_LENGTH:
            await _send_problem(send, 422, "idempotency-key", "The Idempotency-Key is longer than 200 characters.")
            return
        body = await _read_body(receive)
        request_hash = hash_of_request(scope["method"], scope["path"], scope.get("query_string", b"").decode(), body)
        database: Database = scope["app"].state.db
        store = _KeyStore(database, database.sessionmaker.kw["info"]["idempotency_table"])
        try:
            claimed = await store.claim(subject, key.decode("latin-1"), request_hash)
        except Exception as exc:
            if not database_unavailable(exc):
                raise
            await unavailable_response("The database cannot be reached: retry later.")(scope, receive, send)
            return
        if claimed is not None:
            await self._answer_from(claimed, request_hash, send)
            return
        await self._run_and_store(scope, body, send, store, subject, key.decode("latin-1"))

    @staticmethod
    def _subject(scope: Scope) -> str | None:
        scheme, _, token = dict(scope.get("headers", [])).get(b"authorization", b"").decode("latin-1").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        try:
            return str(scope["app"].state.token_verifier.verify(token).subject)
        except SuiteError:
            return None

    @staticmethod
    async def _answer_from(row: dict[str, object], request_hash: str, send: Send) -> None:
        if row["request_hash"] != request_hash:
            await _send_problem(send, 422, "idempotency-key-reused",
                                "This Idempotency-Key was used with a different request.")
        elif row["status"] is None:
            await _send_problem(send, 409, "idempotency-key-in-progress",
                                "A request with this Idempotency-Key is still being processed.")
        else:
            headers = [(b"content-type", str(row["content_type"] or "application/json").encode()),
                       (b"idempotent-replayed", b"true")]
            await send({"type": "http.response.start", "status": row["status"], "headers": headers})
            await send({"type": "http.response.body", "body": row["body"] or b""})

    async def _run_and_store(
        self, scope: Scope, body: bytes, send: Send, store: _KeyStore, subject: str, key: str
    ) -> None:
        status, content_type, chunks = 500, "", []
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            nonlocal status, content_type
            if message["type"] == "http.response.start":
                status = message["status"]
                content_type = dict(message.get("headers", [])).get(b"content-type", b"").decode("latin-1")
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay, capture)
        finally:
            if status >= 500:
                await store.release(subject, key)
            else:
                await store.complete(subject, key, status, content_type, b"".join(chunks))


class _KeyStore:
    def __init__(self, database: Database, table: Table) -> None:
        self.database, self.table = database, table

    async def claim(self, subject: str, key: str, request_hash: str) -> dict[str, object] | None:
        """Claims the key; returns None when claimed now, else the existing row. A claim past its lifetime,
        or abandoned unanswered, is forgotten first."""
        now = datetime.now(UTC)
        try:
            async with self.database.sessionmaker() as session, session.begin():
                await session.execute(delete(self.table).where(
                    self.table.c.subject == subject, self.table.c.key == key,
                    or_(self.table.c.created_at < now - KEY_LIFETIME,
                        and_(self.table.c.status.is_(None), self.table.c.created_at < now - ABANDONED_AFTER))))
                await session.execute(insert(self.table).values(
                    subject=subject, key=key, request_hash=request_hash, created_at=now))
            return None
        except IntegrityError:
            async with self.database.sessionmaker() as session:
                row = (await session.execute(select(self.table).where(
                    self.table.c.subject == subject, self.table.c.key == key))).mappings().one()
            return dict(row)

    async def complete(self, subject: str, key: str, status: int, content_type: str, body: bytes) -> None:
        async with self.database.sessionmaker() as session, session.begin():
            await session.execute(update(self.table).where(
                self.table.c.subject == subject, self.table.c.key == key
            ).values(status=status, content_type=content_type, body=body))

    async def release(self, subject: str, key: str) -> None:
        async with self.database.sessionmaker() as session, session.begin():
            await session.execute(delete(self.table).where(
                self.table.c.subject == subject, self.table.c.key == key))


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _send_problem(send: Send, status: int, problem_type: str, detail: str) -> None:
    body = json.dumps({"type": PROBLEM_BASE + problem_type, "title": "Idempotency-Key refused",
                       "status": status, "detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", PROBLEM_JSON.encode())]})
    await send({"type": "http.response.body", "body": body})
