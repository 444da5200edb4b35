"""Database access for plans and runs (enginefacade, ``select()`` style).

The rules that need a transaction live here, under a lock of the plan's row
(``SELECT ... FOR UPDATE``; SQLite writers are serialized anyway):

- a plan has at most one run in progress;
- a plan with a run in progress cannot be deleted nor its items replaced;
- a run is not ordered when every item has been completed by earlier runs.
"""

import collections

from oslo_utils import timeutils, uuidutils
import sqlalchemy as sa

from vmove import exception
from vmove.db import models
from vmove.db import plan_models as pm
from vmove.db.api import main_context_manager

#: run statuses that hold the plan (one at a time; no delete, no item edit)
ACTIVE = ("validating", "awaiting_approval", "approved", "running", "cancelling")
#: statuses after which nothing changes any more
FINISHED = ("validated", "denied", "succeeded", "failed", "cancelled")
RUN_STATUSES = ACTIVE + FINISHED

#: a move's status -> the migration status of its plan item
ITEM_STATUS = {
    "pending": "approved",
    "ongoing": "started",
    "succeeded": "completed",
    "failed": "failed",
    "ignored": "failed",
    "cancelled": "failed",
}


class PlanNotFound(exception.NotFound):
    msg_fmt = "Plan %(plan)s could not be found."


class RunNotFound(exception.NotFound):
    msg_fmt = "Run %(run)s could not be found."


def _paginate(context, query, model, marker, limit, sort_key, sort_dir, not_found):
    col = getattr(model, sort_key)
    if marker is not None:
        row = context.session.execute(sa.select(col, model.id).where(model.uuid == marker)).first()
        if row is None:
            raise not_found
        value, marker_id = row
        if sort_dir == "asc":
            query = query.where(sa.or_(col > value, sa.and_(col == value, model.id > marker_id)))
        else:
            query = query.where(sa.or_(col < value, sa.and_(col == value, model.id < marker_id)))
    order = (col.asc(), model.id.asc()) if sort_dir == "asc" else (col.desc(), model.id.desc())
    query = query.order_by(*order)
    if limit is not None:
        query = query.limit(limit)
    return list(context.session.execute(query).scalars())


# --------------------------------------------------------------------- plans


def _plan(context, uuid, lock=False):
    query = sa.select(pm.Plan).where(pm.Plan.uuid == uuid)
    if lock:
        query = query.with_for_update()
    plan = context.session.execute(query).scalar_one_or_none()
    if plan is None:
        raise PlanNotFound(plan=uuid)
    return plan


def _active_run(context, plan_uuid):
    r = pm.Run
    query = sa.select(r).where(r.plan_uuid == plan_uuid, r.status.in_(ACTIVE)).order_by(r.id.desc()).limit(1)
    return context.session.execute(query).scalar_one_or_none()


def _new_items(items, now):
    return [
        pm.PlanItem(
            uuid=uuidutils.generate_uuid(),
            resource_type=i["resource_type"],
            resource_id=i["resource_id"],
            move_type=i["type"],
            priority=i.get("priority", 0),
            created_at=now,
            updated_at=now,
        )
        for i in items
    ]


@main_context_manager.writer
def plan_create(context, values, items):
    now = timeutils.utcnow()
    plan = pm.Plan(**values, created_at=now, updated_at=now)
    plan.items = _new_items(items, now)
    context.session.add(plan)
    context.session.flush()
    return plan


@main_context_manager.reader
def plan_get(context, uuid):
    return _plan(context, uuid)


@main_context_manager.reader
def plan_get_all(context, filters=None, limit=None, marker=None, sort_key="created_at", sort_dir="asc"):
    p = pm.Plan
    query = sa.select(p)
    filters = filters or {}
    if filters.get("project_id"):
        query = query.where(p.project_id == filters["project_id"])
    if filters.get("name"):
        query = query.where(p.name == filters["name"])
    return _paginate(context, query, p, marker, limit, sort_key, sort_dir, PlanNotFound(plan=marker))


