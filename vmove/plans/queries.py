"""Plans, runs and their items in the database (enginefacade, ``select()`` style).

Functions return versioned objects (:mod:`vmove.objects.plan`). The rules
that need a transaction (one run at a time per plan, no edit or delete while
a run is in progress) are the service's (:mod:`vmove.plans.service`), which
calls these inside one writer transaction under :func:`plan_lock`.
"""

import collections

from oslo_db import exception as db_exc
from oslo_utils import timeutils, uuidutils
import sqlalchemy as sa

from vmove import exception
from vmove.db import api as db_api
from vmove.db import models, pagination, purge
from vmove.db.api import main_context_manager
from vmove.moves import queries as move_queries
from vmove.objects import plan as plan_obj
from vmove.plans import lifecycle, notify


def _plan_obj(context, row):
    return plan_obj.Plan.from_row(context, row)


def _run_obj(context, row):
    return plan_obj.Run.from_row(context, row)


# --------------------------------------------------------------------- plans


def _plan(context, uuid, lock=False):
    query = sa.select(models.Plan).where(models.Plan.uuid == uuid)
    if lock:
        query = query.with_for_update()
    plan = context.session.execute(query).scalar_one_or_none()
    if plan is None:
        raise exception.PlanNotFound(plan=uuid)
    return plan


