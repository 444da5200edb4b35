"""``/v1/plans`` (microversion 1.4): migration plans, and ordering their runs.

A plan says what to move (items: instances and volumes, each with a move
type and a priority; from 1.5 also drains: every instance on a host, every
volume on a backend, found when a run is validated) and where (the mapping;
from 1.5 also flavors, for resize items), how many at once (limits) and when
(the window, UTC; from 1.5 also a recurring window in a time zone).
``mapping``, ``limits``, ``window``, ``drains`` and ``items`` are each replaced
as a whole by a PATCH; the items (and drains) of a plan with a run in progress
cannot be replaced, nor the plan deleted (409 saying which run).
"""

from oslo_utils import uuidutils
import pecan
from pecan import rest

from vmove import exception, policy
from vmove.actions import registry
from vmove.api.controllers import links
from vmove.api.controllers.v1 import common
from vmove.api.controllers.v1 import runs as runs_ctl
from vmove.api.schemas import plan_runs as latest
from vmove.api.schemas import plans as schemas
from vmove.plans import lifecycle, queries, service, windows

LIMIT_KEYS = ("max_in_flight", "per_source_host", "per_dest_host", "per_backend")
MAPPING_KEYS = ("hosts", "volume_types", "backends", "flavors")
#: the schemas of 1.4, then the latest ones (the runs' change: an older request's answer trimmed to 1.4's)
CHANGE = runs_ctl.CHANGE
#: the response schemas of a plan, before and from the runs' change
PLAN_RESPONSES = (schemas.PLAN_RESPONSE_1_4, latest.PLAN_RESPONSE)


# ------------------------------------------------------------------ views
def _item_view(item, history) -> dict:
    entries = history.get((item.resource_type, item.resource_id), [])
    status, message = lifecycle.migration_status(entries)
    return {
        "uuid": item.uuid,
        "resource_type": item.resource_type,
        "resource_id": item.resource_id,
        "type": item.move_type,
        "priority": item.priority,
        "migration_status": status,
        "migration_message": message,
        "attempts": [
            {"run": e["run"], "move": e["move_uuid"], "attempt": e["attempt"], "status": e["move_status"]}
            for e in entries
            if e["move_uuid"]
        ],
    }


def plan_view(plan, history=None) -> dict:
    view = {
        "uuid": plan.uuid,
        "name": plan.name,
        "description": plan.description,
        "project_id": plan.project_id,
        "user_id": plan.user_id,
        "mapping": {k: dict((plan.mapping or {}).get(k) or {}) for k in MAPPING_KEYS},
        "limits": {k: plan[k] for k in LIMIT_KEYS},
        "window": {
            "not_before": common.isotime(plan.not_before),
            "not_after": common.isotime(plan.not_after),
            "recurring": plan.schedule,
        },
        "drains": {k: list((plan.drains or {}).get(k) or []) for k in ("hosts", "backends")},
        "cold_fallback": bool(plan.cold_fallback),
        "approval": plan.approval,
        "item_count": len(plan.items),
        "created_at": common.isotime(plan.created_at),
        "updated_at": common.isotime(plan.updated_at),
        "links": [links.make("self", "v1", "plans", plan.uuid)],
    }
    if history is not None:
        view["items"] = [_item_view(i, history) for i in plan.items]
    return view


# ------------------------------------------------------------------ input
def _field_error(field: str, message: str):
    return exception.Invalid(f"Invalid request body field 'plan.{field}': {message}")


def _time(field, value):
    return common.parse_time(value, f"request body field 'plan.{field}'") if value is not None else None


def _items(items) -> list:
    seen = {}
    for n, item in enumerate(items):
        field = f"items.{n}"
        try:
            cls = registry.action_class(item["type"])
        except exception.Invalid as e:
            raise _field_error(f"{field}.type", e.message) from None
        if cls.resource_type != item["resource_type"]:
            raise _field_error(
                f"{field}.type",
                f"move type {item['type']} moves a {cls.resource_type}, not a {item['resource_type']}.",
            )
        key = (item["resource_type"], item["resource_id"])
        if key in seen:
            raise _field_error(
                f"{field}.resource_id",
                f"{item['resource_type']} {item['resource_id']} is already item {seen[key]} of the plan.",
            )
        seen[key] = n
    return items


def plan_values(req: dict) -> tuple[dict, list | None]:
    """Database values (and the items, None if not given) of a plan body; 400 naming the field."""
    values = {}
    for key in ("name", "description", "approval"):
        if key in req:
            values[key] = req[key]
    if "mapping" in req:
        values["mapping"] = {k: dict(req["mapping"].get(k) or {}) for k in MAPPING_KEYS}
    if "limits" in req:
        values.update({k: req["limits"].get(k) for k in LIMIT_KEYS})
    if "window" in req:
        window = req["window"] or {}
        not_before = _time("window.not_before", window.get("not_before"))
        not_after = _time("window.not_after", window.get("not_after"))
        if not_before is not None and not_after is not None and not_after <= not_before:
            raise _field_error("window.not_after", "the window must close (not_after) after it opens (not_before).")
        values.update(not_before=not_before, not_after=not_after, schedule=_recurring(window.get("recurring")))
    if "drains" in req:
        values["drains"] = _drains(req["drains"] or {})
    if "cold_fallback" in req:
        values["cold_fallback"] = req["cold_fallback"]
    items = _items(req["items"]) if "items" in req else None
    return values, items


