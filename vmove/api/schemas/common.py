"""Schema pieces shared by every resource."""

UUID = {"type": "string", "format": "uuid"}
#: the id of an instance (Nova) or a volume (Cinder): a UUID
RESOURCE_ID = {"type": "string", "format": "uuid", "description": "The UUID of the instance or the volume."}
NULLABLE_STRING = {"type": ["string", "null"]}
TIMESTAMP = {"type": "string", "format": "date-time"}
NULLABLE_TIMESTAMP = {"type": ["string", "null"]}
SORT_DIR = {"type": "string", "enum": ["asc", "desc"]}
LIMIT = {"type": "integer", "minimum": 1}

LINKS = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"rel": {"type": "string"}, "href": {"type": "string"}},
        "required": ["rel", "href"],
        "additionalProperties": False,
    },
}


def closed(properties: dict, **more) -> dict:
    """An object with these ``properties`` and no other (``more``: other keywords, e.g. ``required``)."""
    return {"type": "object", "properties": properties, **more, "additionalProperties": False}


def record(properties: dict, **more) -> dict:
    """An object with these ``properties``, every one required, and no other: what a view answers."""
    return closed(properties, required=list(properties), **more)


def response(key: str, item: dict) -> dict:
    """``{key: item}``: the answer about one resource."""
    return closed({key: item}, required=[key])


def list_response(key: str, item: dict) -> dict:
    """``{key: [item, ...]}`` and, when the page is full, ``{key}_links`` with the next page's link."""
    return closed({key: {"type": "array", "items": item}, f"{key}_links": LINKS}, required=[key])


def page_query(properties: dict, sort_keys, marker: dict = UUID) -> dict:
    """The query of a page of a list: the filters in ``properties``, the sort (by one of ``sort_keys``), the
    page's size and where it starts."""
    sort_key = {"type": "string", "enum": list(sort_keys)}
    return closed({**properties, "sort_key": sort_key, "sort_dir": SORT_DIR, "limit": LIMIT, "marker": marker})


#: the query of a handler that takes no parameters
EMPTY_QUERY = closed({})