def _new_items(items, now):
    return [
        models.PlanItem(
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
    plan = models.Plan(**values, created_at=now, updated_at=now)
    plan.items = _new_items(items, now)
    context.session.add(plan)
    context.session.flush()
    return _plan_obj(context, plan)


@main_context_manager.reader
def plan_get(context, uuid):
    return _plan_obj(context, _plan(context, uuid))


@main_context_manager.writer
def run_lock(context, uuid):
    """Lock the run's row for the rest of the transaction (SELECT ... FOR UPDATE); the Run."""
    query = sa.select(models.Run).where(models.Run.uuid == uuid).with_for_update()
    run = context.session.execute(query).scalar_one_or_none()
    if run is None:
        raise exception.RunNotFound(run=uuid)
    return _run_obj(context, run)


@main_context_manager.writer
def plan_lock(context, uuid):
    """Lock the plan's row for the rest of the transaction (SELECT ... FOR UPDATE); the Plan."""
    return _plan_obj(context, _plan(context, uuid, lock=True))


@main_context_manager.reader
def plan_get_all(context, filters=None, limit=None, marker=None, sort_key="created_at", sort_dir="asc"):
    p = models.Plan
    query = sa.select(p)
    filters = filters or {}
    if filters.get("project_id"):
        query = query.where(p.project_id == filters["project_id"])
    if filters.get("name"):
        query = query.where(p.name == filters["name"])
    rows = pagination.paginate(context.session, query, p, sort_key, sort_dir, limit, marker)
    return [_plan_obj(context, r) for r in rows]


@main_context_manager.writer
def plan_update(context, uuid, values, items=None):
    """Change a plan; ``items`` (a list) replaces its items.

    Items are matched on (resource_type, resource_id): a kept item keeps its
    id (and so its history), a new one is added, a missing one removed.
    """
    plan = _plan(context, uuid, lock=True)
    if items is not None:
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
    return _plan_obj(context, plan)


@main_context_manager.writer
def plan_delete(context, uuid):
    context.session.delete(_plan(context, uuid, lock=True))
    context.session.flush()


@main_context_manager.reader
def item_history(context, plan_uuid):
    """(resource_type, resource_id) -> the item's verdicts "ok" in the plan's real runs, oldest first.

    Each entry is a dict: run, run_status, move_uuid, attempt, move_status,
    move_message, decision (per-item approval), selector (the drain that found it).
    """
    ri, r, m = models.RunItem, models.Run, models.Move
    query = (
        sa.select(
            ri.resource_type,
            ri.resource_id,
            ri.move_uuid,
            ri.attempt,
            r.uuid,
            r.status,
            m.status,
            m.message,
            ri.decision,
            ri.selector,
        )  # fmt: skip
        .join(r, ri.run_id == r.id)
        .outerjoin(m, m.uuid == ri.move_uuid)
        .where(r.plan_uuid == plan_uuid, r.dry_run.is_(False), ri.verdict == "ok")
        .order_by(r.id.asc(), ri.id.asc())
    )
    history = collections.defaultdict(list)
    rows = context.session.execute(query)
    for rtype, rid, move_uuid, attempt, run_uuid, run_status, move_status, move_message, decision, selector in rows:
        history[(rtype, rid)].append(
            {
                "run": run_uuid,
                "run_status": run_status,
                "move_uuid": move_uuid,
                "attempt": attempt,
                "move_status": move_status,
                "move_message": move_message,
                "decision": decision,
                "selector": selector,
            }
        )
    return dict(history)


# --------------------------------------------------------------------- runs


def _run(context, uuid):
    run = context.session.execute(sa.select(models.Run).where(models.Run.uuid == uuid)).scalar_one_or_none()
    if run is None:
        raise exception.RunNotFound(run=uuid)
    return run


@main_context_manager.reader
def active_run(context, plan_uuid, latest=False):
    """The plan's run in progress (one of :data:`~vmove.plans.lifecycle.ACTIVE`), or None.

    ``latest``: the last committed state even in a transaction that has read already (a locking read).
    """
    r = models.Run
    query = sa.select(r).where(r.plan_uuid == plan_uuid, r.status.in_(lifecycle.ACTIVE)).order_by(r.id.desc()).limit(1)
    if latest:
        query = query.with_for_update(read=True)
    row = context.session.execute(query).scalar_one_or_none()
    return _run_obj(context, row) if row is not None else None


def busy_plan(plan_uuid, active):
    """The 409 of a second run of a plan while ``active`` (a Run, or None if it ended meanwhile) is in progress."""
    if active is None:
        return exception.Conflict(reason=f"Plan {plan_uuid} had another run in progress; try again.")
    return exception.Conflict(
        reason=f"Plan {plan_uuid} already has run {active.uuid} in progress ({active.status}); "
        "cancel it or wait for it to finish."
    )


@main_context_manager.writer
def run_create(context, plan, values):
    """A new run of ``plan`` (a Plan), in the run lifecycle's first status.

    A second run in progress of the plan breaks ``uniq_runs0active_key``: Conflict naming the first.
    """
    now = timeutils.utcnow()
    run = models.Run(
        uuid=uuidutils.generate_uuid(),
        plan_uuid=plan.uuid,
        plan_name=plan.name,
        project_id=plan.project_id,
        approval=plan.approval,
        status=lifecycle.RUN.initial,
        progress=0,
        counts={"items": len(plan.items)},
        created_at=now,
        updated_at=now,
        **values,
    )
    run.active_key = plan.uuid if run.status in lifecycle.ACTIVE else None  # NULL once it finished (run_update)
    try:
        with context.session.begin_nested():
            context.session.add(run)
    except db_exc.DBDuplicateEntry as e:
        raise busy_plan(plan.uuid, active_run(context, plan.uuid, latest=True)) from e
    return _run_obj(context, run)


@main_context_manager.reader
def run_get(context, uuid):
    return _run_obj(context, _run(context, uuid))


@main_context_manager.reader
def run_get_all(context, filters=None, limit=None, marker=None, sort_key="created_at", sort_dir="asc"):
    r = models.Run
    query = sa.select(r)
    filters = filters or {}
    for key in ("project_id", "plan_uuid"):
        if filters.get(key):
            query = query.where(getattr(r, key) == filters[key])
    if filters.get("status"):
        query = query.where(r.status.in_(list(filters["status"])))
    if filters.get("dry_run") is not None:
        query = query.where(r.dry_run.is_(bool(filters["dry_run"])))
    rows = pagination.paginate(context.session, query, r, sort_key, sort_dir, limit, marker)
    return [_run_obj(context, row) for row in rows]


@main_context_manager.writer
def run_update(context, uuid, values, expected_status=None):
    """Change a run; with ``expected_status`` (a status or a tuple), only if it still has it (else 409)."""
    r = models.Run
    cond = [r.uuid == uuid]
    if expected_status is not None:
        wanted = (expected_status,) if isinstance(expected_status, str) else tuple(expected_status)
        cond.append(r.status.in_(wanted))
    values = dict(values, updated_at=timeutils.utcnow())
    if "status" in values:
        values["active_key"] = r.plan_uuid if values["status"] in lifecycle.ACTIVE else None
    result = context.session.execute(
        sa.update(r).where(*cond).values(**values).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        run = _run(context, uuid)
        raise exception.Conflict(reason=f"Run {uuid} is {run.status}.")
    context.session.expire_all()
    return _run_obj(context, _run(context, uuid))


def advance(context, run, event, values=None, emit=True):
    """Take ``run`` through ``event`` of its lifecycle, with ``values``; the updated Run.

    The lifecycle refuses an illegal event (409); the write is a compare-and-swap on the status
    ``run`` was read with, so a concurrent change makes it a Conflict. The change is then
    notified (``vmove.run.<status>``); a caller inside a transaction of its own passes
    ``emit=False`` and notifies once it has committed.
    """
    values = dict(values or {}, status=lifecycle.RUN.target(run.status, event, run.uuid))
    new = run_update(context, run.uuid, values, expected_status=run.status)
    if emit:
        notify.run_changed(context, new, run.status)
    return new


@main_context_manager.writer
def run_claim(context, uuid, engine_id, lease_until, now, statuses):
    """Take the run for ``engine_id`` if it is in ``statuses`` and nobody else holds a live lease."""
    r = models.Run
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
    return _run_obj(context, _run(context, uuid))


@main_context_manager.reader
def runs_in(context, statuses):
    return db_api.objects_in(context, models.Run.status, statuses, _run_obj)


@main_context_manager.writer
def run_items_replace(context, run_uuid, items):
    """The run's verdicts (replacing any earlier ones of the same run: validation is idempotent)."""
    run = _run(context, run_uuid)
    context.session.execute(sa.delete(models.RunItem).where(models.RunItem.run_id == run.id))
    now = timeutils.utcnow()
    for item in items:
        context.session.add(models.RunItem(run_id=run.id, created_at=now, **item))
    context.session.flush()


@main_context_manager.reader
def run_items_get(context, run_uuid):
    run = _run(context, run_uuid)
    ri = models.RunItem
    query = sa.select(ri).where(ri.run_id == run.id).order_by(ri.priority.desc(), ri.id.asc())
    return [plan_obj.RunItem.from_row(context, row) for row in context.session.execute(query).scalars()]


@main_context_manager.writer
def run_item_update(context, item_id, values):
    context.session.execute(
        sa.update(models.RunItem)
        .where(models.RunItem.id == item_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


@main_context_manager.reader
def run_limits(context, run_uuid):
    """The plan of a run (its limits and window), or None when the plan is gone."""
    r, p = models.Run, models.Plan
    query = sa.select(p).join(r, r.plan_uuid == p.uuid).where(r.uuid == run_uuid)
    row = context.session.execute(query).scalars().first()
    return _plan_obj(context, row) if row is not None else None


# ------------------------------------------------------------------ purge


@main_context_manager.reader
def active_origins(context) -> set:
    """The origins (``run:<uuid>``) of the runs not finished: a purge keeps their moves."""
    rows = context.session.execute(sa.select(models.Run.uuid).where(models.Run.status.in_(lifecycle.ACTIVE)))
    return {f"run:{uuid}" for (uuid,) in rows}


def purge_finished(context, before, batch_size=1000, dry_run=False) -> int:
    """Delete the runs (and their items) that finished before ``before`` and have no move left."""
    r = models.Run
    candidates = sa.select(r.id).where(
        r.status.in_(lifecycle.FINISHED),
        sa.func.coalesce(r.finished_at, r.updated_at) < before,
        sa.not_(move_queries.kept_of(sa.literal("run:") + r.uuid, before)),
    )
    children = (models.RunItem.run_id, models.RunEvent.run_id)  # SQLite does not enforce the cascades
    return purge.purge(context, r, candidates, children, batch_size, dry_run)
