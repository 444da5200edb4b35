"""Request and response schemas of /v1/moves, per microversion."""

import copy

from vmove import vocabulary
from vmove.api.schemas import common
from vmove.moves import states
from vmove.objects import fields

STATUSES = list(states.STATUSES)
SORT_KEYS = list(vocabulary.MOVE_SORT_KEYS)

LIST_QUERY_1_0 = common.page_query(
    {
        "status": {"type": "array", "items": {"type": "string", "enum": STATUSES}},
        "type": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 32}},
        "resource_type": {"type": "string", "enum": list(fields.ResourceType.ALL)},
        "resource_id": {"type": "string", "minLength": 1, "maxLength": 255},
        "host": {"type": "string", "minLength": 1, "maxLength": 255},
        "origin": {"type": "string", "minLength": 1, "maxLength": 64},
        "project_id": {"type": "string", "minLength": 1, "maxLength": 255},
        "changes-since": {"type": "string", "minLength": 1},
    },
    SORT_KEYS,
)

SHOW_QUERY_1_0 = common.EMPTY_QUERY

MOVE_1_0 = common.record(
    {
        "uuid": common.UUID,
        "resource_type": {"type": "string", "enum": list(fields.ResourceType.ALL)},
        "resource_id": {"type": "string"},
        "resource_name": common.NULLABLE_STRING,
        "type": {"type": "string"},
        "status": {"type": "string", "enum": STATUSES},
        "phase": {"type": "string"},
        "source_host": common.NULLABLE_STRING,
        "dest_host": common.NULLABLE_STRING,
        "source_backend": common.NULLABLE_STRING,
        "dest_backend": common.NULLABLE_STRING,
        "source_type": common.NULLABLE_STRING,
        "dest_type": common.NULLABLE_STRING,
        "params": {"type": ["object", "null"]},
        "priority": {"type": "integer"},
        "attempt": {"type": "integer", "minimum": 1},
        "progress": {"type": "integer", "minimum": 0, "maximum": 100},
        "start_time": common.NULLABLE_TIMESTAMP,
        "end_time": common.NULLABLE_TIMESTAMP,
        "message": common.NULLABLE_STRING,
        "project_id": {"type": "string"},
        "user_id": common.NULLABLE_STRING,
        "origin": {"type": "string"},
        "created_at": {"type": "string"},
        "updated_at": {"type": "string"},
        "links": common.LINKS,
    }
)

SHOW_RESPONSE_1_0 = common.response("move", MOVE_1_0)
LIST_RESPONSE_1_0 = common.list_response("moves", MOVE_1_0)

EVENT_1_0 = common.record(
    {
        "id": {"type": "integer"},
        "at": {"type": "string"},
        "from_phase": common.NULLABLE_STRING,
        "to_phase": {"type": "string"},
        "from_status": {"type": ["string", "null"], "enum": STATUSES + [None]},
        "status": {"type": "string", "enum": STATUSES},
        "attempt": {"type": "integer"},
        "message": common.NULLABLE_STRING,
        "detail": {"type": ["object", "null"]},
    }
)

EVENTS_RESPONSE_1_0 = common.closed(
    {"move_uuid": common.UUID, "events": {"type": "array", "items": copy.deepcopy(EVENT_1_0)}},
    required=["move_uuid", "events"],
)

INSTANCE_TYPES = list(vocabulary.INSTANCE_MOVE_TYPES)
VOLUME_TYPES = list(vocabulary.VOLUME_MOVE_TYPES)

CREATE_BODY_1_2 = common.response(
    "move",
    common.closed(
        {
            "resource_type": {"type": "string", "enum": list(fields.ResourceType.ALL)},
            "resource_id": common.RESOURCE_ID,
            "type": {"type": "string", "minLength": 1, "maxLength": 32},
            "priority": {"type": "integer", "minimum": -1000000, "maximum": 1000000},
            "params": {"type": "object"},
        },
        required=["resource_type", "resource_id", "type"],
    ),
)

ACTION_BODY_1_2 = common.closed({"cancel": {"type": "null"}}, minProperties=1, maxProperties=1)
