"""The OpenAPI document as integrators read it: what every operation really answers, written once here
rather than on each of the services' routes.

FastAPI describes a service's routes; the gateway in front of them adds behaviour they cannot see: every
error is problem+json, the token endpoint and every proxied call are rate limited (429 with `Retry-After`
and the `RateLimit-*` headers), a service behind the gateway may be unreachable (503), every answer
carries `X-Request-ID`, writes accept `Idempotency-Key`, and tokens come from an OAuth2 token endpoint.
Providers' receivers are described as OpenAPI 3.1 `webhooks`.
"""

from __future__ import annotations

import copy
from typing import Any

from shared.auth import Role

TOKEN_URL = "/api/v1/auth/token"
PROBLEM = {"$ref": "#/components/schemas/Problem"}
WRITES = {"post", "put", "patch", "delete"}
GATHERING = "/api/v1/people/"
"""The gateway's own paths that ask the services for their part (a person's record): rate limited, and 503
when a service cannot answer, as the calls it forwards."""
SCOPES = {
    Role.BROKER: "Referrals, the cascade, awards and the waiting list",
    Role.COMMISSIONER: "The provider registry, contracts, rate cards and embargoes",
    Role.QUALITY_OFFICER: "Concerns, monitoring, the risk matrix and action plans",
    Role.FINANCE: "Invoice runs, invoices, credit notes and remittances",
    Role.PROVIDER: "A provider's own offers, packages, visits, invoices and capacity",
    Role.ADMIN: "Users and API clients",
    Role.DPO: "Subject access requests and the erasure report",
}
ERRORS = {
    "401": "No token, or one that is expired or not valid (`WWW-Authenticate` says which)",
    "403": "The token's roles do not allow this",
    "404": "Not found (or not this provider's)",
    "413": "The body is larger than the gateway takes",
    "429": "Over the client's rate limit: retry after `Retry-After` seconds",
    "503": "The service behind the gateway, or a database, cannot be reached: retry after `Retry-After` seconds",
}
HEADERS = {
    "X-Request-ID": ("The request's id, the caller's own when it sent a well-formed one", "string"),
    "RateLimit-Limit": ("Requests the client may make in one window", "integer"),
    "RateLimit-Remaining": ("Requests left in the window now", "integer"),
    "RateLimit-Reset": ("Seconds until the window has room again", "integer"),
    "RateLimit-Policy": ("The limit and its window in seconds, e.g. `200;w=10`", "string"),
    "Retry-After": ("Seconds to wait before trying again", "integer"),
    "WWW-Authenticate": ("RFC 6750's challenge: `error=\"invalid_token\"` and why, when a token was sent",
                         "string"),
}
RATE_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy")
PARAMETERS = {
    "IdempotencyKey": {"name": "Idempotency-Key", "in": "header", "required": False,
                       "description": "Your own id for a write you may retry: the same key and body give the "
                                      "same answer once (`Idempotent-Replayed: true`), for 24 hours; another "
                                      "body with the key is 422, a retry while the first runs is 409",
                       "schema": {"type": "string", "maxLength": 200}},
    "RequestId": {"name": "X-Request-ID", "in": "header", "required": False,
                  "description": "Your id for the request, echoed on the answer and kept in the logs",
                  "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,128}$"}},
}
WEBHOOK_HEADERS = {
    "X-Homecare-Delivery": "The delivery's id, the same on every attempt",
    "X-Homecare-Attempt": "1 for the first attempt, then 2, 3, ...",
    "X-Homecare-Timestamp": "Unix seconds when this attempt was signed",
    "X-Homecare-Signature": "`sha256=` + hex HMAC-SHA256 of `<timestamp>.<body>` with your secret",
}


def published(document: dict[str, Any], *, server_url: str, gateway_paths: set[str]) -> dict[str, Any]:
    """`document` (the merged one) with the gateway's behaviour written in; `gateway_paths` are the paths
    the gateway answers itself (not rate limited, but for those gathering from the services)."""
    out = copy.deepcopy(document)
    out["openapi"] = "3.1.0"
    out["servers"] = [{"url": server_url.rstrip("/") or "/", "description": "This deployment"}]
    components = out.setdefault("components", {})
    components["securitySchemes"] = {"OAuth2": _oauth2()}
    components["headers"] = {name: {"description": text, "schema": {"type": kind}}
                             for name, (text, kind) in HEADERS.items()}
    components["parameters"] = PARAMETERS
    components["schemas"].update(_webhook_schemas())
    for path, item in out["paths"].items():
        behind = path not in gateway_paths or path.startswith(GATHERING)
        for method, operation in item.items():
            _describe(operation, method=method, path=path, limited=behind or path == TOKEN_URL)
    _name_operations(out["paths"])
    _name_form_bodies(out)
    for unused in ("HTTPValidationError", "ValidationError"):
        components["schemas"].pop(unused, None)
    out["webhooks"] = _webhooks()
    return out


