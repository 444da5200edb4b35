"""Merge the recovery (0003r) and plans (0003p) branches.

Revision ID: 0004
Revises: 0003p, 0003r
Create Date: 2026-11-24
"""

revision = "0004"
down_revision = ("0003p", "0003r")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass
