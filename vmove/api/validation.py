"""JSON-schema validation of query strings, bodies and responses.

Schemas are attached to handlers with decorators; a decorator may carry a
microversion range, so one handler can have a schema per version::

    @validation.query_schema(schemas.LIST_QUERY_1_0, min_version="1.0")
    def get_all(self, **query): ...

The validated (and type-coerced) query is passed to the handler as keyword
arguments; a body is passed as ``body``.
"""

import dataclasses
import functools
import json
import logging

import pecan

from vmove import exception
from vmove.api import microversion
from vmove.jsonschemas import VALIDATOR, check_schema, validate

__all__ = [
    "Change",
    "body_schema",
    "check_schema",
    "query_schema",
    "response_schema",
    "response_trim",
    "validate",
]

LOG = logging.getLogger(__name__)


def _coerce_query(params, schema: dict) -> dict:
    """Turn webob's multidict into typed values guided by the schema."""
    props = schema.get("properties", {})
    out: dict = {}
    for key in params.keys():
        values = params.getall(key)
        prop = props.get(key, {})
        if prop.get("type") == "array":
            items = []
            for v in values:
                items.extend(p for p in v.split(",") if p != "")
            out[key] = [_coerce_scalar(v, prop.get("items", {})) for v in items]
            continue
        if len(values) > 1:
            raise exception.Invalid(f"Query parameter {key!r} is given more than once.")
        out[key] = _coerce_scalar(values[0], prop)
    return out


def _coerce_scalar(value: str, prop: dict):
    kind = prop.get("type")
    if kind == "integer":
        try:
            return int(value)
        except ValueError:
            return value
    if kind == "boolean":
        low = value.lower()
        if low in ("true", "1", "yes", "on"):
            return True
        if low in ("false", "0", "no", "off"):
            return False
    return value


def _pick(choices, what):
    for schema, low, high in choices:
        if microversion.matches(low, high):
            return schema
    raise exception.Invalid(f"No {what} schema for microversion {microversion.requested()}.")


def _versioned(attr: str, schema: dict, min_version, max_version, make_wrapper):
    """Stackable decorator: one schema per microversion range on one handler.

    The first decorator applied wraps the handler (``make_wrapper(func,
    choices)``); the others only add their ``(schema, min, max)`` to the
    handler's list of choices.
    """
    check_schema(schema)

    def decorator(func):
        choices = getattr(func, attr, None)
        target = func
        if choices is None:
            choices = []
            target = functools.wraps(func)(make_wrapper(func, choices))
            setattr(target, attr, choices)
        choices.append((schema, min_version, max_version))
        return target

    return decorator


def _argument(name: str, what: str, read, schema: dict, min_version, max_version):
    """Stackable decorator: the handler gets the keyword argument ``name``, ``read(schema, kwargs)`` with the
    schema of the request's microversion (``what`` the request names, in an error)."""

    def make_wrapper(func, choices):
        def wrapper(*args, **kwargs):
            value = read(_pick(choices, what), kwargs)
            return func(*args, **{name: value}, **kwargs)

        return wrapper

    return _versioned(f"_vmove_{name}_schemas", schema, min_version, max_version, make_wrapper)


def query_schema(schema: dict, min_version: str | None = None, max_version: str | None = None):
    """Validate the query string (against the schema matching the request's version)."""
    return _argument("query", "query", _read_query, schema, min_version, max_version)


def _read_query(chosen: dict, kwargs: dict) -> dict:
    query = _coerce_query(pecan.request.GET, chosen)
    validate(query, chosen, "query parameter")
    # pecan also passes the query as kwargs: replace them with typed values
    for key in list(kwargs):
        if key in pecan.request.GET:
            del kwargs[key]
    return query


def body_schema(schema: dict, min_version: str | None = None, max_version: str | None = None):
    """Parse and validate the JSON body; the handler gets it as ``body``."""
    return _argument("body", "request body", _read_body, schema, min_version, max_version)