def _oauth2() -> dict[str, Any]:
    scopes = {str(role): text for role, text in SCOPES.items()}
    return {"type": "oauth2", "description": "A token from the token endpoint, sent as `Authorization: Bearer`. "
                                             "Its scope is the account's roles.",
            "flows": {"clientCredentials": {"tokenUrl": TOKEN_URL, "scopes": scopes},
                      "password": {"tokenUrl": TOKEN_URL, "scopes": scopes}}}


def _describe(operation: dict[str, Any], *, method: str, path: str, limited: bool) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    secured = "security" in operation
    if secured:
        operation["security"] = [{"OAuth2": []}]
        _add_error(responses, "401", headers=("WWW-Authenticate",))
        _add_error(responses, "403")
    if "{" in path:
        _add_error(responses, "404")
    if "requestBody" in operation:
        _add_error(responses, "413")
    if limited:
        _add_error(responses, "429", headers=("Retry-After",))
    if path.startswith("/api/"):  # every API call reaches a database, most a service behind the gateway too
        _add_error(responses, "503", headers=("Retry-After",))
    for status, response in responses.items():
        if status[0] in "45":
            response["content"] = {"application/problem+json": {"schema": PROBLEM}}
        headers = response.setdefault("headers", {})
        for name in ("X-Request-ID", *(RATE_HEADERS if limited else ())):
            headers[name] = {"$ref": f"#/components/headers/{name}"}
    parameters = operation.setdefault("parameters", [])
    parameters.append({"$ref": "#/components/parameters/RequestId"})
    if method in WRITES and path != TOKEN_URL:
        parameters.append({"$ref": "#/components/parameters/IdempotencyKey"})


def _name_operations(paths: dict[str, Any]) -> None:
    """Operation ids a generated client's functions read well by: the route's own name (`accept_offer`, not
    FastAPI's `accept_offer_api_v1_offers__offer_id__accept_post`), a bare verb with its resource
    (`cancel_referral`); an id that would then be taken twice keeps FastAPI's."""
    operations = [operation for item in paths.values() for operation in item.values()]
    wanted = [_readable_id(operation) for operation in operations]
    for operation, name in zip(operations, wanted, strict=True):
        if wanted.count(name) == 1:
            operation["operationId"] = name


def _name_form_bodies(document: dict[str, Any]) -> None:
    """FastAPI names a form's schema after its route's id (`Body_token_api_v1_auth_token_post`): named after
    the operation instead (`TokenForm`)."""
    schemas = document["components"]["schemas"]
    for item in document["paths"].values():
        for operation in item.values():
            for media in operation.get("requestBody", {}).get("content", {}).values():
                ref = media.get("schema", {}).get("$ref", "")
                old = ref.rpartition("/")[2]
                if old.startswith("Body_") and old in schemas:
                    new = "".join(part.title() for part in operation["operationId"].split("_")) + "Form"
                    schemas[new] = {**schemas.pop(old), "title": new}
                    media["schema"]["$ref"] = f"#/components/schemas/{new}"


def _readable_id(operation: dict[str, Any]) -> str:
    name, found, _ = str(operation.get("operationId", "")).partition("_api_v1_")
    if not found:
        return str(operation.get("operationId", ""))
    tags = operation.get("tags", [])
    if "_" not in name and tags and str(tags[0]).endswith("s") and " " not in str(tags[0]):
        return f"{name}_{str(tags[0])[:-1]}"
    return name


def _add_error(responses: dict[str, Any], status: str, *, headers: tuple[str, ...] = ()) -> None:
    response = responses.setdefault(status, {"description": ERRORS[status]})
    for name in headers:
        response.setdefault("headers", {})[name] = {"$ref": f"#/components/headers/{name}"}


def _webhook_schemas() -> dict[str, Any]:
    return {
        "OfferMadeDelivery": {
            "type": "object", "required": ["event", "offer"],
            "properties": {"event": {"const": "offer.made"}, "offer": {"$ref": "#/components/schemas/OfferOut"}}},
        "TestDelivery": {
            "type": "object", "required": ["event", "provider_id", "url", "requested_at"],
            "properties": {"event": {"const": "webhook.test"}, "provider_id": {"type": "string", "format": "uuid"},
                           "url": {"type": "string"}, "requested_at": {"type": "string", "format": "date-time"}}},
    }


def _webhooks() -> dict[str, Any]:
    def delivery(summary: str, schema: str) -> dict[str, Any]:
        return {"post": {
            "summary": summary,
            "description": "POSTed to the receiver registered with `PUT /api/v1/webhooks`, signed "
                           "(docs/provider-webhooks.md); anything but a 2xx within 5 seconds is retried.",
            "parameters": [{"name": name, "in": "header", "required": True, "description": text,
                            "schema": {"type": "string"}} for name, text in WEBHOOK_HEADERS.items()],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{schema}"}}}},
            "responses": {"2XX": {"description": "Taken; any other answer is retried"}},
        }}

    return {"offer.made": delivery("A new offer for the provider", "OfferMadeDelivery"),
            "webhook.test": delivery("A test delivery asked for with POST /api/v1/webhooks/test", "TestDelivery")}
