"""Merge the recovery (0003r) and plans (0003p) branches.

Create Date: 2026-11-24
"""

revision = "0004"
down_revision = ("0003p", "0003r")


def upgrade() -> None:
    pass
