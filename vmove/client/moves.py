"""``/v1/moves``: moves, their events, asking for one and cancelling one."""

from vmove import vocabulary
from vmove.client import base

STATUSES, TERMINAL_STATUSES = vocabulary.MOVE_STATUSES, vocabulary.MOVE_TERMINAL
TYPES, INSTANCE_TYPES, VOLUME_TYPES = (
    vocabulary.MOVE_TYPES,
    vocabulary.INSTANCE_MOVE_TYPES,
    vocabulary.VOLUME_MOVE_TYPES,
)
RESOURCE_TYPES = vocabulary.RESOURCE_TYPES
SORT_KEYS = vocabulary.MOVE_SORT_KEYS


def _id(move) -> str:
    return move["uuid"] if isinstance(move, dict) else str(move)


class MoveManager(base.Manager):
    def list(
        self,
        *,
        status=None,
        move_type=None,
        resource_type=None,
        resource_id=None,
        host=None,
        origin=None,
        project_id=None,
        changes_since=None,
        sort_key=None,
        sort_dir=None,
        limit=None,
        marker=None,
    ):
        """Moves, filtered; every page unless ``limit`` caps how many.

        ``status`` and ``move_type`` take one value or a list (any of them).
        """
        params = base.query(
            status=status,
            type=move_type,
            resource_type=resource_type,
            resource_id=resource_id,
            host=host,
            origin=origin,
            project_id=project_id,
            sort_key=sort_key,
            sort_dir=sort_dir,
        )
        if changes_since:
            params["changes-since"] = changes_since
        return self._list("/v1/moves", "moves", params=params, limit=limit, marker=marker)

    def get(self, move):
        return self._get(f"/v1/moves/{_id(move)}", "move")

    def events(self, move):
        """Every state change of ``move``, oldest first."""
        answer = self.http.request("GET", f"/v1/moves/{_id(move)}/events")
        return [base.Resource(event) for event in answer["events"]]

    def create(self, resource_type, resource_id, move_type, *, params=None, priority=None):
        """Ask for one move (microversion 1.2); the API answers at once with the pending move."""
        move = {"resource_type": resource_type, "resource_id": resource_id, "type": move_type}
        if params:
            move["params"] = params
        if priority is not None:
            move["priority"] = priority
        return self._post("/v1/moves", "move", {"move": move}, min_version="1.2")

    def cancel(self, move):
        """Ask for ``move`` to be cancelled (microversion 1.2); Conflict when it cannot be."""
        return self._action(f"/v1/moves/{_id(move)}", "cancel", key="move", min_version="1.2")
