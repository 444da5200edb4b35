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

CREATE_BODY_1_3 = {
    "type": "object",
    "properties": {
        "notification": {
            "type": "object",
            "properties": {
                "type": {"type": "string", "enum": [lifecycle.COMPUTE_HOST]},
                "hostname": HOSTNAME,
                # ISO 8601, with or without a time zone (Masakari monitors send none): checked by the controller
                "generated_time": {"type": "string", "minLength": 1, "maxLength": 64},
                "payload": {
                    "type": "object",
                    "properties": {
                        "event": {"type": "string", "enum": [lifecycle.STOPPED, lifecycle.STARTED]},
                        "host_status": {"type": "string", "enum": ["NORMAL", "UNKNOWN"]},
                        "cluster_status": {"type": "string", "enum": ["ONLINE", "OFFLINE"]},
                    },
                    "required": ["event"],
                    "additionalProperties": False,
                },
            },
            "required": ["type", "hostname", "generated_time", "payload"],
            "additionalProperties": False,
        }
    },
    "required": ["notification"],
    "additionalProperties": False,
}

ACTION_BODY_1_3 = {
    "type": "object",
    "properties": {"restore": {"type": "null"}, "retry": {"type": "null"}},
    "minProperties": 1,
    "maxProperties": 1,
    "additionalProperties": False,
}

LIST_QUERY_1_3 = {
    "type": "object",
    "properties": {
        "status": {"type": "array", "items": {"type": "string", "enum": list(lifecycle.NOTIFICATION.states)}},
        "type": {"type": "array", "items": {"type": "string", "enum": [lifecycle.COMPUTE_HOST]}},
        "event": {
            "type": "array",
            "items": {"type": "string", "enum": [lifecycle.STOPPED, lifecycle.STARTED]},
        },
        "hostname": HOSTNAME,
        "generated-since": {"type": "string", "minLength": 1, "maxLength": 64},
        "sort_key": {
            "type": "string",
            "enum": ["created_at", "updated_at", "generated_time", "status", "type", "hostname"],
        },
        "sort_dir": common.SORT_DIR,
        "limit": common.LIMIT,
        "marker": common.UUID,
    },
    "additionalProperties": False,
}

SHOW_QUERY_1_3 = {"type": "object", "properties": {}, "additionalProperties": False}

VMOVES_QUERY_1_3 = {
    "type": "object",
    "properties": {
        "status": {"type": "array", "items": {"type": "string", "enum": MOVE_STATUSES}},
        "type": {"type": "array", "items": {"type": "string", "enum": VMOVE_TYPES}},
        "sort_key": {"type": "string", "enum": list(vocabulary.VMOVE_SORT_KEYS)},
        "sort_dir": common.SORT_DIR,
        "limit": common.LIMIT,
        # Masakari pages with the integer id; a vmove uuid works too
        "marker": {"type": "string", "pattern": r"^([0-9]+|[0-9a-fA-F-]{36})$"},
    },
    "additionalProperties": False,
}

_RESTORE = {
    "type": ["object", "null"],
    "properties": {
        "status": {"type": "string", "enum": list(lifecycle.RESTORE.states)},
        "progress": {"type": "integer", "minimum": 0, "maximum": 100},
        "attempt": {"type": "integer", "minimum": 0},
        "message": common.NULLABLE_STRING,
        "requested_at": common.NULLABLE_TIMESTAMP,
        "finished_at": common.NULLABLE_TIMESTAMP,
    },
    "additionalProperties": False,
}
_RESTORE["required"] = list(_RESTORE["properties"])

NOTIFICATION_1_3 = {
    "type": "object",
    "properties": {
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
    },
    "additionalProperties": False,
}
NOTIFICATION_1_3["required"] = list(NOTIFICATION_1_3["properties"])

NOTIFICATION_DETAIL_1_3 = {
    "type": "object",
    "properties": {
        **NOTIFICATION_1_3["properties"],
        # how the latest attempt of each instance's move stands
        "vmoves_summary": {
            "type": "object",
            "properties": {
                key: {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}
                for key in ("evacuation", "restore")
            },
            "required": ["evacuation", "restore"],
            "additionalProperties": False,
        },
    },
    "required": NOTIFICATION_1_3["required"] + ["vmoves_summary"],
    "additionalProperties": False,
}

SHOW_RESPONSE_1_3 = {
    "type": "object",
    "properties": {"notification": NOTIFICATION_DETAIL_1_3},
    "required": ["notification"],
    "additionalProperties": False,
}

CREATE_RESPONSE_1_3 = {
    "type": "object",
    "properties": {"notification": NOTIFICATION_1_3},
    "required": ["notification"],
    "additionalProperties": False,
}

LIST_RESPONSE_1_3 = {
    "type": "object",
    "properties": {
        "notifications": {"type": "array", "items": NOTIFICATION_1_3},
        "notifications_links": common.LINKS,
    },
    "required": ["notifications"],
    "additionalProperties": False,
}

VMOVE_1_3 = {
    "type": "object",
    "properties": {
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
    },
    "additionalProperties": False,
}
VMOVE_1_3["required"] = list(VMOVE_1_3["properties"])

VMOVES_RESPONSE_1_3 = {
    "type": "object",
    "properties": {"vmoves": {"type": "array", "items": VMOVE_1_3}, "vmoves_links": common.LINKS},
    "required": ["vmoves"],
    "additionalProperties": False,
}

VMOVE_RESPONSE_1_3 = {
    "type": "object",
    "properties": {"vmove": VMOVE_1_3},
    "required": ["vmove"],
    "additionalProperties": False,
}


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
_WORKFLOW_DETAIL = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "state": {"type": "string", "enum": WORKFLOW_STATES},
        "progress": {"type": "number", "minimum": 0, "maximum": 1},
        "progress_details": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "timestamp": {"type": "string"},
                    "message": {"type": "string"},
                    "progress": {"type": "number", "minimum": 0, "maximum": 1},
                },
                "required": ["timestamp", "message", "progress"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["name", "state", "progress", "progress_details"],
    "additionalProperties": False,
}


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


def _response(key: str, item: dict) -> dict:
    return {"type": "object", "properties": {key: item}, "required": [key], "additionalProperties": False}


def _list_response(key: str, item: dict) -> dict:
    return {
        "type": "object",
        "properties": {key: {"type": "array", "items": item}, f"{key}_links": common.LINKS},
        "required": [key],
        "additionalProperties": False,
    }


CREATE_RESPONSE_1_6 = _response("notification", NOTIFICATION_1_6)
SHOW_RESPONSE_1_6 = _response("notification", NOTIFICATION_DETAIL_1_6)
LIST_RESPONSE_1_6 = _list_response("notifications", NOTIFICATION_1_6)
VMOVE_RESPONSE_1_6 = _response("vmove", VMOVE_1_6)
VMOVES_RESPONSE_1_6 = _list_response("vmoves", VMOVE_1_6)
