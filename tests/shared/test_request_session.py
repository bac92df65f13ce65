"""The request's unit of work, made cheaper, still commits what a route wrote, rolls back what a failing
route wrote, and hands back every connection it took; a SQLite connection given back to its pool with a
transaction still open is rolled back there."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Connection, text

from shared.db import Database, SessionDep
from tests import infra


class Refused(Exception):
    pass


def _app(database: Database) -> FastAPI:
    app = FastAPI()
    app.state.db = database

    @app.post("/notes/{body}")
    async def write(body: str, session: SessionDep) -> dict[str, str]:
        await session.execute(text("INSERT INTO notes (body) VALUES (:body)"), {"body": body})
        return {"written": body}

    @app.post("/refused/{body}")
    async def write_then_fail(body: str, session: SessionDep) -> None:
        await session.execute(text("INSERT INTO notes (body) VALUES (:body)"), {"body": body})
        raise Refused(body)

    @app.get("/notes")
    async def read(session: SessionDep) -> list[str]:
        return list(await session.scalars(text("SELECT body FROM notes ORDER BY body")))

    @app.get("/nothing")
    async def touch_nothing(session: SessionDep) -> dict[str, bool]:
        return {"in_transaction": session.in_transaction()}

    return app


@pytest.fixture(params=["sqlite", "postgresql"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'notes.db'}" if request.param == "sqlite" else await infra.create_database()
    database = Database(url, schema="public")
    try:
        async with database.engine.begin() as connection:
            await connection.execute(text("CREATE TABLE notes (body VARCHAR(20) PRIMARY KEY)"))
        yield database
    finally:
        await database.dispose()
        if request.param == "postgresql":
            await infra.drop_database(url)


async def test_a_route_s_writes_are_committed_a_failing_route_s_are_not_and_no_connection_is_kept(
        database: Database) -> None:
    pool = database.engine.sync_engine.pool
    transport = httpx.ASGITransport(app=_app(database), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.post("/notes/kept")).status_code == 200
        assert (await client.post("/refused/lost")).status_code == 500
        assert (await client.get("/nothing")).json() == {"in_transaction": False}
        assert (await client.get("/notes")).json() == ["kept"]
    assert pool.checkedout() == 0  # type: ignore[attr-defined]


async def test_a_sqlite_connection_given_back_inside_a_transaction_is_rolled_back(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'notes.db'}", schema="public")

    def write_and_give_back(connection: Connection) -> None:
        raw = connection.engine.raw_connection()
        cursor = raw.cursor()
        cursor.execute("INSERT INTO notes (body) VALUES ('left open')")
        cursor.close()
        assert raw.driver_connection.in_transaction  # type: ignore[union-attr]
        raw.close()

    def taken_again_is_clean(connection: Connection) -> bool:
        raw = connection.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("SELECT count(*) FROM notes")
            [(rows,)] = cursor.fetchall()
            cursor.close()
            return rows == 0 and not raw.driver_connection.in_transaction  # type: ignore[union-attr]
        finally:
            raw.close()

    try:
        async with database.engine.begin() as connection:
            await connection.execute(text("CREATE TABLE notes (body VARCHAR(20) PRIMARY KEY)"))
        async with database.engine.connect() as connection:
            await connection.run_sync(write_and_give_back)
            assert await connection.run_sync(taken_again_is_clean)
        async with database.engine.connect() as connection:
            assert await connection.scalar(text("SELECT count(*) FROM notes")) == 0
    finally:
        await database.dispose()
