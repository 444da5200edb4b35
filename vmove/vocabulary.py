"""The words of vmove's API that the server and its clients both name: statuses, types, fields, sort keys.

The API's schemas and the database layer check them; the Python client and the CLI offer them (as
choices, columns, the end of a wait). The client, the CLI and the dashboard import no server code
(setup.cfg's contracts) and run without the server's packages, so this module imports nothing: one
list, read by both sides. A word added here is an API change (a microversion, see
:mod:`vmove.api.microversion`).
"""

# ------------------------------------------------------------------ moves (/v1/moves)
#: a move that is not over (it holds its resource), then the statuses a move ends in
MOVE_ACTIVE = ("pending", "ongoing")
MOVE_TERMINAL = ("succeeded", "failed", "cancelled", "ignored")
MOVE_STATUSES = MOVE_ACTIVE + MOVE_TERMINAL
RESOURCE_TYPES = ("instance", "volume")
#: the move types of vmove's own actions, by what they move
INSTANCE_MOVE_TYPES = ("live_migration", "cold_migration", "resize", "evacuation")
VOLUME_MOVE_TYPES = ("volume_migration", "volume_retype", "volume_swap")
MOVE_TYPES = INSTANCE_MOVE_TYPES + VOLUME_MOVE_TYPES
#: what a list of moves may be sorted by
MOVE_SORT_KEYS = (
    "created_at",
    "updated_at",
    "priority",
    "status",
    "type",
    "resource_type",
    "resource_id",
    "attempt",
    "progress",
)
#: a move's fields, in the order the API gives them (1.0 on), its times apart
MOVE_FIELDS = (
    "uuid",
    "resource_type",
    "resource_id",
    "resource_name",
    "type",
    "status",
    "phase",
    "source_host",
    "dest_host",
    "source_backend",
    "dest_backend",
    "source_type",
    "dest_type",
    "params",
    "priority",
    "attempt",
    "progress",
    "message",
    "project_id",
    "user_id",
    "origin",
)
MOVE_TIMES = ("start_time", "end_time", "created_at", "updated_at")

# ------------------------------------------------------------------ plan runs (/v1/runs)
#: a run that holds its plan, then the statuses after which nothing changes any more
RUN_ACTIVE = ("validating", "awaiting_approval", "approved", "running", "paused", "cancelling")
RUN_FINISHED = ("validated", "denied", "succeeded", "failed", "cancelled")
RUN_STATUSES = RUN_ACTIVE + RUN_FINISHED

# ------------------------------------------------------------------ a notification's vmoves (Masakari's shape)
#: Masakari's vmove types, and vmove's name of its ``migration``
VMOVE_TYPES = ("evacuation", "live_migration", "migration", "cold_migration")
VMOVE_SORT_KEYS = (
    "created_at",
    "updated_at",
    "start_time",
    "end_time",
    "status",
    "type",
    "priority",
    "attempt",
    "instance_uuid",
)
