"""What the vmove client raises.

Every error answered by the API becomes an :class:`ApiError` (or the subclass
for its HTTP code) carrying the fault's message and code, so that callers show
the API's own words: ``Move 1234 could not be found. (HTTP 404)``.
"""


class ClientError(Exception):
    """Base class of everything vmove.client raises."""


class EndpointNotFound(ClientError):
    """No vmove endpoint in the service catalog, and none given."""


class ConnectionFailed(ClientError):
    """The API could not be reached at all."""


class VersionNotSupported(ClientError):
    """The microversion needed (or asked for) is not available."""


class WaitTimeout(ClientError):
    """A move did not reach a terminal status in time."""


class ApiError(ClientError):
    """The API answered with an error (an OpenStack fault).

    :ivar code: the HTTP status code
    :ivar message: the fault's message (the API's own words)
    :ivar fault: the fault's name (``itemNotFound``, ``conflict``...), if any
    :ivar method: the request's method
    :ivar url: the request's URL
    :ivar request_id: the ``X-OpenStack-Request-ID`` of the answer, if any
    """

    code: int | None = None

    def __init_subclass__(cls, code=None, **kwargs):
        """``class NotFound(ApiError, code=404)``: the error of one HTTP code."""
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.code = code

    def __init__(self, message, code=None, fault=None, method=None, url=None, request_id=None):
        super().__init__(message)
        self.message = message
        self.code = code if code is not None else self.code
        self.fault = fault
        self.method = method
        self.url = url
        self.request_id = request_id

    def __str__(self):
        return f"{self.message} (HTTP {self.code})"


class BadRequest(ApiError, code=400): ...


class Unauthorized(ApiError, code=401): ...


class Forbidden(ApiError, code=403): ...


class NotFound(ApiError, code=404): ...


class NotAcceptable(ApiError, code=406): ...


class Conflict(ApiError, code=409): ...


_BY_CODE = {cls.code: cls for cls in (BadRequest, Unauthorized, Forbidden, NotFound, NotAcceptable, Conflict)}


def from_response(response, method, url) -> ApiError:
    """The exception for an error ``response`` (a requests Response)."""
    code = response.status_code
    fault, message = None, None
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and len(body) == 1:
        fault, detail = next(iter(body.items()))
        if isinstance(detail, dict):
            message = detail.get("message")
    if not message:
        text = " ".join((response.text or "").split())
        message = text[:500] or response.reason or f"HTTP {code}"
        fault = None
    cls = _BY_CODE.get(code, ApiError)
    request_id = response.headers.get("X-OpenStack-Request-ID") or response.headers.get("X-Compute-Request-ID")
    return cls(message, code=code, fault=fault, method=method, url=url, request_id=request_id)
