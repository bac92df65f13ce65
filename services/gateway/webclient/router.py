"""The web client of council staff and small providers: static pages served by the gateway, talking to the
same public API (app.js is the shell, routes.js names every screen, core.js and ui.js are what they share).

No build step at run time: plain HTML, CSS and JavaScript modules, with GOV.UK Frontend and Chart.js vendored
under static/vendor (`make vendor` refreshes them from npm), and a strict Content-Security-Policy (scripts and
styles only from this origin, no inline script or style, no framing).
"""

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

from shared.asgi import Headers, ResponseHeadersMiddleware

STATIC = Path(__file__).parent / "static"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)

router = APIRouter(include_in_schema=False)


@router.get("/")
async def home() -> RedirectResponse:
    return RedirectResponse("/app/")


class _SecureStatic(ResponseHeadersMiddleware):
    """Adds the security headers every page of the client carries."""

    def added(self, scope: Scope, headers: Headers) -> Headers:
        return [(b"content-security-policy", CONTENT_SECURITY_POLICY.encode()), (b"x-content-type-options", b"nosniff"),
                (b"referrer-policy", b"no-referrer"), (b"cache-control", b"no-cache")]


def mount_web_client(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/app", _SecureStatic(StaticFiles(directory=STATIC, html=True)), name="web-client")
