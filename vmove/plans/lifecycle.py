"""The lifecycle of a plan run, and the migration status of a plan's items.

A run goes::

    validating --dry_run_done--> validated                     (the verdicts; nothing moves)
               --refuse_all----> failed                        (no item can be moved, or validation broke)
               --await_approval--> awaiting_approval --approve--> approved
               |                                     --deny-----> denied
               --approve-------> approved                      (approval auto)
    approved   --start---------> running                       (one move per approved item, origin "run:<uuid>")
    running    --pause---------> paused --resume--> running    (its recurring window closed, then opened again)
    running, paused --succeed--> succeeded | --fail--> failed  (when every move has ended)
    validating, awaiting_approval --cancel--> cancelled        (before any move was made)
    validating, awaiting_approval, approved, running, paused --cancel_moves--> cancelling --end--> cancelled
                                                               (pending moves cancelled, abortable ones aborted)

With a manual approval, the items found ok are approved or denied one by one
(or all those left at once); the run is approved when none is left undecided
and at least one was approved, denied when all were denied
(:func:`vmove.plans.approvals.decide`).

A plan has at most one run that is not finished (:data:`ACTIVE`) at a time.
"""

from vmove import fsm, vocabulary
from vmove.moves import states

#: run statuses that hold the plan (one at a time; no delete, no item edit)
VALIDATING, AWAITING_APPROVAL, APPROVED, RUNNING, PAUSED, CANCELLING = ACTIVE = vocabulary.RUN_ACTIVE
#: statuses after which nothing changes any more
VALIDATED, DENIED, SUCCEEDED, FAILED, CANCELLED = FINISHED = vocabulary.RUN_FINISHED
#: statuses of a run whose moves exist (the engines roll them up)
MOVING = (RUNNING, PAUSED, CANCELLING)

RUN = fsm.Lifecycle(
    what="Run",
    states={
        VALIDATING: "Ordered; an engine checks every item against Nova and Cinder.",
        VALIDATED: "A dry run's verdicts are in; nothing was moved.",
        AWAITING_APPROVAL: "Validated; waits for an approver to approve or deny its items (one by one, or all).",
        APPROVED: "Approved (or approved automatically); an engine makes one move per approved item.",
        DENIED: "Every item was denied; nothing was moved.",
        RUNNING: "Its moves run under the plan's limits and window.",
        PAUSED: "Its recurring window is closed: no move starts until the next one opens (moves under way end).",
        CANCELLING: "Cancelled while moves exist: pending ones cancelled, abortable ones aborted; the rest end.",
        SUCCEEDED: "Every move succeeded.",
        FAILED: "No item could be moved, validation could not be done, or some moves did not succeed.",
        CANCELLED: "Cancelled; the moves that had started ended.",
    },
    edges={
        (VALIDATING, "dry_run_done"): VALIDATED,
        (VALIDATING, "refuse_all"): FAILED,
        (VALIDATING, "await_approval"): AWAITING_APPROVAL,
        (VALIDATING, "approve"): APPROVED,
        (AWAITING_APPROVAL, "approve"): APPROVED,
        (AWAITING_APPROVAL, "deny"): DENIED,
        (VALIDATING, "cancel"): CANCELLED,
        (AWAITING_APPROVAL, "cancel"): CANCELLED,
        (VALIDATING, "cancel_moves"): CANCELLING,
        (AWAITING_APPROVAL, "cancel_moves"): CANCELLING,
        (APPROVED, "cancel_moves"): CANCELLING,
        (RUNNING, "cancel_moves"): CANCELLING,
        (PAUSED, "cancel_moves"): CANCELLING,
        (APPROVED, "start"): RUNNING,
        (RUNNING, "pause"): PAUSED,
        (PAUSED, "resume"): RUNNING,
        (RUNNING, "succeed"): SUCCEEDED,
        (RUNNING, "fail"): FAILED,
        (PAUSED, "succeed"): SUCCEEDED,
        (PAUSED, "fail"): FAILED,
        (CANCELLING, "end"): CANCELLED,
    },
    initial=VALIDATING,
)

#: a move's status -> the migration status of its plan item
ITEM_STATUS = {
    states.PENDING: "approved",
    states.ONGOING: "started",
    states.SUCCEEDED: "completed",
    states.FAILED: "failed",
    states.IGNORED: "failed",
    states.CANCELLED: "failed",
}


def origin_of(run_uuid: str) -> str:
    """The origin of the moves a run makes."""
    return f"run:{run_uuid}"


def migration_status(entries) -> tuple[str, str | None]:
    """The migration status of an item (and why) from its history (see ``queries.item_history``)."""
    for entry in reversed(entries or []):
        if entry["move_uuid"] and entry["move_status"]:
            status = ITEM_STATUS[entry["move_status"]]
            return status, entry["move_message"] if status != "completed" else None
        if entry["run_status"] in (APPROVED, RUNNING, PAUSED, CANCELLING) and entry.get("decision") != "denied":
            return "approved", None
    return "planned", None
