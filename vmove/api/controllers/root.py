"""``/`` and ``/v1``: version discovery."""

import pecan
from pecan import rest

from vmove.api import microversion
from vmove.api.controllers import links
from vmove.api.controllers.v1 import engines, moves, notifications, plans, runs


def _version_document() -> dict:
    return {
        "id": "v1",
        "status": "CURRENT",
        "min_version": microversion.min_version_string(),
        "version": microversion.max_version_string(),
        "links": [links.make("self", "v1", "")],
    }


class V1Controller(rest.RestController):
    moves = moves.MovesController()
    engines = engines.EnginesController()
    plans = plans.PlansController()
    runs = runs.RunsController()
    notifications = notifications.NotificationsController()

    @pecan.expose("json")
    def get(self):
        doc = _version_document()
        doc["media_types"] = [{"base": "application/json", "type": "application/vnd.openstack.vmove-v1+json"}]
        doc["resources"] = {
            "moves": links.make("moves", "v1", "moves"),
            "engines": links.make("engines", "v1", "engines"),
        }
        return {"version": doc}


class RootController(rest.RestController):
    v1 = V1Controller()

    @pecan.expose("json")
    def get(self):
        return {
            "name": "vmove",
            "description": "vmove plans, executes and records every move of an OpenStack workload.",
            "versions": [_version_document()],
            "default_version": _version_document(),
        }
