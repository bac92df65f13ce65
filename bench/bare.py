"""The request path's floor: bare FastAPI on the same uvicorn, answering `GET /api/v1/areas` with the same
JSON the providers service answers (given in `BENCH_BARE_BODY`), with no token, database or middleware;
and the visit reports' floor: `POST /api/v1/visits` reading the same JSON body and answering its count.

    BENCH_BARE_BODY='{"items": []}' uvicorn bench.bare:create_app --factory
"""

from __future__ import annotations

import json
import os
from typing import Any

from fastapi import FastAPI


def create_app() -> FastAPI:
    body: Any = json.loads(os.environ.get("BENCH_BARE_BODY", "{}"))
    app = FastAPI()

    @app.get("/api/v1/areas")
    async def areas() -> Any:
        return body

    @app.post("/api/v1/visits")
    async def visits(report: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
        return {"recorded": len(report["visits"])}

    @app.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "live"}

    return app
