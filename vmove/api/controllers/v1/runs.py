"""``/v1/runs`` (microversion 1.4): runs of migration plans, their progress and moves.

``GET /v1/runs/{uuid}`` shows the run's status, counts per move status and a
percentage, and the verdict on each item (ok with the move made for it, or
refused with a code and a reason). ``POST /v1/runs/{uuid}/action`` takes
``{"approve": null}``, ``{"deny": {"reason": "..."}}`` or ``{"cancel": null}``.
"""

import pecan
from pecan import rest

from vmove import exception, objects, policy
from vmove import plans as plan_runs
from vmove.api import microversion, validation
from vmove.api.controllers import links
from vmove.api.controllers.v1 import common
from vmove.api.controllers.v1 import moves as moves_ctl
from vmove.api.schemas import plans as schemas
from vmove.db import plans_api
from vmove.objects import move as move_obj
from vmove.objects import plan as plan_obj

objects.register_all()

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
    counts, progress = dict(run.counts or {}), run.progress
    if run.status in ("running", "cancelling"):
        # live figures: the engines record them at every poll, this is fresher
        stats = plans_api.run_move_stats(ctx, [run.uuid]).get(run.uuid, {})
        counts, progress = plan_runs.progress_of(run, stats)
    view["counts"], view["progress"] = counts, progress
    if items is not None:
        view["items"] = [verdict_view(i) for i in items]
    if cancel is not None:
        view["cancel"] = cancel
    view["links"] = [links.make("self", "v1", "runs", run.uuid)]
    return view


def get_run_or_404(ctx, uuid, rule):
    validation.validate(
        {"uuid": uuid}, {"type": "object", "properties": {"uuid": {"type": "string", "format": "uuid"}}}, "run"
    )
    run = plan_obj.Run.get_by_uuid(ctx, uuid)
    if not policy.authorize(ctx, rule, {"project_id": run.project_id}, do_raise=False):
        if ctx.project_id != run.project_id:
            raise plans_api.RunNotFound(run=uuid)
        policy.authorize(ctx, rule, {"project_id": run.project_id})
    return run


def project_filter(ctx, query, all_projects_rule):
    """The project to list: the caller's, or (admins) the one asked for, or every one (None)."""
    all_projects = policy.authorize(ctx, all_projects_rule, do_raise=False)
    if "project_id" in query:
        if not all_projects and query["project_id"] != ctx.project_id:
            raise exception.Forbidden(action=all_projects_rule)
        return query["project_id"]
    return None if all_projects else ctx.project_id


def next_link(marker, limit, *path):
    next_query = {k: v for k, v in pecan.request.GET.items() if k != "marker"}
    next_query.update(marker=marker, limit=limit)
    return links.make("next", "v1", *path, query=next_query)


def list_runs(ctx, query, filters, path):
    policy.authorize(ctx, "vmove:run:get_all")
    filters = dict(filters)
    if "plan_id" in query:
        filters["plan_uuid"] = query["plan_id"]
    for key in ("status", "dry_run"):
        if key in query:
            filters[key] = query[key]
    filters["project_id"] = project_filter(ctx, query, "vmove:run:get_all:all_projects")
    limit = common.page_limit(query)
    found = plan_obj.RunList.get_all(
        ctx,
        filters,
        limit=limit,
        marker=query.get("marker"),
        sort_key=query.get("sort_key", "created_at"),
        sort_dir=query.get("sort_dir", "asc"),
    )
    result = {"runs": [run_view(ctx, r) for r in found]}
    if len(found) == limit:
        result["runs_links"] = [next_link(found[-1].uuid, limit, *path)]
    return result


class RunMovesController(rest.RestController):
    """``/v1/runs/{uuid}/moves``: the moves a run made (each with its attempt number)."""

    @pecan.expose("json")
    @microversion.min_version("1.4")
    @validation.response_schema(schemas.RUN_MOVES_RESPONSE_1_4, min_version="1.4")
    @validation.query_schema(schemas.RUN_MOVES_QUERY_1_4, min_version="1.4")
    def get_all(self, run_uuid, *, query):
        ctx = common.context()
        run = get_run_or_404(ctx, run_uuid, "vmove:run:moves")
        filters = {"origin": plan_runs.origin_of(run.uuid)}
        if "status" in query:
            filters["status"] = query["status"]
        limit = common.page_limit(query)
        found = move_obj.MoveList.get_all(
            ctx,
            filters,
            limit=limit,
            marker=query.get("marker"),
            sort_key=query.get("sort_key", "created_at"),
            sort_dir=query.get("sort_dir", "asc"),
        )
        result = {"run_uuid": run.uuid, "moves": [moves_ctl.move_view(m) for m in found]}
        if len(found) == limit:
            result["moves_links"] = [next_link(found[-1].uuid, limit, "runs", run.uuid, "moves")]
        return result


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
        return {"run": run_view(ctx, run, plan_obj.RunItemList.get_by_run_uuid(ctx, run.uuid))}

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
            run = plan_runs.approve(ctx, run)
            common.engine_api().process(ctx, "run", run.uuid)
        elif name == "deny":
            run = plan_runs.deny(ctx, run, (body["deny"] or {}).get("reason"))
        else:
            run, cancel = plan_runs.cancel_run(ctx, common.conf(), run)
            for move_uuid in cancel["aborting"]:
                common.engine_api().abort_move(ctx, move_uuid)
        pecan.response.status = 202
        return {"run": run_view(ctx, run, cancel=cancel)}
