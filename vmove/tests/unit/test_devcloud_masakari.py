"""The dev cloud's optional Masakari peer: how it is asked for and how its settings are written."""

import configparser

import pytest

from vmove.devcloud import cli, masakari
from vmove.devcloud.base import DevCloudError


def test_masakari_only_when_asked_for():
    assert cli._names(None) == ("keystone", "nova", "cinder", "horizon")
    assert cli._names(None, "masakari") == ("keystone", "nova", "cinder", "horizon", "masakari")
    assert cli._names("masakari,keystone") == ("keystone", "masakari")
    with pytest.raises(DevCloudError, match="unknown component"):
        cli._names(None, "masakary")
    args = cli.parser().parse_args(["up", "--with", "masakari"])
    assert args.with_ == "masakari"


def test_settings_are_masakaris_defaults_but_what_a_shared_cloud_needs():
    layered = masakari.merged(masakari.SETTINGS, {"DEFAULT": {"host_failure_recovery_threads": 10}})
    text = masakari.CONF.format(
        transport_url="rabbit://",
        data="/d",
        host="h",
        port=1,
        password="p",
        auth_url="a",
        venv="/v",
        db="d",
        taskflow_db="t",
    ) + masakari.render(layered)
    conf = configparser.ConfigParser(strict=False, interpolation=None)
    conf.read_string(text)
    assert conf["DEFAULT"]["host_failure_recovery_threads"] == "10"
    assert conf["DEFAULT"]["duplicate_notification_detection_interval"] == "0"
    assert conf["host_failure"]["evacuate_all_instances"] == "false"
    # Masakari's own defaults stay: its 180 s wait, its random delay in the POST
    assert "wait_period_after_service_update" not in conf["DEFAULT"]
    assert "notification_delay_max" not in conf["DEFAULT"]
    assert conf["DEFAULT"]["os_user_domain_name"] == "Default"  # "default" gets 401 from the dev cloud's Keystone
