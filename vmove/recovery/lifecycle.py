"""The lifecycles of a host recovery: the notification's, and its restore's.

A notification (a host failed, ``STOPPED``; or came back, ``STARTED``)::

    new --set_up--> running --finish--> finished
     |                 |
     |                 +----fail----> failed --retry--> new
     +----ignore----> ignored   (nothing to recover or to restore)

Its restore (the evacuated instances moved back; a host-failure notification
has none until one is asked for)::

    (none) --request--> requested --wait--> waiting --wait--> waiting
                            |                  |
                            +------start-------+--start--> running --finish--> finished
                                                              |
    failed <-----------------------------fail-----------------+
    failed --request--> requested
"""

from vmove import fsm

NEW, RUNNING, FINISHED, FAILED, IGNORED = "new", "running", "finished", "failed", "ignored"
#: a notification whose recovery is not over (one per host and event at a time)
ACTIVE = (NEW, RUNNING)

NOTIFICATION = fsm.Lifecycle(
    what="Notification",
    states={
        NEW: "Recorded; an engine sets its recovery up (or, for STARTED, its restore).",
        RUNNING: "Set up: its moves run (evacuations, or the restore it asked for).",
        FINISHED: "Every instance was evacuated (or restored).",
        FAILED: "Some instances were not evacuated; a retry moves them.",
        IGNORED: "Nothing to do: no compute service on the host, nothing to restore, auto_restore off.",
    },
    edges={
        (NEW, "set_up"): RUNNING,
        (NEW, "ignore"): IGNORED,
        (RUNNING, "finish"): FINISHED,
        (RUNNING, "fail"): FAILED,
        (FAILED, "retry"): NEW,
    },
    initial=NEW,
)

RESTORE_REQUESTED, RESTORE_WAITING, RESTORE_RUNNING = "requested", "waiting", "running"
#: a restore that is not over
RESTORE_ACTIVE = (RESTORE_REQUESTED, RESTORE_WAITING, RESTORE_RUNNING)

RESTORE = fsm.Lifecycle(
    what="The restore of notification",
    states={
        RESTORE_REQUESTED: "Asked for; an engine brings the host back into service.",
        RESTORE_WAITING: "The host's compute service is not back yet; tried again later.",
        RESTORE_RUNNING: "The moves back run.",
        FINISHED: "Every instance that could go back is back.",
        FAILED: "Some moves back failed; asking again retries them.",
    },
    edges={
        (None, "request"): RESTORE_REQUESTED,
        (FAILED, "request"): RESTORE_REQUESTED,
        (RESTORE_REQUESTED, "wait"): RESTORE_WAITING,
        (RESTORE_WAITING, "wait"): RESTORE_WAITING,
        (RESTORE_REQUESTED, "start"): RESTORE_RUNNING,
        (RESTORE_WAITING, "start"): RESTORE_RUNNING,
        (RESTORE_RUNNING, "finish"): FINISHED,
        (RESTORE_RUNNING, "fail"): FAILED,
    },
)

COMPUTE_HOST = "COMPUTE_HOST"
STOPPED, STARTED = "STOPPED", "STARTED"

#: why a recovery left an instance alone (the ``reason`` of its ignored move's last event)
REASON_NO_ROOM = "no_room"  # the capacity check found no host with room
REASON_STOPPED = "stopped"  # the recovery stopped: too many evacuations in a row found no valid host
REASON_NOT_HA = "not_ha"
REASON_ERROR_STATE = "error_state"
REASON_MOVED = "moved_since"
REASON_STATE = "instance_state"
#: a retry tries these again (and failed moves); the others were decisions, not failures
RETRYABLE = (REASON_NO_ROOM, REASON_STOPPED)
