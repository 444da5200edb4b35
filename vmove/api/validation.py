"""JSON-schema validation of query strings, bodies and responses.

Schemas are attached to handlers with decorators; a decorator may carry a
microversion range, so one handler can have a schema per version::

    @validation.query_schema(schemas.LIST_QUERY_1_0, min_version="1.0")
    def get_all(self, **query): ...

The validated (and type-coerced) query is passed to the handler as keyword
arguments; a body is passed as ``body``.
"""

import functools
import json
import logging

import jsonschema
import pecan

from vmove import exception
from vmove.api import microversion

LOG = logging.getLogger(__name__)

_VALIDATOR = jsonschema.Draft202012Validator


def check_schema(schema: dict) -> dict:
    """Refuse a malformed schema at import (misspelt keywords included)."""
    _VALIDATOR.check_schema(schema)
    _check_keywords(schema)
    return schema


_KNOWN = set(_VALIDATOR.META_SCHEMA.get("properties", {})) | {
    "type",
    "properties",
    "items",
    "enum",
    "const",
    "required",
    "additionalProperties",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "oneOf",
    "anyOf",
    "allOf",
    "not",
    "minItems",
    "maxItems",
    "uniqueItems",
    "description",
    "default",
    "minProperties",
    "maxProperties",
    "patternProperties",
    "$defs",
    "$ref",
    "title",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "dependentRequired",
    "if",
    "then",
    "else",
    "x-array",
}


def _check_keywords(schema, path="") -> None:
    """jsonschema ignores unknown keywords (Watcher's ``minlength``): we do not."""
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key not in _KNOWN:
                raise ValueError(f"unknown JSON-schema keyword {key!r} at {path or '/'}")
            if key in ("properties", "patternProperties", "$defs"):
                for name, sub in value.items():
                    _check_keywords(sub, f"{path}/{key}/{name}")
            elif key in ("items", "not", "if", "then", "else", "additionalProperties"):
                _check_keywords(value, f"{path}/{key}")
            elif key in ("oneOf", "anyOf", "allOf"):
                for i, sub in enumerate(value):
                    _check_keywords(sub, f"{path}/{key}/{i}")


def _message(error: jsonschema.ValidationError, where: str) -> str:
    field = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        names = ", ".join(repr(e) for e in extra)
        return f"Unknown {where} {names}."
    if error.validator == "required":
        return f"Invalid {where}: {error.message}."
    if error.validator == "enum":
        allowed = ", ".join(str(v) for v in error.validator_value)
        return f"Invalid {where} {field!r}: {error.instance!r} is not one of: {allowed}."
    if error.validator == "format" and error.validator_value == "uuid":
        return f"Invalid {where} {field!r}: {error.instance!r} is not a UUID."
    if field:
        return f"Invalid {where} {field!r}: {error.message}."
    return f"Invalid {where}: {error.message}."


def validate(instance, schema: dict, where: str) -> None:
    validator = _VALIDATOR(schema, format_checker=_VALIDATOR.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(instance), key=lambda e: (list(e.absolute_path), e.message))
    if errors:
        # the most specific error first: the one deepest in the document
        best = jsonschema.exceptions.best_match(errors)
        raise exception.Invalid(_message(best, where))


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


def query_schema(schema: dict, min_version: str | None = None, max_version: str | None = None):
    """Validate the query string (against the schema matching the request's version)."""

    def make_wrapper(func, choices):
        def wrapper(*args, **kwargs):
            chosen = _pick(choices, "query")
            query = _coerce_query(pecan.request.GET, chosen)
            validate(query, chosen, "query parameter")
            # pecan also passes the query as kwargs: replace them with typed values
            for key in list(kwargs):
                if key in pecan.request.GET:
                    del kwargs[key]
            return func(*args, query=query, **kwargs)

        return wrapper

    return _versioned("_vmove_query_schemas", schema, min_version, max_version, make_wrapper)


def body_schema(schema: dict, min_version: str | None = None, max_version: str | None = None):
    """Parse and validate the JSON body; the handler gets it as ``body``."""

    def make_wrapper(func, choices):
        def wrapper(*args, **kwargs):
            chosen = _pick(choices, "request body")
            req = pecan.request
            ctype = (req.content_type or "").split(";")[0].strip()
            if req.body and ctype not in ("application/json", ""):
                raise exception.UnsupportedMediaType(content_type=ctype)
            try:
                body = json.loads(req.body or b"null")
            except ValueError as e:
                raise exception.Invalid(f"The request body is not valid JSON: {e}.") from e
            validate(body, chosen, "request body field")
            return func(*args, body=body, **kwargs)

        return wrapper

    return _versioned("_vmove_body_schemas", schema, min_version, max_version, make_wrapper)


def response_schema(schema: dict, min_version: str | None = None, max_version: str | None = None):
    """Check what the handler returns, as ``[api] response_validation`` says."""

    def make_wrapper(func, choices):
        def wrapper(*args, **kwargs):
            result = func(*args, **kwargs)
            mode = pecan.request.context["conf"].api.response_validation
            if mode == "ignore":
                return result
            chosen = _pick(choices, "response")
            errors = list(_VALIDATOR(chosen).iter_errors(json.loads(json.dumps(result, default=str))))
            if errors:
                msg = f"Response of {pecan.request.path} breaks its schema: {errors[0].message}"
                if mode == "error":
                    raise exception.VmoveException(msg)
                LOG.warning(msg)
            return result

        return wrapper

    return _versioned("_vmove_response_schemas", schema, min_version, max_version, make_wrapper)
