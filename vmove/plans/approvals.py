"""Approval per item: an approver approves or denies a run's items one by one, or all those left.

Each decision is written on the item (``decision``, ``decided_by``,
``decided_at``) and in its history (a run event, with who and when). When no
item found ok is left undecided, the run moves on in the same transaction:
``approved`` if at least one item was approved (its moves are made for the
approved items only), ``denied`` if every one was denied.

Decisions on one run are serialized by a lock of the run's row, so that two
approvers deciding the last items at the same time cannot both leave the run
waiting (or both move it on), and an item is decided once: deciding it again
is a 409 saying who decided it and when.
"""

from oslo_utils import timeutils
import sqlalchemy as sa

from vmove import exception
from vmove.db import models
from vmove.db.api import main_context_manager
from vmove.plans import events, lifecycle, notify, queries

APPROVED, DENIED = "approved", "denied"


def not_waiting(run, what: str) -> str:
    if run.status == lifecycle.VALIDATING:
        return f"Run {run.uuid} is still being validated; it can be {what} once it awaits approval."
    return f"Run {run.uuid} is {run.status}: only a run awaiting approval can be {what}."


def _choose(run, items, refs):
    """The items ``refs`` (item uuids or resource ids) names, or every undecided one (None)."""
    if refs is None:
        return [i for i in items if i.decision is None]
    index = {}
    for i in items:
        index[i.item_uuid] = index[i.resource_id] = i
    chosen, seen = [], set()
    for ref in refs:
        item = index.get(ref)
        if item is None:
            raise exception.Invalid(
                f"Run {run.uuid} has no item {ref} to decide: give an item found ok at validation "
                "(its item_uuid or resource_id); refused items cannot be approved."
            )
        if item.decision is not None:
            when = item.decided_at.isoformat() if item.decided_at else "?"
            raise exception.Conflict(
                reason=f"Item {ref} of run {run.uuid} was already {item.decision} by "
                f"{item.decided_by or 'an administrator'} at {when}."
            )
        if item.item_uuid not in seen:
            seen.add(item.item_uuid)
            chosen.append(item)
    return chosen


def _counts(run, items) -> dict:
    decided = [i.decision for i in items]
    counts = dict(run.counts or {})
    counts.update(denied=decided.count(DENIED), undecided=decided.count(None))
    counts["approved"] = len(items) - counts["denied"]
    return counts


def _outcome(decision: str, items, counts) -> str:
    """What a run with nothing left to decide becomes: approved if any item is; with no item at all, as decided."""
    if not items:
        return decision
    return APPROVED if counts["approved"] else DENIED


def _run_message(who, outcome, counts, reason, done) -> str:
    approved = counts["approved"] - counts["undecided"]
    if not done:
        return (
            f"{approved} item(s) approved, {counts['denied']} denied, {counts['undecided']} to decide "
            f"(last decision by {who})."
        )
    if outcome == DENIED:
        return f"Denied by {who}" + (f": {reason}" if reason else ".")
    if counts["denied"] == 0:
        return f"Approved by {who}; making the moves."
    return f"Decided by {who}: {approved} item(s) approved, {counts['denied']} denied; making the approved moves."


def decide(ctx, run_uuid, decision: str, refs=None, reason: str | None = None):
    """Approve or deny items of a run awaiting approval; ``refs`` None: every item left undecided.

    Returns ``(run, decided items)``; the run is approved or denied when no item is left undecided.
    """
    who = ctx.user_id or "an administrator"
    now = timeutils.utcnow()
    with main_context_manager.writer.using(ctx):
        run = queries.run_lock(ctx, run_uuid)
        if run.status != lifecycle.AWAITING_APPROVAL:
            raise exception.Conflict(reason=not_waiting(run, decision))
        items = [i for i in queries.run_items_get(ctx, run_uuid) if i.verdict == "ok"]
        chosen = _choose(run, items, refs)
        ids = [i.id for i in chosen]
        if ids:
            done = ctx.session.execute(
                sa.update(models.RunItem)
                .where(models.RunItem.id.in_(ids), models.RunItem.decision.is_(None))
                .values(decision=decision, decided_by=ctx.user_id, decided_at=now)
                .execution_options(synchronize_session=False)
            )
            if done.rowcount != len(ids):  # cannot happen under the lock; never decide an item twice
                raise exception.Conflict(reason=f"Items of run {run.uuid} were decided meanwhile; try again.")
        text = f"{decision.capitalize()} by {who}" + (f": {reason}" if reason and decision == DENIED else ".")
        detail = {"reason": reason} if reason else None
        events.add_many(
            ctx,
            run_uuid,
            [
                dict(event=decision, item_uuid=i.item_uuid, user_id=ctx.user_id, message=text, detail=detail, at=now)
                for i in chosen
            ],  # fmt: skip
        )
        for i in chosen:
            i.decision = decision
        counts = _counts(run, items)
        done = counts["undecided"] == 0
        outcome = _outcome(decision, items, counts)
        values = {"counts": counts, "decided_by": ctx.user_id, "decided_at": now}
        values["message"] = _run_message(who, outcome, counts, reason, done)
        old = run.status
        if done:
            if outcome == DENIED:
                values["finished_at"] = now
            new = queries.advance(ctx, run, "deny" if outcome == DENIED else "approve", values, emit=False)
        else:
            new = queries.run_update(ctx, run.uuid, values, expected_status=old)
    if chosen:
        notify.items_decided(ctx, new, decision, chosen, ctx.user_id)
    if new.status != old:
        notify.run_changed(ctx, new, old)
    return new, chosen
