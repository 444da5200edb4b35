"""``openstack help vmove ...`` for every command, and the endpoint from the real service catalog."""

import socket
import subprocess

import pytest

from vmove.api import app as api_app
from vmove.api import server
from vmove.client import Client
from vmove.tests import fixtures as vfixtures
from vmove.tests.functional.cli.conftest import OPENSTACK, OpenStackCLI

HELP = {
    "list": ["--status", "--type", "--resource", "--resource-type", "--host", "--origin", "--project",
             "--changes-since", "--sort", "--limit", "--marker", "--long", "{csv,json,table,value,yaml}"],
    "show": ["<move>", "{json,shell,table,value,yaml}"],
    "event list": ["<move>", "--long"],
    "engine list": ["{csv,json,table,value,yaml}"],
    "create": ["--instance", "--volume", "--type", "--host", "--block-migration", "--migration-type",
               "--destination-node", "--destination-type", "--priority", "--wait", "--wait-timeout", "--poll-interval"],
    "cancel": ["<move> [<move> ...]", "--wait", "--wait-timeout"],
    "wait": ["<move> [<move> ...]", "--wait-timeout", "--poll-interval"],
    "notification create": ["{json,shell,table,value,yaml}"],
    "notification list": ["{csv,json,table,value,yaml}"],
    "notification show": ["{json,shell,table,value,yaml}"],
    "notification restore": ["{json,shell,table,value,yaml}"],
    "notification retry": ["{json,shell,table,value,yaml}"],
    "notification vmove list": ["--filters", "--limit", "--marker", "--sort"],
    "notification vmove show": ["{json,shell,table,value,yaml}"],
    "plan create": ["--instance", "--volume", "--host-map", "--file", "--approval"],
    "plan list": ["{csv,json,table,value,yaml}"],
    "plan show": ["{json,shell,table,value,yaml}"],
    "plan set": ["{json,shell,table,value,yaml}"],
    "plan delete": ["<plan> [<plan> ...]"],
    "plan item add": ["{csv,json,table,value,yaml}"],
    "plan item remove": ["{csv,json,table,value,yaml}"],
    "plan run": ["--dry-run", "--wait"],
    "run list": ["{csv,json,table,value,yaml}"],
    "run show": ["{json,shell,table,value,yaml}"],
    "run approve": ["{json,shell,table,value,yaml}"],
    "run deny": ["--reason"],
    "run cancel": ["{json,shell,table,value,yaml}"],
    "run wait": ["{json,shell,table,value,yaml}"],
    "run move list": ["{csv,json,table,value,yaml}"],
    "run event list": ["<run>", "--item", "{csv,json,table,value,yaml}"],
}  # fmt: skip


@pytest.mark.parametrize("command", sorted(HELP))
def test_help(command):
    done = subprocess.run(
        [OPENSTACK, "help", "vmove", *command.split()], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: openstack vmove {command} ")
    for word in HELP[command]:
        assert word in done.stdout, f"{word} missing from 'openstack help vmove {command}'"
    description = done.stdout.split("\n\n")[1]
    assert len(description) > 10 and "\n  " not in description


def test_every_command_is_in_the_command_list():
    done = subprocess.run([OPENSTACK, "--help"], capture_output=True, text=True, timeout=60, check=True)
    listed = {line.strip().split("  ")[0] for line in done.stdout.splitlines() if line.startswith("  vmove ")}
    assert listed == {f"vmove {command}" for command in HELP}
    assert "--os-vmove-api-version" in done.stdout and "--os-vmove-endpoint-override" in done.stdout


@pytest.mark.keystone
def test_the_client_finds_vmove_in_the_catalog(devcloud_keystone):
    ks = devcloud_keystone
    client = Client(ks.session("demo"), region_name=ks.region)
    assert client.endpoint == "http://127.0.0.1:9393"


@pytest.mark.keystone
def test_the_cli_uses_the_catalog_endpoint(vmove_api, conf, devcloud_keystone):
    """Without an override, the API at the catalog's port 9393 is the one called."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if s.connect_ex(("127.0.0.1", 9393)) == 0:
            why = "port 9393 (the catalog's vmove endpoint) is in use by another vmove"
            if vfixtures.CI:
                pytest.fail(why + " (CI=true: nothing else may hold it)")
            pytest.skip(why)
    on_9393 = server.APIServer(api_app.setup_app(conf), conf, "127.0.0.1", 9393)
    on_9393.start()
    try:
        demo = devcloud_keystone.session("demo").get_project_id()
        m = vfixtures.make_move(project_id=demo)
        result = OpenStackCLI("", devcloud_keystone).json("vmove", "list", user="demo")
        assert [r["ID"] for r in result] == [m.uuid]
    finally:
        on_9393.stop()


def test_an_api_version_this_client_does_not_speak():
    done = subprocess.run(
        [OPENSTACK, "--os-vmove-api-version", "1.99", "vmove", "list"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "API version 1.99 is not supported by this client, which speaks 1.0 to" in done.stderr
