"""oslo.messaging plumbing: transports, serializer, notifier.

Transports are made on first use from the loaded configuration, never at
import time.  ``fake://`` is the in-process transport of the embedded default.
"""

import threading

import oslo_messaging as messaging
from oslo_messaging.rpc import dispatcher

from vmove import context as vmove_context
from vmove.objects import base as objects_base

_LOCK = threading.Lock()
#: "rpc" and "notification" -> the transport of this process
_TRANSPORTS: dict = {}
_MAKERS = {"rpc": "get_rpc_transport", "notification": "get_notification_transport"}

messaging.set_transport_defaults("vmove")


class RequestContextSerializer(messaging.Serializer):
    """Carries the RequestContext and versioned objects over the wire."""

    def __init__(self, base=None):
        self._base = base or objects_base.VmoveObjectSerializer()

    def serialize_entity(self, ctxt, entity):
        return self._base.serialize_entity(ctxt, entity)

    def deserialize_entity(self, ctxt, entity):
        return self._base.deserialize_entity(ctxt, entity)

    def serialize_context(self, ctxt):
        return ctxt.to_dict()

    def deserialize_context(self, ctxt):
        return vmove_context.RequestContext.from_dict(ctxt)


def _transport(conf, kind: str):
    with _LOCK:
        if kind not in _TRANSPORTS:
            _TRANSPORTS[kind] = getattr(messaging, _MAKERS[kind])(conf)
        return _TRANSPORTS[kind]


def get_transport(conf):
    return _transport(conf, "rpc")


def get_notification_transport(conf):
    return _transport(conf, "notification")


def cleanup():
    """Drop the transports (tests, and a clean shutdown)."""
    with _LOCK:
        for transport in _TRANSPORTS.values():
            transport.cleanup()
        _TRANSPORTS.clear()


def get_client(conf, target, version_cap=None, manifest=None):
    """An RPC client that sends at most ``version_cap``, its objects at the versions of ``manifest``."""
    serializer = RequestContextSerializer(objects_base.VmoveObjectSerializer(manifest))
    return messaging.get_rpc_client(get_transport(conf), target, version_cap=version_cap, serializer=serializer)


def get_server(conf, target, endpoints):
    return messaging.get_rpc_server(
        get_transport(conf),
        target,
        endpoints,
        executor="threading",
        serializer=RequestContextSerializer(),
        access_policy=dispatcher.DefaultRPCAccessPolicy,
    )


def get_notifier(conf, publisher_id):
    transport = get_notification_transport(conf)
    # vmove's notifications are on unless [engine] notifications = false: when
    # no driver is configured, publish versioned messages on the bus
    driver = None if conf.oslo_messaging_notifications.driver else "messagingv2"
    return messaging.Notifier(
        transport, publisher_id=publisher_id, driver=driver, serializer=RequestContextSerializer()
    )
