"""Problem details (RFC 9457) for every error the suite returns.

Domain exceptions subclass `SuiteError` and carry their HTTP status and problem `type`; one set of
handlers turns them, validation failures, a database that cannot be reached (503 with Retry-After) and
anything unexpected into `application/problem+json`.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.db import UNREACHABLE_DATABASE, database_unavailable

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://homecare-suite.org/problems/"
logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5
"""What a 503 asks callers to wait before trying again (a database or a service restarting)."""


class InvalidField(BaseModel):
    field: str = Field(examples=["visits.0.minutes"])
    message: str = Field(examples=["Input should be greater than 0"])


class Problem(BaseModel):
    """The body of every error response."""

    type: str = Field(examples=[PROBLEM_BASE + "validation"])
    title: str = Field(examples=["The request is not valid"])
    status: int = Field(examples=[422])
    detail: str = Field(default="", examples=["visits.0.minutes: Input should be greater than 0"])
    errors: list[InvalidField] | None = None


class SuiteError(Exception):
    """A business rule refused the request; subclasses fix status, type and title."""

    status: ClassVar[int] = 400
    problem_type: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "The request cannot be carried out"

    def __init__(self, detail: str = "", *, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.headers = headers or {}
        self.extra = extra


class NotFound(SuiteError):
    status = 404
    problem_type = "not-found"
    title = "Not found"


class Conflict(SuiteError):
    status = 409
    problem_type = "conflict"
    title = "The request conflicts with the current state"


class Unprocessable(SuiteError):
    status = 422
    problem_type = "validation"
    title = "The request is not valid"


REALM = "homecare-suite"


class Unauthorized(SuiteError):
    """No token came with the request: RFC 6750 3.1 gives the challenge without an error code."""

    status = 401
    problem_type = "unauthorized"
    title = "Authentication is required"
    bearer_error: ClassVar[str | None] = None

    def __init__(self, detail: str = "") -> None:
        challenge = f'Bearer realm="{REALM}"'
        if self.bearer_error:
            challenge += f', error="{self.bearer_error}", error_description="{detail or self.title}"'
        super().__init__(detail, headers={"WWW-Authenticate": challenge})


class InvalidToken(Unauthorized):
    """A token came but is forged, malformed, for another audience, or its account is disabled."""

    problem_type = "invalid-token"
    title = "The token is not valid"
    bearer_error = "invalid_token"


class ExpiredToken(InvalidToken):
    """A genuine token past its expiry: the client should sign in again (RFC 6750 says invalid_token too)."""

    problem_type = "token-expired"
    title = "The token has expired"


class Forbidden(SuiteError):
    status = 403
    problem_type = "forbidden"
    title = "Not allowed"


class TooManyRequests(SuiteError):
    status = 429
    problem_type = "rate-limited"
    title = "Too many requests"


class ServiceUnavailable(SuiteError):
    """Always with `Retry-After`: what is unavailable now is expected back."""

    status = 503
    problem_type = "unavailable"
    title = "The service is not available"

    def __init__(self, detail: str = "", *, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail, headers={"Retry-After": str(RETRY_AFTER_SECONDS), **(headers or {})}, **extra)


def problem_response(
    status: int,
    problem_type: str,
    title: str,
    detail: str = "",
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {"type": PROBLEM_BASE + problem_type, "title": title, "status": status}
    body["detail"] = detail
    body.update({key: value for key, value in extra.items() if value is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def problem_responses(*errors: type[SuiteError]) -> dict[int | str, dict[str, Any]]:
    """For a route's `responses=`: lists the problems it can answer, so OpenAPI shows them."""
    return {
        error.status: {"model": Problem, "description": error.title, "content": {PROBLEM_JSON: {}}}
        for error in errors
    }


def _field_path(location: tuple[Any, ...]) -> str:
    parts = [str(part) for part in location if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or ".".join(str(part) for part in location)


async def _suite_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SuiteError)
    return problem_response(
        exc.status, exc.problem_type, exc.title, exc.detail, headers=exc.headers, **exc.extra
    )


def _invalid_field(error: dict[str, Any]) -> dict[str, str]:
    """A body that is not JSON at all is the body's fault, said once with where it broke (Pydantic puts the
    character's position where a field's name would be)."""
    location = tuple(error.get("loc", ()))
    if error.get("type") == "json_invalid":
        position = location[-1] if len(location) > 1 else "?"
        reason = str((error.get("ctx") or {}).get("error", "")).lower() or "malformed"
        return {"field": "body", "message": f"The body is not valid JSON: {reason} at character {position}"}
    return {"field": _field_path(location), "message": str(error.get("msg", ""))}


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = [_invalid_field(error) for error in exc.errors()]
    detail = "; ".join(f"{item['field']}: {item['message']}" for item in fields)
    return problem_response(422, "validation", "The request is not valid", detail, errors=fields)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    title = {404: "Not found", 405: "Method not allowed", 401: "Authentication is required"}.get(
        exc.status_code, "Request failed"
    )
    headers = dict(exc.headers) if exc.headers else None
    return problem_response(exc.status_code, "http-" + str(exc.status_code), title, str(exc.detail), headers=headers)


async def _integrity_error(_request: Request, exc: Exception) -> JSONResponse:
    logger.info("integrity conflict: %s", type(exc).__name__)
    return problem_response(409, "conflict", "The request conflicts with the current state")


def unavailable_response(detail: str) -> JSONResponse:
    return problem_response(503, "unavailable", "The service is not available", detail,
                            headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


async def _database_error(_request: Request, exc: Exception) -> JSONResponse:
    """A database that cannot be reached is a 503 the caller may retry; any other database error is
    raised on, as unexpected."""
    if not database_unavailable(exc):
        raise exc
    logger.warning("database unavailable: %s", type(exc).__name__)
    return unavailable_response("The database cannot be reached: retry later.")


async def _unexpected_error(_request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error", exc_info=exc)
    return problem_response(500, "internal", "Internal error", "The error was logged.")


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(SuiteError, _suite_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    for error in (DBAPIError, *UNREACHABLE_DATABASE):
        app.add_exception_handler(error, _database_error)
    app.add_exception_handler(Exception, _unexpected_error)
