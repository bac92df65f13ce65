"""A local fake of the CQC syndication API (an outside system, so a fake is right): a real HTTP server
in a thread, serving recorded documents of the real shape, and doing what the real one does: paged
change lists with `nextPageUri`, 429 with `Retry-After`, 200 with a body `{"statusCode": 429}`, 404 for a
location gone, and 404 for an id asked in lower case."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

PREFIX = "/public/v1"
API_KEY = "test-cqc-key"


@dataclass
class FakeCqc:
    locations: dict[str, dict[str, Any]] = field(default_factory=dict)
    change_pages: list[list[str]] = field(default_factory=list)
    throttles: dict[str, list[tuple[int, dict[str, str], Any]]] = field(default_factory=dict)
    """Answers given to a path before its real one: (status, headers, body)."""
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    base_url: str = ""

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, dict[str, str], Any]:
        if self.throttles.get(path):
            return self.throttles[path].pop(0)
        if path == f"{PREFIX}/changes/location":
            return self._changes(query)
        location_id = path.removeprefix(f"{PREFIX}/locations/")
        if location_id in self.locations:
            return 200, {}, self.locations[location_id]
        return 404, {}, {"statusCode": 404, "message": "Resource not found"}

    def _changes(self, query: dict[str, list[str]]) -> tuple[int, dict[str, str], Any]:
        if not {"startTimestamp", "endTimestamp"} <= query.keys():
            return 400, {}, {"statusCode": 400, "message": "startTimestamp and endTimestamp are required"}
        page = int(query.get("page", ["1"])[0])
        window = f"startTimestamp={query['startTimestamp'][0]}&endTimestamp={query['endTimestamp'][0]}"
        pages = self.change_pages or [[]]
        return 200, {}, {
            "total": sum(len(each) for each in pages), "page": page, "perPage": 500, "totalPages": len(pages),
            "firstPageUri": f"/changes/location?page=1&perPage=500&{window}",
            "nextPageUri": f"/changes/location?page={page + 1}&perPage=500&{window}" if page < len(pages) else None,
            "previousPageUri": None, "lastPageUri": f"/changes/location?page={len(pages)}&perPage=500&{window}",
            "startTimestamp": query["startTimestamp"][0], "endTimestamp": query["endTimestamp"][0],
            "changes": pages[page - 1]}


@contextlib.contextmanager
def serving(fake: FakeCqc) -> Iterator[FakeCqc]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            fake.requests.append((parts.path, dict(self.headers)))
            if self.headers.get("Ocp-Apim-Subscription-Key") != API_KEY:
                status, headers, body = 401, {}, {"statusCode": 401, "message": "Access denied"}
            else:
                status, headers, body = fake.answer(parts.path, parse_qs(parts.query))
            data = json.dumps(body).encode()
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}{PREFIX}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
