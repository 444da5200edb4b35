"""A third-party action installed as its own package (pip, entry point
``vmove.actions``) is loaded and run with no change to vmove."""

import pathlib
import subprocess
import sys
import time
import uuid

import pytest

from vmove import context as vmove_context
from vmove import exception
from vmove.actions import registry
from vmove.engine import service as engine_service
from vmove.moves import queries as move_queries
from vmove.moves import service as move_requests
from vmove.moves import states

SRC = pathlib.Path(__file__).parent / "plugin_src"


@pytest.fixture
def plugin_installed(tmp_path, monkeypatch):
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(SRC),
        ],
        check=True,
        capture_output=True,
    )
    monkeypatch.syspath_prepend(str(target))
    import importlib

    importlib.invalidate_caches()
    registry.reset()
    yield
    registry.reset()
    sys.modules.pop("vmove_demo_action", None)


def test_unknown_type_without_the_plugin(conf, db):
    registry.reset()
    with pytest.raises(exception.Invalid, match="Unknown move type 'demo_noop'"):
        move_requests.check_request("demo_noop", "instance", {})


def test_plugin_action_runs(plugin_installed, conf, db):
    assert "demo_noop" in registry.action_classes()
    # its schema is enforced at request time, keywords and all
    with pytest.raises(exception.Invalid, match="note"):
        move_requests.check_request("demo_noop", "instance", {"note": "x" * 65})

    # the demo action's FSM: a third-party type gets the generic one
    conf.set_override("poll_interval", 0.05, group="engine")
    ctx = vmove_context.get_admin_context()
    ctx.project_id = "p"
    engine = engine_service.EngineService(conf)
    engine.start()
    try:
        ok, skip = (
            move_requests.request_move(
                ctx,
                resource_type="instance",
                resource_id=str(uuid.uuid4()),
                move_type="demo_noop",
                params={"note": note},
            )
            for note in ("hello", "skip me")
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            a, b = (move_queries.get(ctx, m.uuid) for m in (ok, skip))
            if a.status in states.TERMINAL and b.status in states.TERMINAL:
                break
            time.sleep(0.1)
    finally:
        engine.stop()
    assert (a.status, a.dest_host, a.source_host) == ("succeeded", "nowhere", "nowhere")
    assert (b.status, b.message) == ("ignored", "asked to skip")
