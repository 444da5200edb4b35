"""moves.global_request_id (sent to Nova and Cinder), engines.rpc_version (the RPC version an engine serves).

Expand only: two nullable columns. Engines and API processes of the previous
release keep running on this schema (they neither read nor write them), so it
may be applied before any of them is upgraded (see doc/source/admin/upgrades.rst).

Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    op.add_column("moves", sa.Column("global_request_id", sa.String(64), nullable=True))
    op.add_column("engines", sa.Column("rpc_version", sa.String(16), nullable=True))
