"""Helpers shared by the v1 controllers."""

import pecan


def context():
    return pecan.request.context["context"]


def conf():
    return pecan.request.context["conf"]


def isotime(value):
    return value.isoformat() if value is not None else None


def page_limit(query: dict) -> int:
    """The page size: the one asked for (never above [api] max_limit), or the default."""
    from vmove import exception

    c = conf()
    limit = query.get("limit")
    if limit is None:
        return min(c.api.default_limit, c.api.max_limit)
    if limit > c.api.max_limit:
        raise exception.Invalid(
            f"Invalid query parameter 'limit': {limit} is more than the maximum of {c.api.max_limit}."
        )
    return limit


_ENGINE_API = {}


def engine_api():
    """The engine RPC client of this API process (one per configuration)."""
    from vmove import rpc
    from vmove.engine import rpcapi

    c = conf()
    key = (id(c), id(rpc.get_transport(c)))  # a new transport (tests, reconfig) gets a new client
    if key not in _ENGINE_API:
        _ENGINE_API.clear()
        _ENGINE_API[key] = rpcapi.EngineAPI(c)
    return _ENGINE_API[key]
