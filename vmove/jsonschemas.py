"""JSON-schema checks shared by the API (requests, responses) and the move actions (their parameters).

Schemas are checked when they are declared (:func:`check_schema`): jsonschema
ignores unknown keywords, so a misspelt one (Watcher's ``minlength``) would
let bad input through silently; here it fails at import. :func:`validate`
raises :class:`~vmove.exception.Invalid` with a message a person can act on.
"""

import jsonschema

from vmove import exception

VALIDATOR = jsonschema.Draft202012Validator


def check_schema(schema: dict) -> dict:
    """Refuse a malformed schema at import (misspelt keywords included)."""
    VALIDATOR.check_schema(schema)
    _check_keywords(schema)
    return schema


_KNOWN = set(VALIDATOR.META_SCHEMA.get("properties", {})) | {
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


_VALIDATORS: dict = {}


def _validator(schema: dict):
    """The validator of ``schema``, made once: schemas are module constants, and making a validator costs
    more than most validations (a fresh one per request was a quarter of a POST's time)."""
    found = _VALIDATORS.get(id(schema))
    if found is None or found[0] is not schema:
        found = (schema, VALIDATOR(schema, format_checker=VALIDATOR.FORMAT_CHECKER))
        if len(_VALIDATORS) > 1000:  # schemas made on the fly: do not grow without end
            _VALIDATORS.clear()
        _VALIDATORS[id(schema)] = found
    return found[1]


def validate(instance, schema: dict, where: str) -> None:
    validator = _validator(schema)
    errors = sorted(validator.iter_errors(instance), key=lambda e: (list(e.absolute_path), e.message))
    if errors:
        # the most specific error first: the one deepest in the document
        best = jsonschema.exceptions.best_match(errors)
        raise exception.Invalid(_message(best, where))
