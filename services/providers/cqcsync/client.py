"""A client of the CQC syndication API as it really behaves: paged change lists followed by their
`nextPageUri`; throttling answered 429 (with `Retry-After`) or, at times, 200 with a body
`{"statusCode": 429, ...}`, both retried a bounded number of times; a changed location that answers
404 (gone since: reported, skipped); ids refused in lower case (sent in upper case). The key travels in
`Ocp-Apim-Subscription-Key` and is never logged nor put in an error."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

USER_AGENT = "homecare-suite-provider-registry/1.0 (council home care brokerage; CQC sync)"
PAGE_SIZE = 500
TIMEOUT_SECONDS = 30.0
TRY_AGAIN = re.compile(r"try again in (\d+) seconds?", re.IGNORECASE)
"""What the API's throttling message advises ("Rate limit is exceeded. Try again in 1 seconds.")"""


class CqcUnavailable(Exception):
    """The CQC API could not be read: down, refusing the key, or throttling past the retries."""


@dataclass(frozen=True)
class CqcApi:
    base_url: str
    api_key: str
    max_retries: int = 5
    max_retry_seconds: float = 60.0


def timestamp(moment: datetime) -> str:
    """The API's form: UTC to the second, `Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _throttled_wait(response: httpx.Response, attempt: int) -> float | None:
    """Seconds to wait before trying again, or None when the answer is not throttling."""
    if response.status_code == 429:
        try:
            return max(0.0, float(response.headers.get("Retry-After", "")))
        except ValueError:
            return float(2 ** attempt)
    if response.status_code == 200 and response.headers.get("content-type", "").startswith("application/json"):
        try:
            body = response.json()
        except ValueError:
            return None
        if isinstance(body, dict) and body.get("statusCode") == 429:
            advised = TRY_AGAIN.search(str(body.get("message", "")))
            return float(advised.group(1)) if advised else float(2 ** attempt)
    return None


class CqcClient:
    def __init__(self, api: CqcApi, *, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.api, self._sleep = api, sleep
        self._http = httpx.AsyncClient(
            base_url=api.base_url.rstrip("/"), timeout=TIMEOUT_SECONDS,
            headers={"Ocp-Apim-Subscription-Key": api.api_key, "User-Agent": USER_AGENT,
                     "Accept": "application/json"})

    async def __aenter__(self) -> CqcClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self._http.aclose()

    async def changed_location_ids(self, start: datetime, end: datetime) -> AsyncIterator[str]:
        """Every location id changed between `start` and `end`, page after page, each once."""
        seen: set[str] = set()
        uri: str | None = "/changes/location"
        params: dict[str, Any] | None = {"startTimestamp": timestamp(start), "endTimestamp": timestamp(end),
                                         "page": 1, "perPage": PAGE_SIZE}
        while uri:
            body = await self._json(uri, params)
            changes = body.get("changes") if isinstance(body, dict) else None
            if not isinstance(changes, list):
                raise CqcUnavailable("the change list has no `changes`")
            for location_id in (str(each).strip().upper() for each in changes):
                if location_id and location_id not in seen:
                    seen.add(location_id)
                    yield location_id
            uri, params = body.get("nextPageUri") or None, None

    async def location(self, location_id: str) -> dict[str, Any] | None:
        """A location document, or None when the CQC no longer has it (404)."""
        response = await self._get(f"/locations/{location_id.strip().upper()}", None)
        if response.status_code == 404:
            return None
        document = self._checked(response)
        if not isinstance(document, dict):
            raise CqcUnavailable("a location answer is not a JSON object")
        return document

    async def _json(self, uri: str, params: dict[str, Any] | None) -> Any:
        return self._checked(await self._get(uri, params))

    @staticmethod
    def _checked(response: httpx.Response) -> Any:
        if response.status_code != 200:
            raise CqcUnavailable(f"the CQC API answered {response.status_code} for {response.url.path}")
        try:
            return response.json()
        except ValueError:
            raise CqcUnavailable(f"the CQC API's answer for {response.url.path} is not JSON") from None

    async def _get(self, uri: str, params: dict[str, Any] | None) -> httpx.Response:
        for attempt in range(self.api.max_retries + 1):
            try:
                response = await self._http.get(uri, params=params)
            except httpx.HTTPError as exc:
                raise CqcUnavailable(f"the CQC API cannot be reached ({type(exc).__name__})") from None
            wait = _throttled_wait(response, attempt)
            if wait is None:
                return response
            if attempt < self.api.max_retries:
                await self._sleep(min(wait, self.api.max_retry_seconds))
        raise CqcUnavailable(f"the CQC API is still throttling after {self.api.max_retries} retries")
