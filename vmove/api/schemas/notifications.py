"""Request and response schemas of /v1/notifications and their vmoves (microversions 1.3 and 1.6).

The request body is Masakari's (``masakari/api/openstack/ha/schemas``) for
a COMPUTE_HOST notification; the vmoves answer in Masakari's vmove shape
(``vmoves`` / ``vmove`` keys and field names) plus vmove's own fields.
From 1.6 (the version Masakari's clients are served at, see
``specs/masakari-compatibility.rst``) the answers carry the Masakari fields
its clients read too, and the lists take Masakari's repeated sort keys.
"""

from vmove import vocabulary
from vmove.api.schemas import common
from vmove.moves import states
from vmove.recovery import lifecycle

MOVE_STATUSES = list(states.STATUSES)
# Masakari's vmove types, plus our name of a cold migration
VMOVE_TYPES = list(vocabulary.VMOVE_TYPES)
HOSTNAME = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"^\S+$"}

_PAYLOAD = common.closed(
    {
        "event": {"type": "string", "enum": [lifecycle.STOPPED, lifecycle.STARTED]},
        "host_status": {"type": "string", "enum": ["NORMAL", "UNKNOWN"]},
        "cluster_status": {"type": "string", "enum": ["ONLINE", "OFFLINE"]},
    },
    required=["event"],
)
_NOTIFICATION_IN = {
    "type": {"type": "string", "enum": [lifecycle.COMPUTE_HOST]},
    "hostname": HOSTNAME,
    # ISO 8601, with or without a time zone (Masakari monitors send none): checked by the controller
    "generated_time": {"type": "string", "minLength": 1, "maxLength": 64},
    "payload": _PAYLOAD,
}
CREATE_BODY_1_3 = common.response("notification", common.record(_NOTIFICATION_IN))

ACTION_BODY_1_3 = common.closed(
    {"restore": {"type": "null"}, "retry": {"type": "null"}}, minProperties=1, maxProperties=1
)

LIST_QUERY_1_3 = common.page_query(
    {
        "status": {"type": "array", "items": {"type": "string", "enum": list(lifecycle.NOTIFICATION.states)}},
        "type": {"type": "array", "items": {"type": "string", "enum": [lifecycle.COMPUTE_HOST]}},
        "event": {"type": "array", "items": {"type": "string", "enum": [lifecycle.STOPPED, lifecycle.STARTED]}},
        "hostname": HOSTNAME,
        "generated-since": {"type": "string", "minLength": 1, "maxLength": 64},
    },
    ["created_at", "updated_at", "generated_time", "status", "type", "hostname"],
)

SHOW_QUERY_1_3 = common.EMPTY_QUERY

VMOVES_QUERY_1_3 = common.page_query(
    {
        "status": {"type": "array", "items": {"type": "string", "enum": MOVE_STATUSES}},
        "type": {"type": "array", "items": {"type": "string", "enum": VMOVE_TYPES}},
    },
    vocabulary.VMOVE_SORT_KEYS,
    # Masakari pages with the integer id; a vmove uuid works too
    marker={"type": "string", "pattern": r"^([0-9]+|[0-9a-fA-F-]{36})$"},
)

_RESTORE = common.record(
    {
        "status": {"type": "string", "enum": list(lifecycle.RESTORE.states)},
        "progress": {"type": "integer", "minimum": 0, "maximum": 100},
        "attempt": {"type": "integer", "minimum": 0},
        "message": common.NULLABLE_STRING,
        "requested_at": common.NULLABLE_TIMESTAMP,
        "finished_at": common.NULLABLE_TIMESTAMP,
    },
    type=["object", "null"],
)

NOTIFICATION_1_3 = common.record(
    {
        "id": {"type": "integer"},
        "notification_uuid": common.UUID,
        "uuid": common.UUID,
        "type": {"type": "string"},
        "hostname": {"type": "string"},
        "generated_time": {"type": "string"},
        "payload": {"type": "object"},
        "status": {"type": "string", "enum": list(lifecycle.NOTIFICATION.states)},
        "progress": {"type": "integer", "minimum": 0, "maximum": 100},
        "message": common.NULLABLE_STRING,
        "attempt": {"type": "integer", "minimum": 1},
        "related_notification_uuid": {"type": ["string", "null"]},
        "restore": _RESTORE,
        "created_at": {"type": "string"},
        "updated_at": {"type": "string"},
        "finished_at": common.NULLABLE_TIMESTAMP,
        "links": common.LINKS,
    }
)

