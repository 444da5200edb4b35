"""Volume move parameters: the schema and Watcher's rules, refused (400) before anything is written."""

import pytest

from vmove import context as vmove_context
from vmove import exception
from vmove.actions import base, volume
from vmove.api import validation
from vmove.moves import queries as move_queries
from vmove.moves import service as moves
from vmove.tests.unit.actions.fakes import (
    A2,
    VID,
)


# --- the schema and the API rules (400 before anything is written) -----------------
def test_schema_keywords_are_spelled_right():
    validation.check_schema(volume.VolumeMigration.schema)
    assert volume.VolumeMigration.schema["additionalProperties"] is False


@pytest.mark.parametrize(
    "params",
    [
        {"migration_type": "migrate", "destination_node": 12345},  # Watcher let this through
        {"migration_type": "migrate", "destination_node": ""},
        {"migration_type": "retype", "destination_type": ""},
        {"migration_type": "retype", "destination_type": None},
        {"migration_type": "Swap", "destination_type": "B"},
        {"migration_type": "move", "destination_type": "B"},
        {"migration_type": "retype", "destination_type": "B", "resource_id": VID},
        {"migration_type": "migrate", "destination_node": "x" * 256},
    ],
)
def test_schema_refuses_bad_params(params):
    with pytest.raises(exception.Invalid) as err:
        moves.check_request("volume_migration", "volume", params)
    assert err.value.code == 400


@pytest.mark.parametrize(
    ("move_type", "params", "message"),
    [
        ("volume_migration", {"migration_type": "swap"}, "destination type is required when migration type is swap"),
        ("volume_swap", {}, "destination type is required when migration type is swap"),
        ("volume_swap", {"destination_node": A2}, "destination type is required when migration type is swap"),
        (
            "volume_migration",
            {"migration_type": "retype"},
            "destination type is required when migration type is retype",
        ),
        ("volume_retype", {}, "destination type is required when migration type is retype"),
        (
            "volume_retype",
            {"migration_type": "cold", "destination_node": A2},
            "destination type is required for a volume_retype",
        ),
        (
            "volume_migration",
            {"migration_type": "migrate"},
            "destination node is required when migration type is migrate",
        ),
        (
            "volume_migration",
            {"migration_type": "cold"},
            "destination node or destination type is required when migration type is cold",
        ),
        (
            "volume_migration",
            {"destination_node": A2},
            "migration_type is required for a volume_migration: one of swap, cold, retype, migrate.",
        ),
        (
            "volume_swap",
            {"migration_type": "retype", "destination_type": "B"},
            "migration_type retype does not fit a volume_swap: it takes swap.",
        ),
        (
            "volume_retype",
            {"migration_type": "migrate", "destination_node": A2},
            "migration_type migrate does not fit a volume_retype: it takes retype or cold.",
        ),
    ],
)
def test_api_rules_messages(move_type, params, message):
    with pytest.raises(base.InvalidParams) as err:
        moves.check_request(move_type, "volume", params)
    assert err.value.code == 400
    assert err.value.message == message


def test_one_destination_only():
    with pytest.raises(base.InvalidParams, match="cannot be combined"):
        moves.check_request(
            "volume_migration", "volume", {"migration_type": "cold", "destination_node": A2, "destination_type": "B"}
        )


@pytest.mark.parametrize(
    ("move_type", "params", "kind"),
    [
        ("volume_retype", {"destination_type": "B"}, "retype"),
        ("volume_swap", {"destination_type": "B"}, "swap"),
        ("volume_retype", {"migration_type": "cold", "destination_type": "B"}, "cold"),
        ("volume_migration", {"migration_type": "migrate", "destination_node": "cloud@a2"}, "migrate"),
        ("volume_migration", {"migration_type": "swap", "destination_type": "B"}, "swap"),
    ],
)
def test_migration_type_defaults_and_normalised_params(move_type, params, kind):
    out = moves.check_request(move_type, "volume", params)
    assert out == dict(params, migration_type=kind)


def test_a_volume_move_of_an_instance_is_refused():
    with pytest.raises(exception.Invalid, match="moves a volume, not an instance"):
        moves.check_request("volume_swap", "instance", {"destination_type": "B"})


# --- through the REST API: a 400 with the message, nothing written -------------------------
def test_post_moves_refuses_a_swap_without_destination_type(api, db):
    headers = {"X-Project-Id": "p1", "X-Roles": "admin,member,reader", "X-User-Id": "u1"}
    move = {"resource_type": "volume", "resource_id": VID, "type": "volume_swap", "params": {}}
    r = api.request("POST", "/v1/moves", body={"move": move}, version="1.2", headers=headers)
    assert r.status_int == 400, r.body
    assert "destination type is required when migration type is swap" in r.body.decode()
    assert move_queries.get_all(vmove_context.get_admin_context(), {"resource_id": VID}) == []


def test_post_moves_records_the_defaulted_migration_type(api, db):
    headers = {"X-Project-Id": "p1", "X-Roles": "admin,member,reader", "X-User-Id": "u1"}
    move = {"resource_type": "volume", "resource_id": VID, "type": "volume_retype", "params": {"destination_type": "B"}}
    r = api.request("POST", "/v1/moves", body={"move": move}, version="1.2", headers=headers)
    assert r.status_int == 202, r.body
    assert r.json_body_or_none["move"]["params"] == {"destination_type": "B", "migration_type": "retype"}
