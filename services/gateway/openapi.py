"""One OpenAPI document for the whole public API: the gateway's own paths plus every service's."""

from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from services.gateway.published import published

router = APIRouter(include_in_schema=False)


def merge_documents(base: dict[str, Any], others: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Adds each service's `/api/v1` paths and schemas to `base`; a schema name two services use for
    different shapes is kept apart under the service's prefix."""
    merged = {**base, "paths": dict(base.get("paths", {}))}
    schemas: dict[str, Any] = dict(base.get("components", {}).get("schemas", {}))
    for service, document in others.items():
        renames = {
            name: f"{service}_{name}"
            for name, schema in document.get("components", {}).get("schemas", {}).items()
            if name in schemas and schemas[name] != schema
        }
        document = _rename_refs(document, renames) if renames else document
        for name, schema in document.get("components", {}).get("schemas", {}).items():
            # a generated client names its classes by title: a renamed schema must not keep the other's
            schemas[renames.get(name, name)] = {**schema, "title": renames[name]} if name in renames else schema
        for path, item in document.get("paths", {}).items():
            if path.startswith("/api/v1/"):
                merged["paths"][path] = item
    merged["components"] = {**base.get("components", {}), "schemas": schemas}
    return merged


def _rename_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                prefix, _, name = value.rpartition("/")
                value = f"{prefix}/{renames.get(name, name)}"
            elif key == "schemas" and isinstance(value, dict):
                value = {renames.get(k, k): _rename_refs(v, renames) for k, v in value.items()}
                out[key] = value
                continue
            out[key] = _rename_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rename_refs(item, renames) for item in node]
    return node


async def _service_documents(upstreams: dict[str, httpx.AsyncClient]) -> dict[str, dict[str, Any]]:
    documents = {}
    for service, client in upstreams.items():
        try:
            answer = await client.get("/openapi.json")
        except httpx.TransportError:
            continue
        if answer.status_code == 200:
            documents[service] = answer.json()
    return documents


@router.get("/openapi.json")
async def openapi(request: Request) -> JSONResponse:
    base = request.app.openapi()
    base["info"]["title"] = "Home care commissioning and brokerage suite"
    merged = merge_documents(base, await _service_documents(request.app.state.upstreams))
    return JSONResponse(published(merged, server_url=str(request.base_url), gateway_paths=set(base["paths"])))


@router.get("/docs")
async def docs() -> HTMLResponse:
    return get_swagger_ui_html(openapi_url="/openapi.json", title="Home care suite API")
