"""``/v1/runs`` (microversion 1.4): runs of migration plans, their progress and moves.

``GET /v1/runs/{uuid}`` shows the run's status, counts per move status and a
percentage, and the verdict on each item (ok with the move made for it, or
refused with a code and a reason; from 1.5 also the decision on it and its
history, and the run's estimate). ``POST /v1/runs/{uuid}/action`` takes
``{"approve": null}``, ``{"deny": {"reason": "..."}}`` or ``{"cancel": null}``;
from 1.5 ``{"approve": {"items": [...]}}`` and ``{"deny": {"items": [...],
"reason": "..."}}`` decide items one by one. ``GET /v1/runs/{uuid}/events``
(1.5) is the run's history.
"""

import pecan
from pecan import rest

from vmove import exception, policy
from vmove.api import validation
from vmove.api.controllers import links
from vmove.api.controllers.v1 import common
from vmove.api.controllers.v1 import moves as moves_ctl
from vmove.api.schemas import plan_runs as latest
from vmove.api.schemas import plans as schemas
from vmove.plans import events, lifecycle, queries, service

V = latest.VERSION
#: the schemas of 1.4 up to the version before V, the latest ones from V (an older request's answer trimmed to
#: 1.4's)
CHANGE = validation.Change(first="1.4", since=V, trim=True)
#: the response schemas of a run, and of a page of runs, before and from V
RUN_RESPONSES = (schemas.RUN_RESPONSE_1_4, latest.RUN_RESPONSE)
RUNS_RESPONSES = (schemas.RUNS_RESPONSE_1_4, latest.RUNS_RESPONSE)

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


def event_view(event) -> dict:
    return {
        "at": common.isotime(event.at),
        "event": event.event,
        "item_uuid": event.item_uuid,
        "user_id": event.user_id,
        "message": event.message,
        "detail": event.detail,
    }


def verdict_view(item, history=()) -> dict:
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
        "selector": item.selector,
        "decision": item.decision,
        "decided_by": item.decided_by,
        "decided_at": common.isotime(item.decided_at),
        "history": [event_view(e) for e in history],
    }


def run_view(ctx, run, items=None, cancel=None) -> dict:
    view = {f: run[f] for f in _FIELDS}
    view.update({f: common.isotime(run[f]) for f in _TIMES})
    # while it runs, live figures: the engines record them at every poll, these are fresher
    view["counts"], view["progress"] = service.live_progress(ctx, run)
    view["estimate"] = run.estimate
    if items is not None:
        by_item = events.by_item(events.get_all(ctx, run.uuid))
        view["items"] = [verdict_view(i, by_item.get(i.item_uuid, ())) for i in items]
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

    @common.handler("1.4", schemas.RUN_MOVES_RESPONSE_1_4, query=schemas.RUN_MOVES_QUERY_1_4)
    def get_all(self, run_uuid, *, query):
        ctx = common.context()
        run = get_run_or_404(ctx, run_uuid, "vmove:run:moves")
        filters = {"origin": lifecycle.origin_of(run.uuid)}
        if "status" in query:
            filters["status"] = query["status"]
        page = moves_ctl.list_moves(query, filters, "runs", run.uuid, "moves")
        return {"run_uuid": run.uuid, **page}


class RunEventsController(rest.RestController):
    """``/v1/runs/{uuid}/events`` (1.5): the run's history; ``?item=`` (item uuid or resource id) one item's."""

    @common.handler(V, latest.EVENTS_RESPONSE, query=latest.EVENTS_QUERY)
    def get_all(self, run_uuid, *, query):
        ctx = common.context()
        run = get_run_or_404(ctx, run_uuid, "vmove:run:get")
        item_uuid = None
        if "item" in query:
            found = [i for i in queries.run_items_get(ctx, run.uuid) if query["item"] in (i.item_uuid, i.resource_id)]
            if not found:
                raise exception.Invalid(f"Run {run.uuid} has no item {query['item']}.")
            item_uuid = found[0].item_uuid
        return {"run_uuid": run.uuid, "events": [event_view(e) for e in events.get_all(ctx, run.uuid, item_uuid)]}


class RunsController(rest.RestController):
    """``/v1/runs``."""

    moves = RunMovesController()
    events = RunEventsController()
    _custom_actions = {"action": ["POST"]}

    @common.handler(CHANGE, RUNS_RESPONSES, query=schemas.RUN_LIST_QUERY_1_4)
    def get_all(self, *, query):
        return list_runs(common.context(), query, {}, ("runs",))

    @common.handler(CHANGE, RUN_RESPONSES, query=schemas.EMPTY_QUERY)
    def get_one(self, run_uuid, *, query):
        ctx = common.context()
        run = get_run_or_404(ctx, run_uuid, "vmove:run:get")
        return {"run": run_view(ctx, run, queries.run_items_get(ctx, run.uuid))}

    @common.handler(CHANGE, RUN_RESPONSES, body=(schemas.RUN_ACTION_BODY_1_4, latest.RUN_ACTION_BODY))
    def action(self, run_uuid, *, body):
        ctx = common.context()
        run = get_run_or_404(ctx, run_uuid, "vmove:run:get")
        ((name, args),) = body.items()
        args = args or {}
        policy.authorize(ctx, f"vmove:run:{name}", {"project_id": run.project_id})
        cancel = None
        if name in ("approve", "deny"):
            if name == "approve":
                run = service.approve(ctx, run, args.get("items"))
            else:
                run = service.deny(ctx, run, args.get("reason"), args.get("items"))
            if run.status == lifecycle.APPROVED:  # the last decision: the run makes its moves
                common.engine_api().process(ctx, "run", run.uuid)
        else:
            run, cancel = service.cancel_run(ctx, common.conf(), run)
            for move_uuid in cancel["aborting"]:
                common.engine_api().abort_move(ctx, move_uuid)
        pecan.response.status = 202
        items = queries.run_items_get(ctx, run.uuid) if name != "cancel" else None
        return {"run": run_view(ctx, run, items, cancel=cancel)}
