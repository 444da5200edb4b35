"""The osc-lib plugin module: options, version check, client factory; and what it imports."""

import argparse
import subprocess
import sys
import textwrap
from unittest import mock

import pytest

from vmove.cli import plugin
from vmove.client import exceptions, versions


def test_options_and_their_environment(monkeypatch):
    monkeypatch.delenv("OS_VMOVE_API_VERSION", raising=False)
    monkeypatch.delenv("OS_VMOVE_ENDPOINT_OVERRIDE", raising=False)
    parsed = plugin.build_option_parser(argparse.ArgumentParser()).parse_args([])
    assert (parsed.os_vmove_api_version, parsed.os_vmove_endpoint_override) == ("1", None)
    monkeypatch.setenv("OS_VMOVE_API_VERSION", "1.1")
    monkeypatch.setenv("OS_VMOVE_ENDPOINT_OVERRIDE", "http://vmove.example:9393")
    parsed = plugin.build_option_parser(argparse.ArgumentParser()).parse_args([])
    assert (parsed.os_vmove_api_version, parsed.os_vmove_endpoint_override) == ("1.1", "http://vmove.example:9393")
    parsed = plugin.build_option_parser(argparse.ArgumentParser()).parse_args(["--os-vmove-api-version", "1.0"])
    assert parsed.os_vmove_api_version == "1.0"


def test_api_versions_cover_what_the_client_speaks():
    assert plugin.API_VERSIONS[0] == "1"
    assert plugin.API_VERSIONS[1:] == tuple(versions.known_versions())
    assert versions.known_versions()[-1] == versions.MAX_VERSION


def test_check_api_version():
    assert plugin.check_api_version("1") is True
    assert plugin.check_api_version(versions.MAX_VERSION) is True
    with pytest.raises(exceptions.VersionNotSupported, match="not supported by this client"):
        plugin.check_api_version("1.99")


def test_make_client_uses_the_openstack_commands_session():
    instance = mock.Mock()
    instance._api_version = {"vmove": "1.1"}
    instance.get_configuration.return_value = {"vmove_endpoint_override": "http://vmove.example:9393/"}
    instance.region_name, instance.interface = "RegionTwo", "internal"
    client = plugin.make_client(instance)
    assert client.http.session is instance.session
    assert (client.endpoint, client.api_version) == ("http://vmove.example:9393", "1.1")
    assert (client.http.region_name, client.http.interface) == ("RegionTwo", "internal")


def test_the_client_and_the_cli_import_no_server_code():
    code = textwrap.dedent(
        """
        import sys
        import vmove.client, vmove.cli.plugin, vmove.cli.moves, vmove.cli.events, vmove.cli.engines
        server = ("vmove.api", "vmove.db", "vmove.engine", "vmove.objects", "vmove.actions", "vmove.conf",
                  "vmove.policies", "vmove.policy", "vmove.moves", "vmove.rpc", "sqlalchemy", "pecan", "oslo_db",
                  "oslo_messaging")
        print("\\n".join(sorted(m for m in sys.modules if m.startswith(server))))
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
