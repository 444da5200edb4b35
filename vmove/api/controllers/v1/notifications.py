"""``/v1/notifications`` (microversion 1.3): host failures, their recovery and restore.

The body of ``POST /v1/notifications`` is Masakari's COMPUTE_HOST
notification. A notification for a host and event that already has one new
or running is answered with that one (200) and starts nothing; a new one is
202 and the engines take it from there (see :mod:`vmove.recovery.extension`).
"""

import pecan
from pecan import rest

from vmove import policy
from vmove.api import microversion
from vmove.api.controllers import links
from vmove.api.controllers.v1 import common
from vmove.api.controllers.v1 import vmoves as vmoves_controller
from vmove.api.schemas import notifications as schemas
from vmove.recovery import queries, service


def _restore_view(n):
    if n.restore_status is None:
        return None
    return {
        "status": n.restore_status,
        "progress": n.restore_progress,
        "attempt": n.restore_attempt,
        "message": n.restore_message,
        "requested_at": common.isotime(n.restore_requested_at),
        "finished_at": common.isotime(n.restore_finished_at),
    }


def notification_view(n) -> dict:
    view = {
        "id": n.id,
        "notification_uuid": n.uuid,
        "uuid": n.uuid,
        "type": n.type,
        "hostname": n.hostname,
        "generated_time": common.isotime(n.generated_time),
        "payload": n.payload,
        "status": n.status,
        "progress": n.progress,
        "message": n.message,
        "attempt": n.attempt,
        "related_notification_uuid": n.related_uuid,
        "restore": _restore_view(n),
        "created_at": common.isotime(n.created_at),
        "updated_at": common.isotime(n.updated_at),
        "finished_at": common.isotime(n.finished_at),
        "links": [links.make("self", "v1", "notifications", n.uuid)],
    }
    view.update(microversion.fields_since(microversion.MASAKARI_COMPAT, source_host_uuid=n.source_host_uuid))
    return view


#: a notification's (or its restore's) status -> the state of a taskflow task, as Masakari shows them
WORKFLOW_STATES = {"new": "PENDING", "requested": "PENDING", "waiting": "PENDING", "running": "RUNNING"}
WORKFLOW_STATES.update(finished="SUCCESS", failed="FAILURE", ignored="IGNORE")


def _workflow_step(name, status, progress, message, at) -> dict:
    details = [{"timestamp": common.isotime(at), "message": message, "progress": progress / 100}] if message else []
    return {"name": name, "state": WORKFLOW_STATES[status], "progress": progress / 100, "progress_details": details}


def workflow_details(n) -> list:
    """Masakari's ``recovery_workflow_details`` of ``n``: its recovery (or, for STARTED, the restore it
    asked for) and its restore, as the steps Masakari's clients show."""
    name = "vmove-evacuation" if n.event == "STOPPED" else "vmove-restore"
    steps = [_workflow_step(name, n.status, n.progress, n.message, n.updated_at)]
    if n.restore_status is not None:
        at = n.restore_finished_at or n.updated_at
        steps.append(_workflow_step("vmove-restore", n.restore_status, n.restore_progress, n.restore_message, at))
    return steps


def detail_view(ctx, n) -> dict:
    view = dict(notification_view(n), vmoves_summary=service.vmoves_summary(ctx, n))
    view.update(microversion.fields_since(microversion.MASAKARI_COMPAT, recovery_workflow_details=workflow_details(n)))
    return view


get_notification_or_404 = vmoves_controller.get_notification_or_404
#: the schemas of 1.3, then those of the Masakari drop-in
MASAKARI = vmoves_controller.MASAKARI


class NotificationsController(rest.RestController):
    """``/v1/notifications``."""

    vmoves = vmoves_controller.VMovesController()
    _custom_actions = {"action": ["POST"]}

    @common.handler(MASAKARI, (schemas.CREATE_RESPONSE_1_3, schemas.CREATE_RESPONSE_1_6), body=schemas.CREATE_BODY_1_3)
    def post(self, *, body):
        ctx = common.context()
        policy.authorize(ctx, "vmove:notification:create")
        data = body["notification"]
        generated = common.parse_time(data["generated_time"], "request body field 'notification.generated_time'")
        notification, created = service.create_notification(ctx, data, generated)
        if created:
            common.engine_api().process(ctx, "notification", notification.uuid)
            pecan.response.status = 202
        else:
            pecan.response.status = 200  # the same host and event is already being handled: that one
        return {"notification": notification_view(notification)}

    @common.handler(
        MASAKARI,
        (schemas.LIST_RESPONSE_1_3, schemas.LIST_RESPONSE_1_6),
        query=(schemas.LIST_QUERY_1_3, schemas.LIST_QUERY_1_6),
    )
    def get_all(self, *, query):
        ctx = common.context()
        policy.authorize(ctx, "vmove:notification:get_all")
        filters = {k: query[k] for k in ("status", "type", "event", "hostname", "source_host_uuid") if k in query}
        if "generated-since" in query:
            filters["generated_since"] = common.parse_time(
                query["generated-since"], "query parameter 'generated-since'"
            )
        query = vmoves_controller.one_sort(query, "desc")
        return common.list_page("notifications", queries.get_all, filters, query, notification_view, "notifications")

    @common.handler(MASAKARI, (schemas.SHOW_RESPONSE_1_3, schemas.SHOW_RESPONSE_1_6), query=schemas.SHOW_QUERY_1_3)
    def get_one(self, notification_uuid, *, query):
        ctx = common.context()
        policy.authorize(ctx, "vmove:notification:get")
        return {"notification": detail_view(ctx, get_notification_or_404(ctx, notification_uuid))}

    @common.handler(MASAKARI, (schemas.CREATE_RESPONSE_1_3, schemas.CREATE_RESPONSE_1_6), body=schemas.ACTION_BODY_1_3)
    def action(self, notification_uuid, *, body):
        ctx = common.context()
        what = "restore" if "restore" in body else "retry"
        policy.authorize(ctx, f"vmove:notification:{what}")
        notification = get_notification_or_404(ctx, notification_uuid)
        if what == "restore":
            notification = service.request_restore(ctx, notification, requested_by="on request")
        else:
            notification = service.request_retry(ctx, notification)
        common.engine_api().process(ctx, "notification", notification.uuid)
        pecan.response.status = 202
        return {"notification": notification_view(notification)}
