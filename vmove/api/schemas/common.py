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
