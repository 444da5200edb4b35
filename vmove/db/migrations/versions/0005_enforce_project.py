"""moves.enforce_project: the engine checks the resource belongs to the move's project.

Create Date: 2026-11-24
"""

from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    with op.batch_alter_table("moves") as batch:
        batch.add_column(sa.Column("enforce_project", sa.Boolean, nullable=False, server_default=sa.false()))
