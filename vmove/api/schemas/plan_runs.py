"""Schemas of /v1/plans and /v1/runs from :data:`VERSION` on: drains, cold fallback, recurring
windows, flavor mapping (resize items), per-item approval, estimates, run events.

Built from the 1.4 schemas (:mod:`vmove.api.schemas.plans`), which older
requests keep: a 1.4 response is the latest one trimmed to its schema
(:func:`vmove.api.validation.response_trim`).
"""

import copy

from vmove.api.schemas import common
from vmove.api.schemas import plans as v1_4

#: the microversion that brings all of this (the one place its number is written, besides VERSIONS)
VERSION = "1.5"
#: the last version of the 1.4 shapes
BEFORE = "1.4"

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
NAME = v1_4.NAME
PRIORITY = {"type": "integer", "minimum": -1000000, "maximum": 1000000}
#: HH:MM or HH:MM:SS, checked by vmove.plans.windows (which says what is wrong in words)
TIME_OF_DAY = {"type": "string", "minLength": 1, "maxLength": 8}

METADATA = {"type": "string", "minLength": 1, "maxLength": 511}
DRAIN_HOST = common.closed(
    {"host": NAME, "project_id": v1_4.PROJECT_ID, "metadata": METADATA, "flavor": NAME, "priority": PRIORITY},
    required=["host"],
)
DRAIN_BACKEND = common.closed(
    {"backend": NAME, "project_id": v1_4.PROJECT_ID, "metadata": METADATA, "priority": PRIORITY},
    required=["backend"],
)
DRAINS = common.closed(
    {
        "hosts": {"type": "array", "items": DRAIN_HOST, "maxItems": 100},
        "backends": {"type": "array", "items": DRAIN_BACKEND, "maxItems": 100},
    },
    type=["object", "null"],
)
PERIOD = common.record({"start": TIME_OF_DAY, "end": TIME_OF_DAY})
RECURRING = common.closed(
    {
        "timezone": {"type": "string", "minLength": 1, "maxLength": 64},
        "days": {"type": "array", "items": {"type": "string", "enum": DAYS}, "minItems": 1, "uniqueItems": True},
        "periods": {"type": "array", "minItems": 1, "maxItems": 48, "items": PERIOD},
    },
    type=["object", "null"],
    required=["periods"],
)

MAPPING = copy.deepcopy(v1_4.MAPPING)
MAPPING["properties"]["flavors"] = v1_4._map("flavor (name) -> flavor (name or ID), for resize items")
WINDOW = copy.deepcopy(v1_4.WINDOW)
WINDOW["properties"]["recurring"] = RECURRING

PLAN_FIELDS = dict(
    copy.deepcopy(v1_4.PLAN_FIELDS), mapping=MAPPING, window=WINDOW, drains=DRAINS, cold_fallback={"type": "boolean"}
)


CREATE_BODY = v1_4.plan_body(PLAN_FIELDS, required=["name"])
UPDATE_BODY = v1_4.plan_body(PLAN_FIELDS, minProperties=1)

PLAN_OUT = copy.deepcopy(v1_4.PLAN_OUT)
PLAN_OUT["properties"].update(drains={"type": "object"}, cold_fallback={"type": "boolean"})
PLAN_OUT["properties"]["mapping"]["properties"]["flavors"] = {"type": "object"}
PLAN_OUT["properties"]["window"]["properties"]["recurring"] = {"type": ["object", "null"]}
PLAN_OUT["required"] = [k for k in PLAN_OUT["properties"] if k != "items"]
PLAN_RESPONSE = common.response("plan", PLAN_OUT)
PLANS_RESPONSE = common.list_response("plans", PLAN_OUT)

# -------------------------------------------------------------------- runs
EVENT = common.record(
    {
        "at": {"type": "string"},
        "event": {"type": "string"},
        "item_uuid": {"type": ["string", "null"]},
        "user_id": common.NULLABLE_STRING,
        "message": common.NULLABLE_STRING,
        "detail": {"type": ["object", "null"]},
    }
)

VERDICT = copy.deepcopy(v1_4.VERDICT)
VERDICT["properties"].update(
    selector=common.NULLABLE_STRING,
    decision={"type": ["string", "null"], "enum": ["approved", "denied", None]},
    decided_by=common.NULLABLE_STRING,
    decided_at=common.NULLABLE_TIMESTAMP,
    history={"type": "array", "items": EVENT},
)
VERDICT["required"] = list(VERDICT["properties"])

ESTIMATE = common.closed(
    {
        "seconds": {"type": "number"},
        "moves": {"type": "integer"},
        "starts_at": {"type": "string"},
        "ends_at": {"type": "string"},
        "windows": {"type": ["integer", "null"]},
        "summary": {"type": "string"},
        "basis": {"type": "array", "items": {"type": "object"}},
    },
    type=["object", "null"],
)

RUN_OUT = copy.deepcopy(v1_4.RUN_OUT)
RUN_OUT["properties"].update(estimate=ESTIMATE, items={"type": "array", "items": VERDICT})
RUN_OUT["required"] = [k for k in RUN_OUT["properties"] if k not in ("items", "cancel")]
RUN_RESPONSE = common.response("run", RUN_OUT)
RUNS_RESPONSE = common.list_response("runs", RUN_OUT)

ITEM_REFS = {
    "type": "array",
    "items": {"type": "string", "minLength": 1, "maxLength": 255},
    "minItems": 1,
    "maxItems": v1_4.MAX_ITEMS,
    "uniqueItems": True,
}
RUN_ACTION_BODY = copy.deepcopy(v1_4.RUN_ACTION_BODY_1_4)
RUN_ACTION_BODY["properties"].update(
    approve=common.closed({"items": ITEM_REFS}, type=["object", "null"]),
    deny=common.closed({"reason": v1_4.REASON, "items": ITEM_REFS}, type=["object", "null"]),
)

EVENTS_QUERY = common.closed({"item": {"type": "string", "minLength": 1, "maxLength": 255}})
EVENTS_RESPONSE = common.record({"run_uuid": common.UUID, "events": {"type": "array", "items": EVENT}})
