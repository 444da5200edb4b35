"""Schema migrations (alembic), run by ``vmove-manage db sync``."""

import os

from alembic import command as alembic_command
from alembic import config as alembic_config
from alembic import migration as alembic_migration
from alembic import script as alembic_script

from vmove.db import api as db_api

_SCRIPT_LOCATION = os.path.join(os.path.dirname(__file__), "migrations")


def _config(connection=None) -> alembic_config.Config:
    cfg = alembic_config.Config()
    cfg.set_main_option("script_location", _SCRIPT_LOCATION)
    cfg.attributes["connection"] = connection
    return cfg


def script_directory() -> alembic_script.ScriptDirectory:
    return alembic_script.ScriptDirectory.from_config(_config())


def head() -> str:
    """The single head revision (the tests insist there is one)."""
    heads = script_directory().get_heads()
    return heads[0] if len(heads) == 1 else ",".join(sorted(heads))


def upgrade(revision: str = "heads", engine=None) -> None:
    engine = engine or db_api.get_engine()
    with engine.begin() as conn:
        alembic_command.upgrade(_config(conn), revision)


def version(engine=None) -> str | None:
    engine = engine or db_api.get_engine()
    with engine.connect() as conn:
        heads = alembic_migration.MigrationContext.configure(conn).get_current_heads()
    return ",".join(sorted(heads)) if heads else None


def unapplied(current: str | None) -> list[str]:
    """The revisions between ``current`` (None: an empty database) and the head, oldest first."""
    script = script_directory()
    revisions = [r.revision for r in script.walk_revisions(base="base", head="heads")]
    if current is None:
        return list(reversed(revisions))
    applied = set()
    for rev in current.split(","):
        applied.update(r.revision for r in script.iterate_revisions(rev, "base"))
    return [r for r in reversed(revisions) if r not in applied]
