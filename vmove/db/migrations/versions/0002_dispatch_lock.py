"""A lock row that serializes dispatch across engines.

Create Date: 2026-11-24
"""

from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    locks = op.create_table(
        "locks",
        sa.Column("name", sa.String(64), primary_key=True),
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
    )
    op.bulk_insert(locks, [{"name": "dispatch"}])
