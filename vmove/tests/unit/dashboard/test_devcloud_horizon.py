"""The dev cloud's Horizon component, without starting anything: its settings, when it restarts, what
``vmove-devcloud env --format horizon`` says."""

import ast
import pathlib

from vmove.devcloud import base, envfmt, horizon, owners


def test_local_settings_are_python_with_the_dev_clouds_keystone(tmp_path):
    text = horizon.LOCAL_SETTINGS.format(secret="s", auth_url="http://k/v3", sessions="/s", static="/st")
    tree = ast.parse(text)
    assigned = {t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets}
    assert {"OPENSTACK_KEYSTONE_URL", "COMPRESS_OFFLINE", "SESSION_ENGINE", "CACHES"} <= assigned
    assert "'http://k/v3'" in text


def test_the_plugin_digest_follows_the_plugins_code(tmp_path, monkeypatch):
    source = tmp_path / "src"
    for rel in ("vmove/dashboard/views.py", "vmove/dashboard/templates/x.html", "vmove/client/client.py"):
        (source / rel).parent.mkdir(parents=True, exist_ok=True)
        (source / rel).write_text(rel)
    monkeypatch.setattr(horizon, "SOURCE", source)
    monkeypatch.setattr(horizon, "PLUGIN", source / "vmove" / "dashboard")
    first = horizon.plugin_digest()
    assert horizon.plugin_digest() == first
    (source / "vmove/dashboard/templates/x.html").write_text("changed")
    assert horizon.plugin_digest() != first
    (source / "vmove/dashboard/notes.txt").write_text("not code")
    changed = horizon.plugin_digest()
    (source / "vmove/dashboard/notes.txt").write_text("still not code")
    assert horizon.plugin_digest() == changed


def test_horizon_is_a_component_with_its_own_port():
    assert base.PORTS["horizon"] == 18080 and horizon.URL == "http://127.0.0.1:18080"
    assert owners.COMPONENT_PORTS["horizon"] == ("horizon",)
    assert "\nhorizon==27.0.0\n" in pathlib.Path(horizon.LOCKFILE).read_text()  # the pinned version


def test_env_prints_horizon_and_its_users():
    text = envfmt.render_env(None, "horizon")
    assert text.startswith(f"Horizon: {horizon.URL}/")
    for user in ("admin", "demo", "demo-reader", "alt"):
        assert f"  {user} " in text and base.USERS[user][0] in text
    openrc = envfmt.render_env("demo", "openrc")
    assert openrc.rstrip().splitlines()[-1] == f"# Horizon: {horizon.URL}/"  # last: eval $(...) keeps the exports
