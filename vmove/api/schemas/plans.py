"""Request and response schemas of /v1/plans and /v1/runs (microversion 1.4)."""

import copy

from vmove import vocabulary
from vmove.api.schemas import common
from vmove.api.schemas import moves as move_schemas

#: most items a plan may have (a run makes one move per item)
MAX_ITEMS = 5000
NAME = {"type": "string", "minLength": 1, "maxLength": 255}
LIMIT_VALUE = {"type": ["integer", "null"], "minimum": 1, "maximum": 100000}
TIME = {"type": ["string", "null"], "minLength": 1, "maxLength": 64}
RUN_STATUSES = list(vocabulary.RUN_STATUSES)
ITEM_STATUSES = ["planned", "approved", "started", "completed", "failed"]
REFUSAL_CODES = [
    "outside_window",
    "completed",
    "busy",
    "gone",
    "wrong_state",
    "no_mapping",
    "already_there",
    "dest_missing",
    "dest_disabled",
    "dest_down",
    "type_missing",
    "backend_missing",
    "no_capacity",
    "pinned",
    "flavor_missing",
    "smaller_disk",
    "invalid",
]


def _map(description):
    return {"type": "object", "description": description, "additionalProperties": NAME}


MAPPING = {
    "type": "object",
    "properties": {
        "hosts": _map('source compute host -> destination host, or "any" (Nova\'s scheduler picks)'),
        "volume_types": _map("volume type (name or id) -> volume type (for volume_retype and volume_swap)"),
        "backends": _map('Cinder backend "host@backend[#pool]" -> backend (for volume_migration)'),
    },
    "additionalProperties": False,
}

ITEM_IN = {
    "type": "object",
    "properties": {
        "resource_type": {"type": "string", "enum": ["instance", "volume"]},
        "resource_id": common.RESOURCE_ID,
        "type": {"type": "string", "minLength": 1, "maxLength": 32},
        "priority": {"type": "integer", "minimum": -1000000, "maximum": 1000000},
    },
    "required": ["resource_type", "resource_id", "type"],
    "additionalProperties": False,
}

LIMITS = {
    "type": "object",
    "properties": {
        "max_in_flight": LIMIT_VALUE,
        "per_source_host": LIMIT_VALUE,
        "per_dest_host": LIMIT_VALUE,
        "per_backend": LIMIT_VALUE,
    },
    "additionalProperties": False,
}

WINDOW = {
    "type": ["object", "null"],
    "properties": {"not_before": TIME, "not_after": TIME},
    "additionalProperties": False,
}

PLAN_FIELDS = {
    "name": NAME,
    "description": {"type": ["string", "null"], "maxLength": 65535},
    "mapping": MAPPING,
    "items": {"type": "array", "items": ITEM_IN, "maxItems": MAX_ITEMS},
    "limits": LIMITS,
    "window": WINDOW,
    "approval": {"type": "string", "enum": ["auto", "manual"]},
}

CREATE_BODY_1_4 = {
    "type": "object",
    "properties": {
        "plan": {
            "type": "object",
            "properties": copy.deepcopy(PLAN_FIELDS),
            "required": ["name"],
            "additionalProperties": False,
        }
    },
    "required": ["plan"],
    "additionalProperties": False,
}

UPDATE_BODY_1_4 = {
    "type": "object",
    "properties": {
        "plan": {
            "type": "object",
            "properties": copy.deepcopy(PLAN_FIELDS),
            "minProperties": 1,
            "additionalProperties": False,
        }
    },
    "required": ["plan"],
    "additionalProperties": False,
}

LIST_QUERY_1_4 = {
    "type": "object",
    "properties": {
        "name": NAME,
        "project_id": {"type": "string", "minLength": 1, "maxLength": 255},
        "sort_key": {"type": "string", "enum": ["created_at", "updated_at", "name"]},
        "sort_dir": common.SORT_DIR,
        "limit": common.LIMIT,
        "marker": common.UUID,
    },
    "additionalProperties": False,
}

EMPTY_QUERY = {"type": "object", "properties": {}, "additionalProperties": False}

ATTEMPT = {
    "type": "object",
    "properties": {
        "run": common.UUID,
        "move": common.UUID,
        "attempt": {"type": ["integer", "null"]},
        "status": common.NULLABLE_STRING,
    },
    "required": ["run", "move", "attempt", "status"],
    "additionalProperties": False,
}

ITEM_OUT = {
    "type": "object",
    "properties": {
        "uuid": common.UUID,
        "resource_type": {"type": "string"},
        "resource_id": {"type": "string"},
        "type": {"type": "string"},
        "priority": {"type": "integer"},
        "migration_status": {"type": "string", "enum": ITEM_STATUSES},
        "migration_message": common.NULLABLE_STRING,
        "attempts": {"type": "array", "items": ATTEMPT},
    },
    "additionalProperties": False,
}
ITEM_OUT["required"] = list(ITEM_OUT["properties"])

