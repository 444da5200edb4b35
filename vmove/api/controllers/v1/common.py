"""What the v1 controllers share: the request's context, lookups that hide other projects, pages, times."""

import pecan

from vmove import exception, policy, utils
from vmove.api import microversion, validation
from vmove.api.controllers import links
from vmove.engine import rpcapi

UUID_SCHEMA = {"type": "object", "properties": {"uuid": {"type": "string", "format": "uuid"}}}


def handler(since, response=None, *, query=None, body=None):
    """A JSON handler that exists from microversion ``since`` on (``pecan.expose`` and
    :func:`microversion.min_version`), checking its response, query and body against their schemas.

    ``since`` is a version, from which each schema serves; or a :class:`validation.Change`: the handler
    exists from its ``first`` version, and a schema may be an ``(old, new)`` pair the change splits.
    """
    change = since if isinstance(since, validation.Change) else None
    version = change.first if change else since

    def schemas(schema, single, pair: str):
        if isinstance(schema, tuple):
            return getattr(change, pair)(*schema)
        return single(schema, min_version=version)

    decorators = [pecan.expose("json"), microversion.min_version(version)]
    for schema, single, pair in (
        (response, validation.response_schema, "responses"),
        (query, validation.query_schema, "queries"),
        (body, validation.body_schema, "bodies"),
    ):
        if schema is not None:
            decorators.append(schemas(schema, single, pair))

    def decorate(func):
        for decorator in reversed(decorators):
            func = decorator(func)
        return func

    return decorate


def context():
    return pecan.request.context["context"]


def conf():
    return pecan.request.context["conf"]


def engine_api():
    """The engine RPC client of this API process."""
    return rpcapi.for_conf(conf())


def isotime(value):
    """ISO 8601 of a UTC time, ``...+00:00``: an object's (aware) or a row's (naive, as every database
    gives it back)."""
    if value is None:
        return None
    text = value.isoformat()
    return text if value.tzinfo is not None else text + "+00:00"


def parse_time(value: str, field: str):
    """An ISO 8601 time from the request (naive UTC); 400 naming ``field`` when it is not one."""
    try:
        return utils.parse_time(value)
    except ValueError as e:
        raise exception.Invalid(
            f"Invalid {field}: {value!r} is not an ISO 8601 time (e.g. 2026-11-24T10:00:00 or 2026-11-24T10:00:00Z)."
        ) from e


def get_or_404(ctx, what: str, uuid: str, fetch, rule: str, not_found: exception.NotFound):
    """``fetch(ctx, uuid)`` if the caller may see it under ``rule``; otherwise 404.

    Another project's resources are not even confirmed to exist; a caller of
    the owning project without the right role gets 403.
    """
    validation.validate({"uuid": uuid}, UUID_SCHEMA, what)
    found = fetch(ctx, uuid)
    if not policy.authorize(ctx, rule, {"project_id": found.project_id}, do_raise=False):
        if ctx.project_id != found.project_id:
            raise not_found
        policy.authorize(ctx, rule, {"project_id": found.project_id})
    return found


def project_filter(ctx, query, all_projects_rule):
    """The project to list: the caller's, or (admins) the one asked for, or every one (None)."""
    all_projects = policy.authorize(ctx, all_projects_rule, do_raise=False)
    if "project_id" in query:
        if not all_projects and query["project_id"] != ctx.project_id:
            raise exception.Forbidden(action=all_projects_rule)
        return query["project_id"]
    return None if all_projects else ctx.project_id


def page_limit(query: dict) -> int:
    """The page size: the one asked for (never above [api] max_limit), or the default."""
    c = conf()
    limit = query.get("limit")
    if limit is None:
        return min(c.api.default_limit, c.api.max_limit)
    if limit > c.api.max_limit:
        raise exception.Invalid(
            f"Invalid query parameter 'limit': {limit} is more than the maximum of {c.api.max_limit}."
        )
    return limit


def list_page(key: str, fetch, filters: dict, query: dict, view, *path, sort_dir: str = "asc") -> dict:
    """One page of ``fetch(ctx, filters, limit=, marker=, sort_key=, sort_dir=)`` as the query asks.

    The page is ``{key: [view(item), ...]}`` with the link to the next page when it is full (see
    :func:`page`); ``sort_dir`` is the collection's default order.
    """
    limit = page_limit(query)
    found = fetch(
        context(),
        filters,
        limit=limit,
        marker=query.get("marker"),
        sort_key=query.get("sort_key", "created_at"),
        sort_dir=query.get("sort_dir", sort_dir),
    )
    return page(key, [view(f) for f in found], found, limit, *path)


def page(key: str, items: list, found: list, limit: int, *path) -> dict:
    """``{key: items}`` and, when the page is full, ``{key}_links`` with the link to the next page.

    ``found`` are the objects (or rows) listed (the last one's uuid is the next marker), ``path`` the
    collection's path under ``/v1``; the next link keeps the request's other query parameters.
    """
    result = {key: items}
    if len(found) == limit:
        next_query = {k: v for k, v in pecan.request.GET.items() if k != "marker"}
        next_query.update(marker=found[-1]["uuid"], limit=limit)
        result[f"{key}_links"] = [links.make("next", "v1", *path, query=next_query)]
    return result