@main_context_manager.writer
def plan_update(context, uuid, values, items=None):
    """Change a plan; ``items`` (a list) replaces its items.

    Items are matched on (resource_type, resource_id): a kept item keeps its
    id (and so its history), a new one is added, a missing one removed.
    Replacing the items of a plan with a run in progress is refused (409).
    """
    plan = _plan(context, uuid, lock=True)
    if items is not None:
        active = _active_run(context, uuid)
        if active is not None:
            raise exception.Conflict(
                reason=f"The items of plan {uuid} cannot be changed while its run {active.uuid} is {active.status}; "
                "cancel the run or wait for it to finish."
            )
        now = timeutils.utcnow()
        kept = {(i.resource_type, i.resource_id): i for i in plan.items}
        new_list = []
        for item in items:
            old = kept.pop((item["resource_type"], item["resource_id"]), None)
            if old is None:
                new_list.extend(_new_items([item], now))
                continue
            old.move_type = item["type"]
            old.priority = item.get("priority", 0)
            old.updated_at = now
            new_list.append(old)
        plan.items = new_list
    for key, value in values.items():
        setattr(plan, key, value)
    plan.updated_at = timeutils.utcnow()
    context.session.flush()
    return plan


@main_context_manager.writer
def plan_delete(context, uuid):
    plan = _plan(context, uuid, lock=True)
    active = _active_run(context, uuid)
    if active is not None:
        raise exception.Conflict(
            reason=f"Plan {uuid} cannot be deleted while its run {active.uuid} is {active.status}; "
            "cancel the run or wait for it to finish."
        )
    context.session.delete(plan)
    context.session.flush()


# ------------------------------------------------------------------ history


@main_context_manager.reader
def item_history(context, plan_uuid):
    """(resource_type, resource_id) -> the item's verdicts "ok" in the plan's real runs, oldest first.

    Each entry is a dict: run, run_status, move_uuid, attempt, move_status,
    move_message.
    """
    ri, r, m = pm.RunItem, pm.Run, models.Move
    query = (
        sa.select(ri.resource_type, ri.resource_id, ri.move_uuid, ri.attempt, r.uuid, r.status, m.status, m.message)
        .join(r, ri.run_id == r.id)
        .outerjoin(m, m.uuid == ri.move_uuid)
        .where(r.plan_uuid == plan_uuid, r.dry_run.is_(False), ri.verdict == "ok")
        .order_by(r.id.asc(), ri.id.asc())
    )
    history = collections.defaultdict(list)
    for rtype, rid, move_uuid, attempt, run_uuid, run_status, move_status, move_message in context.session.execute(
        query
    ):
        history[(rtype, rid)].append(
            {
                "run": run_uuid,
                "run_status": run_status,
                "move_uuid": move_uuid,
                "attempt": attempt,
                "move_status": move_status,
                "move_message": move_message,
            }
        )
    return dict(history)


def migration_status(entries) -> tuple[str, str | None]:
    """The migration status of an item (and why) from its history (see :func:`item_history`)."""
    for entry in reversed(entries or []):
        if entry["move_uuid"] and entry["move_status"]:
            status = ITEM_STATUS[entry["move_status"]]
            return status, entry["move_message"] if status != "completed" else None
        if entry["run_status"] in ("approved", "running", "cancelling"):
            return "approved", None
    return "planned", None


# --------------------------------------------------------------------- runs


def _run(context, uuid):
    run = context.session.execute(sa.select(pm.Run).where(pm.Run.uuid == uuid)).scalar_one_or_none()
    if run is None:
        raise RunNotFound(run=uuid)
    return run


@main_context_manager.writer
def run_create(context, plan_uuid, values):
    """Order a run of a plan (status ``validating``), unless the plan is busy or done (409)."""
    plan = _plan(context, plan_uuid, lock=True)
    active = _active_run(context, plan_uuid)
    if active is not None:
        raise exception.Conflict(
            reason=f"Plan {plan_uuid} already has run {active.uuid} in progress ({active.status}); "
            "cancel it or wait for it to finish."
        )
    if not plan.items:
        raise exception.Conflict(reason=f"Plan {plan_uuid} has no items: there is nothing to run.")
    if not values.get("dry_run"):
        history = item_history(context, plan_uuid)
        left = [
            i for i in plan.items if migration_status(history.get((i.resource_type, i.resource_id)))[0] != "completed"
        ]
        if not left:
            raise exception.Conflict(
                reason=f"Every item of plan {plan_uuid} has been completed by earlier runs: there is nothing to move."
            )
    now = timeutils.utcnow()
    run = pm.Run(
        uuid=uuidutils.generate_uuid(),
        plan_uuid=plan.uuid,
        plan_name=plan.name,
        project_id=plan.project_id,
        approval=plan.approval,
        status="validating",
        progress=0,
        counts={"items": len(plan.items)},
        created_at=now,
        updated_at=now,
        **values,
    )
    context.session.add(run)
    context.session.flush()
    return run


@main_context_manager.reader
def run_get(context, uuid):
    return _run(context, uuid)


