"""``/v1/notifications`` (microversion 1.3): host failures, their recovery and restore.

The body of ``POST /v1/notifications`` is Masakari's COMPUTE_HOST
notification. A notification for a host and event that already has one new
or running is answered with that one (200) and starts nothing; a new one is
202 and the engines take it from there (see :mod:`vmove.recovery.extension`).
"""

import pecan
from pecan import rest

from vmove import policy
from vmove.api import microversion, validation
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
    return {
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


def detail_view(ctx, n) -> dict:
    return dict(notification_view(n), vmoves_summary=service.vmoves_summary(ctx, n))


get_notification_or_404 = vmoves_controller.get_notification_or_404


class NotificationsController(rest.RestController):
    """``/v1/notifications``."""

    vmoves = vmoves_controller.VMovesController()
    _custom_actions = {"action": ["POST"]}

    @pecan.expose("json")
    @microversion.min_version("1.3")
    @validation.response_schema(schemas.CREATE_RESPONSE_1_3, min_version="1.3")
    @validation.body_schema(schemas.CREATE_BODY_1_3, min_version="1.3")
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

    @pecan.expose("json")
    @microversion.min_version("1.3")
    @validation.response_schema(schemas.LIST_RESPONSE_1_3, min_version="1.3")
    @validation.query_schema(schemas.LIST_QUERY_1_3, min_version="1.3")
    def get_all(self, *, query):
        ctx = common.context()
        policy.authorize(ctx, "vmove:notification:get_all")
        filters = {k: query[k] for k in ("status", "type", "event", "hostname") if k in query}
        if "generated-since" in query:
            filters["generated_since"] = common.parse_time(
                query["generated-since"], "query parameter 'generated-since'"
            )
        return common.list_page(
            "notifications", queries.get_all, filters, query, notification_view, "notifications", sort_dir="desc"
        )

    @pecan.expose("json")
    @microversion.min_version("1.3")
    @validation.response_schema(schemas.SHOW_RESPONSE_1_3, min_version="1.3")
    @validation.query_schema(schemas.SHOW_QUERY_1_3, min_version="1.3")
    def get_one(self, notification_uuid, *, query):
        ctx = common.context()
        policy.authorize(ctx, "vmove:notification:get")
        return {"notification": detail_view(ctx, get_notification_or_404(ctx, notification_uuid))}

    @pecan.expose("json")
    @microversion.min_version("1.3")
    @validation.response_schema(schemas.CREATE_RESPONSE_1_3, min_version="1.3")
    @validation.body_schema(schemas.ACTION_BODY_1_3, min_version="1.3")
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
