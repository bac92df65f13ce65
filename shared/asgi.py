"""Small ASGI pieces the services share."""

from __future__ import annotations

from abc import ABC, abstractmethod

from starlette.types import ASGIApp, Message, Receive, Scope, Send

Headers = list[tuple[bytes, bytes]]


class ResponseHeadersMiddleware(ABC):
    """Adds headers to every HTTP answer, whoever wrote it (a route, an error handler, a service behind the
    gateway); a subclass says which, from the request's scope and the headers already there."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                message["headers"] = headers + self.added(scope, headers)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    @abstractmethod
    def added(self, scope: Scope, headers: Headers) -> Headers:
        """The headers to add to an answer carrying `headers`."""
