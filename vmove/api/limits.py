"""The request body size limit: 413 above ``[api] max_request_body_size``, before the app reads it.

A body with a Content-Length above the limit is refused without being parsed; a chunked one (no
Content-Length) is read through oslo.middleware's LimitingReader, which stops at the limit. A
refused body of up to ``DRAIN_FACTOR`` times the limit is read and dropped first, so that the client,
still sending, gets the 413 instead of a connection reset; a larger one is refused at once.
"""

from oslo_middleware import sizelimit
import webob.dec

from vmove.api import fault

DRAIN_FACTOR = 16
CHUNK = 65536


class BodySizeLimit:
    def __init__(self, application, limit: int):
        self.application = application
        self.limit = limit

    @webob.dec.wsgify
    def __call__(self, req):
        length = req.content_length
        if length is not None and length > self.limit:
            if length <= self.limit * DRAIN_FACTOR:
                _drain(req.body_file_raw, length)
            return fault.fault_response(
                413,
                f"The request body is {length} bytes; this API accepts at most {self.limit} bytes "
                "([api] max_request_body_size).",
            )
        if length is None and req.is_body_readable:
            req.body_file = sizelimit.LimitingReader(req.body_file_raw, self.limit)
        return req.get_response(self.application)


def _drain(stream, length: int) -> None:
    left = length
    while left > 0:
        chunk = stream.read(min(CHUNK, left))
        if not chunk:
            return
        left -= len(chunk)
