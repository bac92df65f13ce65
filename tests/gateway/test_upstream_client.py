"""The gateway's client for a service forwards a request as it came: a cookie set by one caller's answer
is never sent with another caller's request, redirects reach the caller rather than being followed, and
the service's address may carry a path of its own."""

from __future__ import annotations

import json

import httpx
from starlette.types import Receive, Scope, Send

from services.gateway.proxy import UpstreamClient


async def echo(scope: Scope, receive: Receive, send: Send) -> None:
    """A service that sets a cookie and a redirect, and answers with the path and headers it was sent."""
    assert scope["type"] == "http"
    seen = {"path": scope["raw_path"].decode(), "query": scope["query_string"].decode(),
            "headers": {name.decode(): value.decode() for name, value in scope["headers"]}}
    await send({"type": "http.response.start", "status": 303, "headers": [
        (b"set-cookie", b"session=first-caller; Path=/"), (b"location", b"/elsewhere"),
        (b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": json.dumps(seen).encode()})


async def forwarded(client: UpstreamClient, target: bytes) -> tuple[int, dict[str, object]]:
    answer = await client.forward("GET", target, headers=[(b"authorization", b"Bearer t")], content=b"")
    return answer.status_code, answer.json()


async def test_a_cookie_from_one_answer_is_never_sent_with_the_next_request() -> None:
    async with UpstreamClient(transport=httpx.ASGITransport(app=echo), base_url="http://127.0.0.1:9000/prefix",
                              timeout=5) as client:
        first_status, first = await forwarded(client, b"/api/v1/areas?limit=2")
        second_status, second = await forwarded(client, b"/api/v1/areas")
    assert (first_status, second_status) == (303, 303)  # the redirect is the caller's to follow
    assert (first["path"], first["query"]) == ("/prefix/api/v1/areas", "limit=2")
    assert "cookie" not in second["headers"]  # type: ignore[operator]
    assert second["headers"]["authorization"] == "Bearer t"  # type: ignore[index]
