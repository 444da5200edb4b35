"""Errors in the OpenStack fault format, whatever raised them.

Every error body is ``{"<faultName>": {"code": N, "message": "..."}}`` as
in Nova, Cinder and Masakari, so existing clients show the message.
"""

import json
import logging

from oslo_db import exception as db_exc
import sqlalchemy.exc as sa_exc
import webob
import webob.dec
import webob.exc

from vmove import exception

LOG = logging.getLogger(__name__)

FAULT_NAMES = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "itemNotFound",
    405: "badMethod",
    406: "notAcceptable",
    409: "conflict",
    413: "overLimit",
    415: "badMediaType",
    429: "overLimit",
    501: "notImplemented",
    503: "serviceUnavailable",
}


def fault_body(code: int, message: str) -> dict:
    return {FAULT_NAMES.get(code, "vmoveFault"): {"code": code, "message": message}}


def fault_response(code: int, message: str, headers=None) -> webob.Response:
    resp = webob.Response(
        status=code,
        content_type="application/json",
        charset="utf-8",
        body=json.dumps(fault_body(code, message)).encode(),
    )
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


#: the database cannot be reached (connection refused or lost, pool exhausted): a 503, not a bug
_DB_DOWN = (db_exc.DBConnectionError, sa_exc.OperationalError, sa_exc.TimeoutError, sa_exc.DisconnectionError)
RETRY_AFTER = 5


def _database_down(exc: Exception) -> bool:
    if isinstance(exc, _DB_DOWN):
        return True
    return isinstance(exc, db_exc.DBError) and isinstance(getattr(exc, "inner_exception", None), _DB_DOWN)


def from_exception(exc: Exception) -> webob.Response:
    if isinstance(exc, exception.VmoveException):
        return fault_response(exc.code, exc.message)
    if _database_down(exc):
        LOG.warning("Database unavailable: %s", exc)
        return fault_response(
            503,
            "The database is not reachable right now; try again in a few seconds.",
            {"Retry-After": str(RETRY_AFTER)},
        )
    if isinstance(exc, webob.exc.HTTPException) and exc.code < 500:
        return fault_response(exc.code, exc.detail or exc.explanation or exc.title)
    LOG.error("Unexpected error serving the request", exc_info=exc)
    return fault_response(500, "An unexpected error occurred; the server log has the details.")


def json_error_formatter(body, status, title, environ):
    """For webob's HTTP errors (microversion_parse's 400/406 among them)."""
    from vmove.api import microversion

    code = int(str(status).split()[0])
    message = " ".join(str(body or title).split())
    if code == 406:
        message = (
            f"{message}. This API supports microversions {microversion.min_version_string()} to "
            f"{microversion.max_version_string()} (header 'OpenStack-API-Version: vmove 1.N')."
        )
    return fault_body(code, message)


class FaultWrapper:
    """Outermost safety net: any exception or non-JSON error becomes a fault."""

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req):
        # vmove answers in JSON only; this also makes webob's own errors JSON
        req.headers["Accept"] = "application/json"
        try:
            resp = req.get_response(self.application)
        except Exception as exc:  # noqa: BLE001 - this is the last resort
            return from_exception(exc)
        if resp.status_int >= 400 and (resp.content_type or "") != "application/json":
            message = resp.text.strip() if resp.body else resp.status
            text = " ".join(message.split()) or resp.status
            new = fault_response(resp.status_int, text)
            for name in ("WWW-Authenticate", "OpenStack-API-Version", "Vary", "Allow"):
                if name in resp.headers:
                    new.headers[name] = resp.headers[name]
            return new
        return resp
