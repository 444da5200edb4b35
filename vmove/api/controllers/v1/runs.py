"""``/v1/runs`` (microversion 1.4): runs of migration plans, their progress and moves.

``GET /v1/runs/{uuid}`` shows the run's status, counts per move status and a
percentage, and the verdict on each item (ok with the move made for it, or
refused with a code and a reason). ``POST /v1/runs/{uuid}/action`` takes
``{"approve": null}``, ``{"deny": {"reason": "..."}}`` or ``{"cancel": null}``.
"""

import pecan
from pecan import rest

from vmove import exception, policy
from vmove.api import microversion, validation
from vmove.api.controllers import links
from vmove.api.controllers.v1 import common
from vmove.api.controllers.v1 import moves as moves_ctl
from vmove.api.schemas import plans as schemas
from vmove.plans import lifecycle, queries, service

_FIELDS = (
    "uuid",
    "plan_uuid",
    "plan_name",
    "project_id",
    "user_id",
    "dry_run",
    "approval",
    "status",
    "message",
    "decided_by",
)
_TIMES = ("decided_at", "created_at", "updated_at", "validated_at", "started_at", "finished_at")


def verdict_view(item) -> dict:
    return {
        "item_uuid": item.item_uuid,
        "resource_type": item.resource_type,
        "resource_id": item.resource_id,
        "resource_name": item.resource_name,
        "type": item.move_type,
        "priority": item.priority,
        "verdict": item.verdict,
        "code": item.code,
        "reason": item.reason,
        "params": item.params,
        "source": item.source,
        "dest": item.dest,
        "move_uuid": item.move_uuid,
        "attempt": item.attempt,
    }


def run_view(ctx, run, items=None, cancel=None) -> dict:
    view = {f: run[f] for f in _FIELDS}
    view.update({f: common.isotime(run[f]) for f in _TIMES})
    # while it runs, live figures: the engines record them at every poll, these are fresher
    view["counts"], view["progress"] = service.live_progress(ctx, run)
    if items is not None:
        view["items"] = [verdict_view(i) for i in items]
    if cancel is not None:
        view["cancel"] = cancel
    view["links"] = [links.make("self", "v1", "runs", run.uuid)]
    return view


def get_run_or_404(ctx, uuid, rule):
    return common.get_or_404(ctx, "run", uuid, queries.run_get, rule, exception.RunNotFound(run=uuid))


def list_runs(ctx, query, filters, path):
    policy.authorize(ctx, "vmove:run:get_all")
    filters = dict(filters)
    if "plan_id" in query:
        filters["plan_uuid"] = query["plan_id"]
    for key in ("status", "dry_run"):
        if key in query:
            filters[key] = query[key]
    filters["project_id"] = common.project_filter(ctx, query, "vmove:run:get_all:all_projects")
    return common.list_page("runs", queries.run_get_all, filters, query, lambda r: run_view(ctx, r), *path)


class RunMovesController(rest.RestController):
    """``/v1/runs/{uuid}/moves``: the moves a run made (each with its attempt number)."""

    @pecan.expose("json")
    @microversion.min_version("1.4")
    @validation.response_schema(schemas.RUN_MOVES_RESPONSE_1_4, min_version="1.4")
    @validation.query_schema(schemas.RUN_MOVES_QUERY_1_4, min_version="1.4")
    def get_all(self, run_uuid, *, query):
        ctx = common.context()
        run = get_run_or_404(ctx, run_uuid, "vmove:run:moves")
        filters = {"origin": lifecycle.origin_of(run.uuid)}
        if "status" in query:
            filters["status"] = query["status"]
        page = moves_ctl.list_moves(query, filters, "runs", run.uuid, "moves")
        return {"run_uuid": run.uuid, **page}


class RunsController(rest.RestController):
    """``/v1/runs``."""

    moves = RunMovesController()
    _custom_actions = {"action": ["POST"]}

    @pecan.expose("json")
    @microversion.min_version("1.4")
    @validation.response_schema(schemas.RUNS_RESPONSE_1_4, min_version="1.4")
    @validation.query_schema(schemas.RUN_LIST_QUERY_1_4, min_version="1.4")
    def get_all(self, *, query):
        return list_runs(common.context(), query, {}, ("runs",))

    @pecan.expose("json")
    @microversion.min_version("1.4")
    @validation.response_schema(schemas.RUN_RESPONSE_1_4, min_version="1.4")
    @validation.query_schema(schemas.EMPTY_QUERY, min_version="1.4")
    def get_one(self, run_uuid, *, query):
        ctx = common.context()
        run = get_run_or_404(ctx, run_uuid, "vmove:run:get")
        return {"run": run_view(ctx, run, queries.run_items_get(ctx, run.uuid))}

    @pecan.expose("json")
    @microversion.min_version("1.4")
    @validation.response_schema(schemas.RUN_RESPONSE_1_4, min_version="1.4")
    @validation.body_schema(schemas.RUN_ACTION_BODY_1_4, min_version="1.4")
    def action(self, run_uuid, *, body):
        ctx = common.context()
        run = get_run_or_404(ctx, run_uuid, "vmove:run:get")
        (name,) = body
        policy.authorize(ctx, f"vmove:run:{name}", {"project_id": run.project_id})
        cancel = None
        if name == "approve":
            run = service.approve(ctx, run)
            common.engine_api().process(ctx, "run", run.uuid)
        elif name == "deny":
            run = service.deny(ctx, run, (body["deny"] or {}).get("reason"))
        else:
            run, cancel = service.cancel_run(ctx, common.conf(), run)
            for move_uuid in cancel["aborting"]:
                common.engine_api().abort_move(ctx, move_uuid)
        pecan.response.status = 202
        return {"run": run_view(ctx, run, cancel=cancel)}