@main_context_manager.reader
def run_get_all(context, filters=None, limit=None, marker=None, sort_key="created_at", sort_dir="asc"):
    r = pm.Run
    query = sa.select(r)
    filters = filters or {}
    for key in ("project_id", "plan_uuid"):
        if filters.get(key):
            query = query.where(getattr(r, key) == filters[key])
    if filters.get("status"):
        query = query.where(r.status.in_(list(filters["status"])))
    if filters.get("dry_run") is not None:
        query = query.where(r.dry_run.is_(bool(filters["dry_run"])))
    return _paginate(context, query, r, marker, limit, sort_key, sort_dir, RunNotFound(run=marker))


@main_context_manager.writer
def run_update(context, uuid, values, expected_status=None):
    """Change a run; with ``expected_status`` (a status or a tuple), only if it still has it (else 409)."""
    r = pm.Run
    cond = [r.uuid == uuid]
    if expected_status is not None:
        wanted = (expected_status,) if isinstance(expected_status, str) else tuple(expected_status)
        cond.append(r.status.in_(wanted))
    values = dict(values, updated_at=timeutils.utcnow())
    result = context.session.execute(
        sa.update(r).where(*cond).values(**values).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        run = _run(context, uuid)
        raise exception.Conflict(reason=f"Run {uuid} is {run.status}.")
    context.session.expire_all()
    return _run(context, uuid)


@main_context_manager.writer
def run_claim(context, uuid, engine_id, lease_until, now, statuses):
    """Take the run for ``engine_id`` if it is in ``statuses`` and nobody else holds a live lease."""
    r = pm.Run
    result = context.session.execute(
        sa.update(r)
        .where(
            r.uuid == uuid,
            r.status.in_(list(statuses)),
            sa.or_(r.engine_id.is_(None), r.engine_id == engine_id, r.lease_until.is_(None), r.lease_until < now),
        )
        .values(engine_id=engine_id, lease_until=lease_until)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    context.session.expire_all()
    return _run(context, uuid)


@main_context_manager.reader
def runs_to_resume(context, statuses, now):
    """Runs in ``statuses`` that no engine holds (never claimed, or the lease ran out)."""
    r = pm.Run
    free = sa.or_(r.lease_until.is_(None), r.lease_until < now)
    return list(context.session.execute(sa.select(r).where(r.status.in_(list(statuses)), free)).scalars())


@main_context_manager.reader
def runs_in(context, statuses):
    r = pm.Run
    return list(context.session.execute(sa.select(r).where(r.status.in_(list(statuses))).order_by(r.id)).scalars())


@main_context_manager.writer
def run_items_replace(context, run_uuid, items):
    """The run's verdicts (replacing any earlier ones of the same run: validation is idempotent)."""
    run = _run(context, run_uuid)
    context.session.execute(sa.delete(pm.RunItem).where(pm.RunItem.run_id == run.id))
    now = timeutils.utcnow()
    for item in items:
        context.session.add(pm.RunItem(run_id=run.id, created_at=now, **item))
    context.session.flush()


@main_context_manager.reader
def run_items_get(context, run_uuid):
    run = _run(context, run_uuid)
    ri = pm.RunItem
    query = sa.select(ri).where(ri.run_id == run.id).order_by(ri.priority.desc(), ri.id.asc())
    return list(context.session.execute(query).scalars())


@main_context_manager.writer
def run_item_update(context, item_id, values):
    context.session.execute(
        sa.update(pm.RunItem)
        .where(pm.RunItem.id == item_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


@main_context_manager.reader
def run_move_stats(context, run_uuids):
    """run uuid -> {move status: (count, sum of progress)} of the run's moves."""
    m = models.Move
    origins = {f"run:{u}": u for u in run_uuids}
    if not origins:
        return {}
    query = (
        sa.select(m.origin, m.status, sa.func.count(), sa.func.coalesce(sa.func.sum(m.progress), 0))
        .where(m.origin.in_(list(origins)))
        .group_by(m.origin, m.status)
    )
    stats = {u: {} for u in run_uuids}
    for origin, status, count, progress in context.session.execute(query):
        stats[origins[origin]][status] = (int(count), int(progress))
    return stats


@main_context_manager.reader
def run_limits(context, run_uuid):
    """The plan of a run (its limits and window), or None when the plan is gone."""
    r, p = pm.Run, pm.Plan
    query = sa.select(p).join(r, r.plan_uuid == p.uuid).where(r.uuid == run_uuid)
    return context.session.execute(query).scalars().first()
