"""The database's transaction context (oslo.db enginefacade), shared by every query module.

Queries live with their feature (:mod:`vmove.moves.queries`,
:mod:`vmove.recovery.queries`, :mod:`vmove.plans.queries`, ...) as functions
decorated with ``@main_context_manager.reader`` or ``.writer``; each takes the
request context first, and joins the context's transaction when one is open.
"""

from oslo_db.sqlalchemy import enginefacade
import sqlalchemy as sa

main_context_manager = enginefacade.transaction_context()
# No sleep(0) at every connection checkin: that is for eventlet's green threads, and vmove has none (a real
# thread gives up the GIL there for nothing, on every query).
main_context_manager.configure(thread_checkin=False)


def _on_engine_create(engine):
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        # WAL lets readers go on while the engine writes; wait instead of failing on a lock.
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    # A transaction that reads then writes must hold the write lock from the
    # start: SQLite cannot upgrade a read transaction once another writer
    # committed ("database is locked" at once, whatever busy_timeout says).
    # oslo.db emits a plain BEGIN itself: replace that listener with ours
    # (same "in_transaction" marker, which oslo.db clears at commit/rollback).
    for listener in list(engine.dispatch.begin):
        if getattr(listener, "__name__", "") == "_sqlite_emit_begin":
            sa.event.remove(engine, "begin", listener)

    @sa.event.listens_for(engine, "begin")
    def _begin_immediate(conn):
        if "in_transaction" not in conn.info:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            conn.info["in_transaction"] = True


main_context_manager.append_on_engine_create(_on_engine_create)


def plain_rows(session, query):
    """The result of ``query``, a select of a table's columns (plain rows), in the session's transaction:
    straight from its connection (the ORM's result layer costs a list page a fifth of its database time),
    unless the session holds changes ``session.execute`` would flush first."""
    if session.new or session.dirty or session.deleted:
        return session.execute(query)
    return session.connection().execute(query)


def objects_in(context, column, values, to_obj) -> list:
    """``to_obj(context, row)`` of every row whose ``column`` (a model's attribute) is one of ``values``,
    oldest first (by id), in the context's transaction."""
    model = column.class_
    rows = context.session.execute(sa.select(model).where(column.in_(list(values))).order_by(model.id)).scalars()
    return [to_obj(context, row) for row in rows]


@main_context_manager.reader
def ping(context) -> None:
    """Ask the database something (the healthcheck): raises when it does not answer."""
    context.session.execute(sa.text("SELECT 1")).scalar()


def get_engine():
    return main_context_manager.writer.get_engine()
