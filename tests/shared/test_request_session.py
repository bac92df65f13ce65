"""The request's unit of work, made cheaper, still commits what a route wrote, rolls back what a failing
route wrote, and hands back every connection it took."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

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