def _recurring(spec):
    """The recurring window as stored (days sorted), or None; 400 saying what is wrong."""
    try:
        schedule = windows.Schedule.parse(spec)
    except ValueError as e:
        raise _field_error("window.recurring", f"{e}.") from None
    if schedule is None:
        return None
    return {"timezone": schedule.timezone, "days": [windows.DAYS[d] for d in schedule.days],
            "periods": [{"start": p["start"], "end": p["end"]} for p in spec["periods"]]}  # fmt: skip


def _drains(spec) -> dict:
    """The drains as stored; 400 for a host or backend drained twice."""
    for kind, key in (("hosts", "host"), ("backends", "backend")):
        seen = set()
        for n, drain in enumerate(spec.get(kind) or []):
            if drain[key] in seen:
                raise _field_error(f"drains.{kind}.{n}.{key}", f"{key} {drain[key]} is drained twice.")
            seen.add(drain[key])
    return {"hosts": list(spec.get("hosts") or []), "backends": list(spec.get("backends") or [])}


def get_plan_or_404(ctx, uuid, rule):
    """The plan, if the caller may see it; another project's plans are not even confirmed to exist."""
    return common.get_or_404(ctx, "plan", uuid, queries.plan_get, rule, exception.PlanNotFound(plan=uuid))


def _show(ctx, plan) -> dict:
    return {"plan": plan_view(plan, queries.item_history(ctx, plan.uuid))}


# ------------------------------------------------------------------ controllers
class PlanRunsController(rest.RestController):
    """``/v1/plans/{uuid}/runs``: a plan's runs, and ordering a new one."""

    @common.handler(CHANGE, runs_ctl.RUNS_RESPONSES, query=schemas.RUN_LIST_QUERY_1_4)
    def get_all(self, plan_uuid, *, query):
        ctx = common.context()
        get_plan_or_404(ctx, plan_uuid, "vmove:plan:get")
        query = dict(query, plan_id=plan_uuid)
        return runs_ctl.list_runs(ctx, query, {"plan_uuid": plan_uuid}, ("plans", plan_uuid, "runs"))

    @common.handler(CHANGE, runs_ctl.RUN_RESPONSES, body=schemas.ORDER_BODY_1_4)
    def post(self, plan_uuid, *, body):
        ctx = common.context()
        plan = get_plan_or_404(ctx, plan_uuid, "vmove:plan:get")
        policy.authorize(ctx, "vmove:run:create", {"project_id": plan.project_id})
        cross = policy.authorize(
            ctx, "vmove:run:create:any_project_resources", {"project_id": plan.project_id}, do_raise=False
        )
        run = service.order_run(ctx, plan, bool((body or {}).get("dry_run", False)), cross)
        common.engine_api().process(ctx, "run", run.uuid)
        pecan.response.status = 202
        return {"run": runs_ctl.run_view(ctx, run)}


class PlansController(rest.RestController):
    """``/v1/plans``."""

    runs = PlanRunsController()

    @common.handler(CHANGE, (schemas.PLANS_RESPONSE_1_4, latest.PLANS_RESPONSE), query=schemas.LIST_QUERY_1_4)
    def get_all(self, *, query):
        ctx = common.context()
        policy.authorize(ctx, "vmove:plan:get_all")
        filters = {"name": query.get("name")}
        filters["project_id"] = common.project_filter(ctx, query, "vmove:plan:get_all:all_projects")
        return common.list_page("plans", queries.plan_get_all, filters, query, plan_view, "plans")

    @common.handler(CHANGE, PLAN_RESPONSES, query=schemas.EMPTY_QUERY)
    def get_one(self, plan_uuid, *, query):
        ctx = common.context()
        return _show(ctx, get_plan_or_404(ctx, plan_uuid, "vmove:plan:get"))

    @common.handler(CHANGE, PLAN_RESPONSES, body=(schemas.CREATE_BODY_1_4, latest.CREATE_BODY))
    def post(self, *, body):
        ctx = common.context()
        policy.authorize(ctx, "vmove:plan:create")
        values, items = plan_values(body["plan"])
        values.setdefault("approval", "auto")
        values.setdefault("mapping", {k: {} for k in MAPPING_KEYS})
        values.update(uuid=uuidutils.generate_uuid(), project_id=ctx.project_id, user_id=ctx.user_id)
        plan = service.create_plan(ctx, values, items or [])
        pecan.response.status = 201
        return _show(ctx, plan)

    @common.handler(CHANGE, PLAN_RESPONSES, body=(schemas.UPDATE_BODY_1_4, latest.UPDATE_BODY))
    def patch(self, plan_uuid, *, body):
        ctx = common.context()
        plan = get_plan_or_404(ctx, plan_uuid, "vmove:plan:get")
        policy.authorize(ctx, "vmove:plan:update", {"project_id": plan.project_id})
        values, items = plan_values(body["plan"])
        return _show(ctx, service.update_plan(ctx, plan_uuid, values, items))

    @common.handler("1.4")
    def delete(self, plan_uuid):
        ctx = common.context()
        plan = get_plan_or_404(ctx, plan_uuid, "vmove:plan:get")
        policy.authorize(ctx, "vmove:plan:delete", {"project_id": plan.project_id})
        service.delete_plan(ctx, plan_uuid)
        pecan.response.status = 204
