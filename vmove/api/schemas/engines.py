"""Schemas of /v1/engines (from microversion 1.1)."""

from vmove.api.schemas import common

LIST_QUERY_1_1 = common.EMPTY_QUERY

ENGINE_1_1 = common.record(
    {
        "id": common.UUID,
        "host": {"type": "string"},
        "topic": {"type": "string"},
        "pid": {"type": ["integer", "null"]},
        "version": common.NULLABLE_STRING,
        "state": {"type": "string", "enum": ["up", "down", "stopped"]},
        "started_at": {"type": "string"},
        "last_heartbeat": {"type": "string"},
        "stopped_at": common.NULLABLE_TIMESTAMP,
    }
)

LIST_RESPONSE_1_1 = common.closed({"engines": {"type": "array", "items": ENGINE_1_1}}, required=["engines"])
