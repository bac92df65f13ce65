"""The gateway's client for a service forwards a request as it came, in process and over the network alike:
a cookie set by one caller's answer is never sent with another caller's request, redirects reach the caller
rather than being followed, the service's address may carry a path of its own, and no header is added that
the caller did not send. Over the network: a connection the service closed while idle is not used again, a
service that does not answer in time is a 504, and one that cannot be reached a 503."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
import pytest
import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from services.gateway.proxy import GatewayTimeout, HttpUpstream, UpstreamClient
from shared.errors import ServiceUnavailable
from tests.harness import eventually
from tests.served import free_port

KEEP_ALIVE_SECONDS = 1


async def echo(scope: Scope, receive: Receive, send: Send) -> None:
    """A service that sets cookies and a redirect, and answers with the request it was sent."""
    assert scope["type"] == "http"
    body = b""
    while (message := await receive())["type"] == "http.request":
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    seen = {"method": scope["method"], "path": scope["raw_path"].decode(), "query": scope["query_string"].decode(),
            "headers": {name.decode(): value.decode() for name, value in scope["headers"]}, "body": body.decode()}
    await send({"type": "http.response.start", "status": 303, "headers": [
        (b"set-cookie", b"session=first-caller; Path=/"), (b"set-cookie", b"theme=dark; Path=/"),
        (b"location", b"/elsewhere"), (b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": json.dumps(seen).encode()})


async def slow(scope: Scope, receive: Receive, send: Send) -> None:
    await asyncio.sleep(2)
    await echo(scope, receive, send)


@asynccontextmanager
async def over_http(app: ASGIApp) -> AsyncIterator[str]:
    """`app` served by uvicorn on a free port, closing idle connections after a second."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning",
                                           timeout_keep_alive=KEEP_ALIVE_SECONDS))
    serving = asyncio.create_task(server.serve())
    await eventually(lambda: server.started)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await serving


@asynccontextmanager
async def in_process(base_path: str) -> AsyncIterator[UpstreamClient]:
    async with UpstreamClient(transport=httpx.ASGITransport(app=echo), base_url="http://providers" + base_path,
                              timeout=5) as client:
        yield client


@asynccontextmanager
async def over_the_network(base_path: str) -> AsyncIterator[UpstreamClient]:
    async with over_http(echo) as url, HttpUpstream(base_url=url + base_path, timeout=5) as client:
        yield client


Reach = Callable[[str], AbstractAsyncContextManager[UpstreamClient]]
REACHES = pytest.mark.parametrize("reach", [in_process, over_the_network], ids=["in process", "over HTTP"])


async def forwarded(client: UpstreamClient, target: bytes, *, method: str = "GET", content: bytes = b"",
                    headers: tuple[tuple[bytes, bytes], ...] = ()) -> tuple[int, dict[str, object]]:
    answer = await client.forward(method, target, headers=[(b"authorization", b"Bearer t"), *headers],
                                  content=content)
    return answer.status_code, answer.json()


@REACHES
async def test_a_cookie_from_one_answer_is_never_sent_with_the_next_request(reach: Reach) -> None:
    async with reach("/prefix") as client:
        first_status, first = await forwarded(client, b"/api/v1/areas?limit=2")
        second_status, second = await forwarded(client, b"/api/v1/areas")
    assert (first_status, second_status) == (303, 303)  # the redirect is the caller's to follow
    assert (first["path"], first["query"]) == ("/prefix/api/v1/areas", "limit=2")
    assert "cookie" not in second["headers"]  # type: ignore[operator]
    assert second["headers"]["authorization"] == "Bearer t"  # type: ignore[index]


@REACHES
async def test_a_body_and_the_callers_headers_go_as_they_came_and_no_other_is_added(reach: Reach) -> None:
    async with reach("") as client:
        status, seen = await forwarded(client, b"/api/v1/referrals", method="POST", content=b'{"a": 1}',
                                       headers=((b"content-type", b"application/json"), (b"if-match", b'"3"')))
    assert (status, seen["method"], seen["body"]) == (303, "POST", '{"a": 1}')
    headers = seen["headers"]
    assert isinstance(headers, dict)
    assert (headers["content-type"], headers["if-match"]) == ("application/json", '"3"')
    assert set(headers) <= {"host", "content-length", "authorization", "content-type", "if-match"}


@REACHES
async def test_every_header_of_the_answer_comes_back_repeated_ones_included(reach: Reach) -> None:
    async with reach("") as client:
        answer = await client.forward("GET", b"/api/v1/areas", headers=[], content=b"")
    cookies = [value for name, value in answer.headers if name.lower() == b"set-cookie"]
    assert cookies == [b"session=first-caller; Path=/", b"theme=dark; Path=/"]


async def test_a_connection_the_service_closed_while_idle_is_not_used_again() -> None:
    async with over_http(echo) as url, HttpUpstream(base_url=url, timeout=5) as client:
        assert (await forwarded(client, b"/api/v1/areas"))[0] == 303
        await asyncio.sleep(KEEP_ALIVE_SECONDS + 0.5)  # the service has closed the kept-alive connection
        assert (await forwarded(client, b"/api/v1/areas"))[0] == 303


async def test_a_service_that_does_not_answer_in_time_is_a_gateway_timeout() -> None:
    async with over_http(slow) as url, HttpUpstream(base_url=url, timeout=0.5) as client:
        with pytest.raises(GatewayTimeout):
            await forwarded(client, b"/api/v1/areas")


async def test_a_service_that_cannot_be_reached_is_unavailable() -> None:
    async with HttpUpstream(base_url=f"http://127.0.0.1:{free_port()}", timeout=5) as client:
        with pytest.raises(ServiceUnavailable):
            await forwarded(client, b"/api/v1/areas")
