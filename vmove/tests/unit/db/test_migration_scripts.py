from vmove.db import migration


def test_single_base_and_single_head():
    script = migration.script_directory()
    assert len(script.get_bases()) == 1
    assert len(script.get_heads()) == 1


def test_upgrade_reaches_head(db):
    assert migration.version(db.engine) == migration.head()