def _read_body(chosen: dict, kwargs: dict):
    req = pecan.request
    ctype = (req.content_type or "").split(";")[0].strip()
    if req.body and ctype not in ("application/json", ""):
        raise exception.UnsupportedMediaType(content_type=ctype)
    try:
        body = json.loads(req.body or b"null")
    except ValueError as e:
        raise exception.Invalid(f"The request body is not valid JSON: {e}.") from e
    except RecursionError as e:
        raise exception.Invalid("The request body is nested too deeply to be a request of this API.") from e
    validate(body, chosen, "request body field")
    return body


def response_schema(schema: dict, min_version: str | None = None, max_version: str | None = None):
    """Check what the handler returns, as ``[api] response_validation`` says."""

    def make_wrapper(func, choices):
        def wrapper(*args, **kwargs):
            result = func(*args, **kwargs)
            mode = pecan.request.context["conf"].api.response_validation
            if mode == "ignore":
                return result
            chosen = _pick(choices, "response")
            errors = list(VALIDATOR(chosen).iter_errors(json.loads(json.dumps(result, default=str))))
            if errors:
                msg = f"Response of {pecan.request.path} breaks its schema: {errors[0].message}"
                if mode == "error":
                    raise exception.VmoveException(msg)
                LOG.warning(msg)
            return result

        return wrapper

    return _versioned("_vmove_response_schemas", schema, min_version, max_version, make_wrapper)


def prune(value, schema: dict):
    """``value`` without what ``schema`` does not allow: the properties of objects whose
    ``additionalProperties`` is false and that the schema does not name, at every depth."""
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        if schema.get("additionalProperties") is False:
            value = {k: v for k, v in value.items() if k in props}
        return {k: prune(v, props[k]) if k in props else v for k, v in value.items()}
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [prune(v, schema["items"]) for v in value]
    return value


def response_trim(schema: dict, min_version: str | None = None, max_version: str | None = None):
    """An older response: what the handler returns, trimmed to ``schema`` for requests of this range.

    A handler builds the latest view; the fields a later microversion added are dropped for older
    requests (no if-chain on versions in the views). Stack it under :func:`response_schema`.
    """

    def make_wrapper(func, choices):
        def wrapper(*args, **kwargs):
            result = func(*args, **kwargs)
            for chosen, low, high in choices:
                if microversion.matches(low, high):
                    return prune(result, chosen)
            return result

        return wrapper

    return _versioned("_vmove_trim_schemas", schema, min_version, max_version, make_wrapper)


@dataclasses.dataclass(frozen=True)
class Change:
    """A microversion at which handlers change their schemas: the old ones serve from ``first`` up to
    :attr:`before` (the version before ``since``, from the one list of versions), the new ones from ``since``
    on. Renumbering ``since`` moves both ends: no version is left without a schema.

    Each method is the pair of decorators of one kind, stacked where the two were; the controllers give
    the change and the pairs to their handler (:func:`vmove.api.controllers.v1.common.handler`)::

        @common.handler(CHANGE, response=(schemas.SHOW_RESPONSE_1_3, schemas.SHOW_RESPONSE_1_6))
    """

    first: str
    since: str
    #: an older request's answer is cut down to the old response schema (:func:`response_trim`: the handler
    #: builds the latest view)
    trim: bool = False

    @property
    def before(self) -> str:
        return microversion.VERSIONS[microversion.VERSIONS.index(self.since) - 1]

    def _pair(self, decorate, old: dict, new: dict):
        def decorator(func):
            func = decorate(new, min_version=self.since)(func)
            return decorate(old, min_version=self.first, max_version=self.before)(func)

        return decorator

    def responses(self, old: dict, new: dict):
        """``old`` and ``new`` response schemas; with :attr:`trim`, an older request's answer is also cut
        down to ``old``."""
        pair = self._pair(response_schema, old, new)
        if not self.trim:
            return pair
        return lambda func: pair(response_trim(old, max_version=self.before)(func))

    def queries(self, old: dict, new: dict):
        return self._pair(query_schema, old, new)

    def bodies(self, old: dict, new: dict):
        return self._pair(body_schema, old, new)
