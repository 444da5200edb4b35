"""One move in progress per resource, one run in progress per plan: unique keys the database enforces;
moves' default order indexed whole.

``moves.active_key`` is the resource's id while the move is pending or ongoing, NULL once it has
ended; ``runs.active_key`` is the plan's uuid while the run is in progress (validating,
awaiting_approval, approved, running, paused, cancelling), NULL once it has finished. A unique constraint on
each lets at most one such row exist (NULLs never collide, on SQLite, MariaDB and PostgreSQL alike),
whatever concurrent requests do. Existing rows: the oldest move in progress of each resource and the
newest run in progress of each plan get the key (any other, written by the race this closes, keeps
NULL and simply ends).

``moves_created_at_idx`` becomes ``moves_created_at_id_idx`` on ``(created_at, id)``, the order of every
list of moves by default: a page after a marker is then one index range scan, no sort
(:mod:`vmove.db.pagination`).

Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0006"

MOVES_ACTIVE = ("pending", "ongoing")
RUNS_ACTIVE = ("validating", "awaiting_approval", "approved", "running", "paused", "cancelling")


def upgrade() -> None:
    with op.batch_alter_table("moves") as batch:
        batch.add_column(sa.Column("active_key", sa.String(255), nullable=True))
        batch.create_unique_constraint("uniq_moves0active_key", ["active_key"])
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("active_key", sa.String(36), nullable=True))
        batch.create_unique_constraint("uniq_runs0active_key", ["active_key"])
    op.drop_index("moves_created_at_idx", table_name="moves")
    op.create_index("moves_created_at_id_idx", "moves", ["created_at", "id"])
    _fill("moves", "resource_id", MOVES_ACTIVE, sa.func.min)
    _fill("runs", "plan_uuid", RUNS_ACTIVE, sa.func.max)


def _fill(table_name, key_column, active, pick):
    """active_key = key_column on one row in progress per key (the one ``pick`` chooses by id)."""
    table = sa.table(
        table_name, sa.column("id", sa.Integer), sa.column(key_column), sa.column("status"), sa.column("active_key")
    )
    key = table.c[key_column]
    chosen = sa.select(pick(table.c.id).label("id")).where(table.c.status.in_(active)).group_by(key)
    # a derived table: MariaDB cannot read the table an UPDATE changes in a plain subquery
    ids = sa.select(chosen.subquery().c.id)
    op.execute(sa.update(table).where(table.c.id.in_(ids)).values(active_key=key))
