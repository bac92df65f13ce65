"""What the gateway adds to every answer and asks of every request, whatever the route: security headers
(HSTS once the suite is reached over TLS), no caching of API answers that hold personal data, and a bound
on the size of a body, refused with 413 problem+json before it is read into memory. Cross-origin requests
get no CORS headers: browsers keep other sites' pages from calling the API with a user's session."""

from __future__ import annotations

import json
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.asgi import Headers, ResponseHeadersMiddleware
from shared.errors import PROBLEM_BASE, PROBLEM_JSON

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


class SecurityHeadersMiddleware(ResponseHeadersMiddleware):
    def added(self, scope: Scope, headers: Headers) -> Headers:
        """The security headers an answer lacks (the web client's pages set some of their own)."""
        wanted = [*SECURITY_HEADERS, *([HSTS] if scope.get("scheme") == "https" else [])]
        if str(scope.get("path", "")).startswith("/api/"):
            wanted.append((b"cache-control", b"no-store"))
        present = {name.lower() for name, _ in headers}
        return [(name, value) for name, value in wanted if name not in present]


class BodyLimitMiddleware:
    """Refuses a body over `max_bytes`: at once when its Content-Length says so, else as soon as the bytes
    read pass the bound (the body is then held whole, as the gateway forwards it whole anyway)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send)
            return
        if declared is not None:
            await self.app(scope, receive, send)
            return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_bytes:
                await self._refuse(scope, send)
                return
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        """Answered before the request-id middleware inside has seen the request: the id is made here."""
        problem = {"type": PROBLEM_BASE + "payload-too-large", "title": "The body is too large", "status": 413,
                   "detail": f"A request body may hold at most {self.max_bytes} bytes."}
        body = json.dumps(problem).encode()
        await send({"type": "http.response.start", "status": 413, "headers": [
            (b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode()),
            (b"x-request-id", str(uuid.uuid4()).encode())]})
        await send({"type": "http.response.body", "body": body})