PLAN_OUT = {
    "type": "object",
    "properties": {
        "uuid": common.UUID,
        "name": {"type": "string"},
        "description": common.NULLABLE_STRING,
        "project_id": {"type": "string"},
        "user_id": common.NULLABLE_STRING,
        "mapping": {
            "type": "object",
            "properties": {k: {"type": "object"} for k in ("hosts", "volume_types", "backends")},
            "additionalProperties": False,
        },
        "limits": {"type": "object"},
        "window": {
            "type": "object",
            "properties": {"not_before": common.NULLABLE_TIMESTAMP, "not_after": common.NULLABLE_TIMESTAMP},
            "additionalProperties": False,
        },
        "approval": {"type": "string", "enum": ["auto", "manual"]},
        "item_count": {"type": "integer"},
        "items": {"type": "array", "items": ITEM_OUT},
        "created_at": {"type": "string"},
        "updated_at": {"type": "string"},
        "links": common.LINKS,
    },
    "additionalProperties": False,
}
PLAN_OUT["required"] = [k for k in PLAN_OUT["properties"] if k != "items"]

PLAN_RESPONSE_1_4 = {
    "type": "object",
    "properties": {"plan": PLAN_OUT},
    "required": ["plan"],
    "additionalProperties": False,
}

PLANS_RESPONSE_1_4 = {
    "type": "object",
    "properties": {"plans": {"type": "array", "items": PLAN_OUT}, "plans_links": common.LINKS},
    "required": ["plans"],
    "additionalProperties": False,
}

# -------------------------------------------------------------------- runs
ORDER_BODY_1_4 = {
    "type": ["object", "null"],
    "properties": {"dry_run": {"type": "boolean"}},
    "additionalProperties": False,
}

RUN_LIST_QUERY_1_4 = {
    "type": "object",
    "properties": {
        "plan_id": common.UUID,
        "status": {"type": "array", "items": {"type": "string", "enum": RUN_STATUSES}},
        "dry_run": {"type": "boolean"},
        "project_id": {"type": "string", "minLength": 1, "maxLength": 255},
        "sort_key": {"type": "string", "enum": ["created_at", "updated_at", "status"]},
        "sort_dir": common.SORT_DIR,
        "limit": common.LIMIT,
        "marker": common.UUID,
    },
    "additionalProperties": False,
}

VERDICT = {
    "type": "object",
    "properties": {
        "item_uuid": common.UUID,
        "resource_type": {"type": "string"},
        "resource_id": {"type": "string"},
        "resource_name": common.NULLABLE_STRING,
        "type": {"type": "string"},
        "priority": {"type": "integer"},
        "verdict": {"type": "string", "enum": ["ok", "refused"]},
        "code": {"type": ["string", "null"], "enum": REFUSAL_CODES + [None]},
        "reason": common.NULLABLE_STRING,
        "params": {"type": ["object", "null"]},
        "source": common.NULLABLE_STRING,
        "dest": common.NULLABLE_STRING,
        "move_uuid": {"type": ["string", "null"]},
        "attempt": {"type": ["integer", "null"]},
    },
    "additionalProperties": False,
}
VERDICT["required"] = list(VERDICT["properties"])

COUNTS = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}

RUN_OUT = {
    "type": "object",
    "properties": {
        "uuid": common.UUID,
        "plan_uuid": common.UUID,
        "plan_name": {"type": "string"},
        "project_id": {"type": "string"},
        "user_id": common.NULLABLE_STRING,
        "dry_run": {"type": "boolean"},
        "approval": {"type": "string", "enum": ["auto", "manual"]},
        "status": {"type": "string", "enum": RUN_STATUSES},
        "message": common.NULLABLE_STRING,
        "decided_by": common.NULLABLE_STRING,
        "decided_at": common.NULLABLE_TIMESTAMP,
        "counts": COUNTS,
        "progress": {"type": "integer", "minimum": 0, "maximum": 100},
        "created_at": {"type": "string"},
        "updated_at": {"type": "string"},
        "validated_at": common.NULLABLE_TIMESTAMP,
        "started_at": common.NULLABLE_TIMESTAMP,
        "finished_at": common.NULLABLE_TIMESTAMP,
        "items": {"type": "array", "items": VERDICT},
        "cancel": {"type": "object"},
        "links": common.LINKS,
    },
    "additionalProperties": False,
}
RUN_OUT["required"] = [k for k in RUN_OUT["properties"] if k not in ("items", "cancel")]

RUN_RESPONSE_1_4 = {
    "type": "object",
    "properties": {"run": RUN_OUT},
    "required": ["run"],
    "additionalProperties": False,
}

RUNS_RESPONSE_1_4 = {
    "type": "object",
    "properties": {"runs": {"type": "array", "items": RUN_OUT}, "runs_links": common.LINKS},
    "required": ["runs"],
    "additionalProperties": False,
}

RUN_MOVES_QUERY_1_4 = {
    "type": "object",
    "properties": {
        "status": move_schemas.LIST_QUERY_1_0["properties"]["status"],
        "sort_key": {"type": "string", "enum": move_schemas.SORT_KEYS},
        "sort_dir": common.SORT_DIR,
        "limit": common.LIMIT,
        "marker": common.UUID,
    },
    "additionalProperties": False,
}

RUN_MOVES_RESPONSE_1_4 = {
    "type": "object",
    "properties": {
        "run_uuid": common.UUID,
        "moves": {"type": "array", "items": move_schemas.MOVE_1_0},
        "moves_links": common.LINKS,
    },
    "required": ["run_uuid", "moves"],
    "additionalProperties": False,
}

RUN_ACTION_BODY_1_4 = {
    "type": "object",
    "properties": {
        "approve": {"type": "null"},
        "deny": {
            "type": ["object", "null"],
            "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 1024}},
            "additionalProperties": False,
        },
        "cancel": {"type": "null"},
    },
    "minProperties": 1,
    "maxProperties": 1,
    "additionalProperties": False,
}
