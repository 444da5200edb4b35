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


MAPPING = common.closed(
    {
        "hosts": _map('source compute host -> destination host, or "any" (Nova\'s scheduler picks)'),
        "volume_types": _map("volume type (name or id) -> volume type (for volume_retype and volume_swap)"),
        "backends": _map('Cinder backend "host@backend[#pool]" -> backend (for volume_migration)'),
    }
)

ITEM_IN = common.closed(
    {
        "resource_type": {"type": "string", "enum": ["instance", "volume"]},
        "resource_id": common.RESOURCE_ID,
        "type": {"type": "string", "minLength": 1, "maxLength": 32},
        "priority": {"type": "integer", "minimum": -1000000, "maximum": 1000000},
    },
    required=["resource_type", "resource_id", "type"],
)

LIMITS = common.closed(dict.fromkeys(("max_in_flight", "per_source_host", "per_dest_host", "per_backend"), LIMIT_VALUE))

WINDOW = common.closed({"not_before": TIME, "not_after": TIME}, type=["object", "null"])

PLAN_FIELDS = {
    "name": NAME,
    "description": {"type": ["string", "null"], "maxLength": 65535},
    "mapping": MAPPING,
    "items": {"type": "array", "items": ITEM_IN, "maxItems": MAX_ITEMS},
    "limits": LIMITS,
    "window": WINDOW,
    "approval": {"type": "string", "enum": ["auto", "manual"]},
}


def plan_body(fields: dict, **plan) -> dict:
    """``{"plan": {...}}`` of these ``fields`` (``plan``: what else the plan's schema says)."""
    return common.response("plan", common.closed(copy.deepcopy(fields), **plan))


CREATE_BODY_1_4 = plan_body(PLAN_FIELDS, required=["name"])
UPDATE_BODY_1_4 = plan_body(PLAN_FIELDS, minProperties=1)

#: a project's id, as a filter
PROJECT_ID = {"type": "string", "minLength": 1, "maxLength": 255}
LIST_QUERY_1_4 = common.page_query({"name": NAME, "project_id": PROJECT_ID}, ["created_at", "updated_at", "name"])

EMPTY_QUERY = common.EMPTY_QUERY

ATTEMPT = common.record(
    {
        "run": common.UUID,
        "move": common.UUID,
        "attempt": {"type": ["integer", "null"]},
        "status": common.NULLABLE_STRING,
    }
)

ITEM_OUT = common.closed(
    {
        "uuid": common.UUID,
        "resource_type": {"type": "string"},
        "resource_id": {"type": "string"},
        "type": {"type": "string"},
        "priority": {"type": "integer"},
        "migration_status": {"type": "string", "enum": ITEM_STATUSES},
        "migration_message": common.NULLABLE_STRING,
        "attempts": {"type": "array", "items": ATTEMPT},
    }
)
ITEM_OUT["required"] = list(ITEM_OUT["properties"])

PLAN_OUT = common.closed(
    {
        "uuid": common.UUID,
        "name": {"type": "string"},
        "description": common.NULLABLE_STRING,
        "project_id": {"type": "string"},
        "user_id": common.NULLABLE_STRING,
        "mapping": common.closed({k: {"type": "object"} for k in ("hosts", "volume_types", "backends")}),
        "limits": {"type": "object"},
        "window": common.closed({"not_before": common.NULLABLE_TIMESTAMP, "not_after": common.NULLABLE_TIMESTAMP}),
        "approval": {"type": "string", "enum": ["auto", "manual"]},
        "item_count": {"type": "integer"},
        "items": {"type": "array", "items": ITEM_OUT},
        "created_at": {"type": "string"},
        "updated_at": {"type": "string"},
        "links": common.LINKS,
    }
)
PLAN_OUT["required"] = [k for k in PLAN_OUT["properties"] if k != "items"]

PLAN_RESPONSE_1_4 = common.response("plan", PLAN_OUT)
PLANS_RESPONSE_1_4 = common.list_response("plans", PLAN_OUT)

# -------------------------------------------------------------------- runs
ORDER_BODY_1_4 = common.closed({"dry_run": {"type": "boolean"}}, type=["object", "null"])

RUN_LIST_QUERY_1_4 = common.page_query(
    {
        "plan_id": common.UUID,
        "status": {"type": "array", "items": {"type": "string", "enum": RUN_STATUSES}},
        "dry_run": {"type": "boolean"},
        "project_id": PROJECT_ID,
    },
    ["created_at", "updated_at", "status"],
)

VERDICT = common.record(
    {
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
    }
)

COUNTS = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}

RUN_OUT = common.closed(
    {
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
    }
)
RUN_OUT["required"] = [k for k in RUN_OUT["properties"] if k not in ("items", "cancel")]

RUN_RESPONSE_1_4 = common.response("run", RUN_OUT)
RUNS_RESPONSE_1_4 = common.list_response("runs", RUN_OUT)

RUN_MOVES_QUERY_1_4 = common.page_query(
    {"status": move_schemas.LIST_QUERY_1_0["properties"]["status"]}, move_schemas.SORT_KEYS
)

RUN_MOVES_RESPONSE_1_4 = common.closed(
    {"run_uuid": common.UUID, **move_schemas.LIST_RESPONSE_1_0["properties"]}, required=["run_uuid", "moves"]
)

#: why a run is denied
REASON = {"type": "string", "minLength": 1, "maxLength": 1024}
RUN_ACTION_BODY_1_4 = common.closed(
    {
        "approve": {"type": "null"},
        "deny": common.closed({"reason": REASON}, type=["object", "null"]),
        "cancel": {"type": "null"},
    },
    minProperties=1,
    maxProperties=1,
)