NOTIFICATION_DETAIL_1_3 = common.record(
    {
        **NOTIFICATION_1_3["properties"],
        # how the latest attempt of each instance's move stands
        "vmoves_summary": common.record(
            {
                key: {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}
                for key in ("evacuation", "restore")
            }
        ),
    }
)

SHOW_RESPONSE_1_3 = common.response("notification", NOTIFICATION_DETAIL_1_3)
CREATE_RESPONSE_1_3 = common.response("notification", NOTIFICATION_1_3)
LIST_RESPONSE_1_3 = common.list_response("notifications", NOTIFICATION_1_3)

VMOVE_1_3 = common.record(
    {
        # Masakari's fields
        "id": {"type": "integer"},
        "uuid": common.UUID,
        "notification_uuid": common.UUID,
        "instance_uuid": {"type": "string"},
        "instance_name": common.NULLABLE_STRING,
        "source_host": common.NULLABLE_STRING,
        "dest_host": common.NULLABLE_STRING,
        "start_time": common.NULLABLE_TIMESTAMP,
        "end_time": common.NULLABLE_TIMESTAMP,
        "type": {"type": "string"},
        "status": {"type": "string", "enum": MOVE_STATUSES},
        "message": common.NULLABLE_STRING,
        "created_at": {"type": "string"},
        "updated_at": {"type": "string"},
        # vmove's
        "phase": {"type": "string"},
        "priority": {"type": "integer"},
        "attempt": {"type": "integer", "minimum": 1},
        "progress": {"type": "integer", "minimum": 0, "maximum": 100},
        "origin": {"type": "string"},
        "links": common.LINKS,
    }
)

VMOVES_RESPONSE_1_3 = common.list_response("vmoves", VMOVE_1_3)
VMOVE_RESPONSE_1_3 = common.response("vmove", VMOVE_1_3)


# --- 1.6: the Masakari drop-in -------------------------------------------------------------------------
def _sorted_by_several(query: dict) -> dict:
    """``query`` taking Masakari's sort parameters: ``sort_key``/``sort_dir`` repeated (the first one sorts)."""
    props = dict(query["properties"])
    props["sort_key"] = {"type": "array", "items": props["sort_key"], "minItems": 1, "maxItems": 8}
    props["sort_dir"] = {"type": "array", "items": common.SORT_DIR, "minItems": 1, "maxItems": 8}
    return dict(query, properties=props)


LIST_QUERY_1_6 = _sorted_by_several(LIST_QUERY_1_3)
LIST_QUERY_1_6["properties"]["source_host_uuid"] = common.UUID
VMOVES_QUERY_1_6 = _sorted_by_several(VMOVES_QUERY_1_3)

# what Masakari's GET /notifications/{id} adds at its 1.1 (taskflow's task states)
WORKFLOW_STATES = ["PENDING", "RUNNING", "SUCCESS", "FAILURE", "IGNORE"]
_PROGRESS = {"type": "number", "minimum": 0, "maximum": 1}
_WORKFLOW_DETAIL = common.record(
    {
        "name": {"type": "string"},
        "state": {"type": "string", "enum": WORKFLOW_STATES},
        "progress": _PROGRESS,
        "progress_details": {
            "type": "array",
            "items": common.record(
                {"timestamp": {"type": "string"}, "message": {"type": "string"}, "progress": _PROGRESS}
            ),
        },
    }
)


def _with(schema: dict, **props) -> dict:
    """``schema`` with more properties, all required."""
    return dict(schema, properties={**schema["properties"], **props}, required=schema["required"] + list(props))


NOTIFICATION_1_6 = _with(NOTIFICATION_1_3, source_host_uuid=common.UUID)
NOTIFICATION_DETAIL_1_6 = _with(
    NOTIFICATION_DETAIL_1_3,
    source_host_uuid=common.UUID,
    recovery_workflow_details={"type": "array", "items": _WORKFLOW_DETAIL},
)
VMOVE_1_6 = _with(VMOVE_1_3, deleted={"type": "boolean"}, deleted_at=common.NULLABLE_TIMESTAMP)


CREATE_RESPONSE_1_6 = common.response("notification", NOTIFICATION_1_6)
SHOW_RESPONSE_1_6 = common.response("notification", NOTIFICATION_DETAIL_1_6)
LIST_RESPONSE_1_6 = common.list_response("notifications", NOTIFICATION_1_6)
VMOVE_RESPONSE_1_6 = common.response("vmove", VMOVE_1_6)
VMOVES_RESPONSE_1_6 = common.list_response("vmoves", VMOVE_1_6)
