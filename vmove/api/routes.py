"""The API's routes as the pecan controllers have them, and each handler's own schemas at a microversion.

One walk, used by the OpenAPI document (:mod:`vmove.api.openapi`) and by the API reference's check
(``vmove/tests/unit/test_docs.py``): a route is ``(METHOD, "/v1/path/{param}")``, its path parameters
named as the handler's arguments; its microversion range and its query, body and response schemas
are what the handler's decorators (:mod:`vmove.api.microversion`, :mod:`vmove.api.validation`)
attached to it.
"""

import inspect

from pecan import rest

from vmove.api import microversion

_HANDLERS = ("get", "get_all", "get_one", "post", "patch", "put", "delete")
_ITEM = ("get_one", "patch", "put", "delete")
_METHODS = {
    "get": "GET",
    "get_all": "GET",
    "get_one": "GET",
    "post": "POST",
    "patch": "PATCH",
    "put": "PUT",
    "delete": "DELETE",
}
#: schema kind -> the attribute vmove.api.validation's decorators attach to a handler
SCHEMA_ATTRS = {"query": "_vmove_query_schemas", "body": "_vmove_body_schemas", "response": "_vmove_response_schemas"}


def api_routes() -> dict:
    """(method, path) -> handler, from the pecan controllers."""
    from vmove.api.controllers import root

    found = {}

    def args(fn):
        params = inspect.signature(inspect.unwrap(fn)).parameters.values()
        return [p.name for p in params if p.kind == p.POSITIONAL_OR_KEYWORD and p.name != "self"]

    def visit(controller, names):
        cls = type(controller)
        customs = getattr(cls, "_custom_actions", {})
        for attr in [*_HANDLERS, *customs]:
            fn = getattr(cls, attr, None)
            if fn is None or (attr in _HANDLERS and not getattr(fn, "exposed", False)):
                continue
            names_args = args(fn)
            resources = names[1:]  # below /v1
            segments = names[:1]
            for n, name in enumerate(resources):
                segments.append(name)
                if n < len(resources) - 1:
                    segments.append(f"{{{names_args[n]}}}")
            if attr in _ITEM or attr in customs:
                segments.append(f"{{{names_args[len(resources) - 1]}}}")
            if attr in customs:
                segments.append(attr)
            method = _METHODS[attr] if attr in _HANDLERS else customs[attr][0]
            found[(method, "/" + "/".join(segments))] = fn
        for name, sub in vars(cls).items():
            if isinstance(sub, rest.RestController):
                visit(sub, [*names, name])

    visit(root.RootController(), [])
    return found


def version_range(handler) -> tuple[str, str | None]:
    """(first, last or None) microversion of the handler."""
    return getattr(handler, "min_version", microversion.VERSIONS[0]), getattr(handler, "max_version", None)


def _within(version: str, low: str | None, high: str | None) -> bool:
    wanted = microversion.parse(version)
    lowest = microversion.parse(low) if low else microversion.MIN_VERSION
    highest = microversion.parse(high) if high else microversion.MAX_VERSION
    return lowest <= wanted <= highest


def exists_at(handler, version: str) -> bool:
    return _within(version, *version_range(handler))


def schemas(handler, kind: str) -> list:
    """Every ``(schema, min_version, max_version)`` of ``kind`` (query, body, response) the handler has."""
    return list(getattr(handler, SCHEMA_ATTRS[kind], []))


def schema_at(handler, kind: str, version: str) -> dict | None:
    """The handler's ``kind`` schema at microversion ``version`` (None if it has none)."""
    for schema, low, high in schemas(handler, kind):
        if _within(version, low, high):
            return schema
    return None
