"""Versioned notifications of plans and runs, so that an approver can be alerted.

- ``vmove.run.created`` when a run is ordered (status ``validating``), then
  ``vmove.run.<status>`` on every change of its status (``awaiting_approval``, ``approved``, ``denied``, ``running``
  when its moves start, ``paused``, ``succeeded``, ``failed``, ``cancelled``...),
  payload ``RunPayload`` with the run's counts;
- ``vmove.run.item_decided`` when items of a run are approved or denied one by
  one (``RunItemsPayload``);
- ``vmove.plan.created|updated|deleted`` (``PlanPayload``).

They go through the one notifier of the process (:mod:`vmove.moves.notify`).
"""

from vmove.moves import notify

RUN_PAYLOAD_VERSION = "1.0"
PLAN_PAYLOAD_VERSION = "1.0"
_RUN_FIELDS = ("uuid", "plan_uuid", "plan_name", "project_id", "user_id", "dry_run", "approval", "status",
               "message", "decided_by", "progress")  # fmt: skip
_RUN_TIMES = ("created_at", "decided_at", "validated_at", "started_at", "finished_at")


def run_payload(run, old_status=None) -> dict:
    data = {f: run[f] for f in _RUN_FIELDS}
    data.update(notify.isotimes(run, _RUN_TIMES))
    data["counts"] = dict(run.counts or {})
    data["old_status"] = old_status
    return notify.versioned("RunPayload", RUN_PAYLOAD_VERSION, data)


def run_created(ctx, run) -> None:
    if notify.enabled():
        notify.emit(ctx, "vmove.run.created", run_payload(run), f"run {run.uuid}")


def run_changed(ctx, run, old_status=None) -> None:
    if notify.enabled():
        notify.emit(ctx, f"vmove.run.{run.status}", run_payload(run, old_status), f"run {run.uuid}")


def items_decided(ctx, run, decision: str, items, user_id) -> None:
    if notify.enabled():
        data = {"run_uuid": run.uuid, "plan_uuid": run.plan_uuid, "project_id": run.project_id,
                "decision": decision, "decided_by": user_id, "counts": dict(run.counts or {}),
                "items": [{"item_uuid": i.item_uuid, "resource_type": i.resource_type,
                           "resource_id": i.resource_id, "resource_name": i.resource_name} for i in items]}  # fmt: skip
        payload = notify.versioned("RunItemsPayload", RUN_PAYLOAD_VERSION, data)
        notify.emit(ctx, "vmove.run.item_decided", payload, f"run {run.uuid}")


def plan_changed(ctx, plan, event: str) -> None:
    if notify.enabled():
        data = {
            "uuid": plan.uuid,
            "name": plan.name,
            "project_id": plan.project_id,
            "user_id": getattr(ctx, "user_id", None),
            "approval": plan.approval,
            "item_count": len(plan.items),
            "drains": dict(plan.drains or {}),
        }
        payload = notify.versioned("PlanPayload", PLAN_PAYLOAD_VERSION, data)
        notify.emit(ctx, f"vmove.plan.{event}", payload, f"plan {plan.uuid}")
