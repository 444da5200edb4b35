"""The embedded default (``vmove-all``, no Keystone): ``openstack --os-auth-type none --os-endpoint URL vmove ...``."""

import os
import subprocess
import uuid

import pytest

from vmove.api import app as api_app
from vmove.api import server
from vmove.tests import fixtures as vfixtures
from vmove.tests.functional.cli.conftest import OPENSTACK, Result


@pytest.fixture
def noauth_api(conf, db):
    conf.set_override("auth_strategy", "noauth", group="api")
    srv = server.APIServer(api_app.setup_app(conf), conf, "127.0.0.1", 0)
    srv.start()
    yield srv
    srv.stop()


def openstack(url, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    argv = [OPENSTACK, "--os-auth-type", "none", "--os-endpoint", url, *args]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)
    return Result(done.returncode, done.stdout, done.stderr)


def test_list_show_and_create_without_keystone(noauth_api):
    m = vfixtures.make_move(project_id="vmove", status="succeeded", phase="succeeded", progress=100)
    (row,) = openstack(noauth_api.url, "vmove", "list", "-f", "json").json()
    assert (row["ID"], row["Status"]) == (m.uuid, "succeeded")
    created = openstack(
        noauth_api.url, "vmove", "create", "--instance", str(uuid.uuid4()), "--type", "cold_migration", "-f", "json"
    )
    assert created.json()["type"] == "cold_migration" and created.json()["project_id"] == "vmove"
    assert openstack(noauth_api.url, "vmove", "show", m.uuid, "-f", "value", "-c", "progress").stdout.strip() == "100"
    mine = openstack(noauth_api.url, "vmove", "list", "--project", "vmove", "--status", "succeeded", "-f", "value")
    assert mine.stdout.split()[0] == m.uuid
