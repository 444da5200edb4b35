"""An OpenAPI 3.1 document of the API at one microversion, from the handlers' own schemas.

Nothing here is written by hand: the routes and their microversion ranges come from the controllers
(:mod:`vmove.api.routes`), the query, body and response schemas are the very ones the handlers
validate with at that microversion (OpenAPI 3.1 schemas are JSON Schema 2020-12, as vmove's), and
every error answers in the OpenStack fault format. ``doc/source/api-ref/openapi.json`` is the
document of the newest microversion, written by ``tools/gen-samples`` and checked current by
``vmove/tests/unit/api/test_openapi.py``; ``python -m vmove.api.openapi [VERSION]`` prints the one of
any microversion.

Success answers are documented as ``2XX`` with the response schema: the status a handler sets is in
its code, and the reference (``doc/source/api-ref``) says which one it is.
"""

import json
import sys

from vmove.api import auth, microversion, routes

FAULT = {
    "type": "object",
    "description": 'An OpenStack fault: {"<faultName>": {"code": N, "message": "..."}}.',
    "minProperties": 1,
    "maxProperties": 1,
    "additionalProperties": {
        "type": "object",
        "properties": {"code": {"type": "integer"}, "message": {"type": "string"}},
        "required": ["code", "message"],
        "additionalProperties": False,
    },
}


def _operation_id(method: str, path: str) -> str:
    words = [p.strip("{}") for p in path.split("/") if p]
    return "_".join([method.lower(), *words]) if words else f"{method.lower()}_root"


def _parameters(path: str, query: dict | None) -> list:
    params = [
        {"name": p[1:-1], "in": "path", "required": True, "schema": {"type": "string"}}
        for p in path.split("/")
        if p.startswith("{")
    ]
    for name, schema in ((query or {}).get("properties") or {}).items():
        param = {"name": name, "in": "query", "required": name in (query.get("required") or []), "schema": schema}
        if schema.get("type") == "array":
            param.update(style="form", explode=False)  # ?status=a,b (repeating the parameter works too)
        params.append(param)
    return params


def _operation(method, path, handler, version) -> dict:
    op = {"operationId": _operation_id(method, path)}
    op["parameters"] = _parameters(path, routes.schema_at(handler, "query", version))
    body = routes.schema_at(handler, "body", version)
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    response = routes.schema_at(handler, "response", version)
    success = {"description": "Success."}
    if response is not None:
        success["content"] = {"application/json": {"schema": response}}
    fault = {
        "description": "An error, in the OpenStack fault format.",
        "content": {"application/json": {"schema": FAULT}},
    }
    op["responses"] = {"2XX": success, "4XX": fault, "5XX": fault}
    low, high = routes.version_range(handler)
    op["description"] = f"Microversion {low} to {high}." if high else f"Microversion {low} and later."
    if method == "GET" and path in auth.PUBLIC_PATHS:
        op["security"] = []  # version discovery needs no token
    return op


def document(version: str | None = None) -> dict:
    """The OpenAPI 3.1 document of the API at microversion ``version`` (default: the newest)."""
    version = version or microversion.max_version_string()
    if version not in microversion.VERSIONS:
        raise ValueError(f"vmove has no microversion {version}: {', '.join(microversion.VERSIONS)}")
    paths: dict = {}
    for (method, path), handler in sorted(routes.api_routes().items(), key=lambda kv: (kv[0][1], kv[0][0])):
        if routes.exists_at(handler, version):
            paths.setdefault(path, {})[method.lower()] = _operation(method, path, handler, version)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "vmove",
            "version": f"{microversion.SERVICE_TYPE} {version}",
            "description": (
                f"vmove's REST API at microversion {version} (send 'OpenStack-API-Version: "
                f"{microversion.SERVICE_TYPE} {version}'), generated from the handlers' own schemas."
            ),
        },
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "paths": paths,
        "components": {
            "securitySchemes": {"keystone": {"type": "apiKey", "in": "header", "name": "X-Auth-Token"}},
        },
        "security": [{"keystone": []}],
    }


def dumps(doc: dict) -> str:
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    sys.stdout.write(dumps(document(argv[0] if argv else None)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
