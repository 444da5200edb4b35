"""vmove's exceptions. Each API-facing one carries its HTTP status."""


class VmoveException(Exception):
    """Base exception: ``msg_fmt`` % kwargs is the human-readable message."""

    msg_fmt = "An unknown error occurred."
    code = 500

    def __init__(self, message: str | None = None, **kwargs):
        self.kwargs = kwargs
        if message is None:
            try:
                message = self.msg_fmt % kwargs
            except (KeyError, TypeError):
                message = self.msg_fmt
        self.message = message
        super().__init__(message)


class Invalid(VmoveException):
    msg_fmt = "Invalid input: %(reason)s"
    code = 400


class InvalidMarker(Invalid):
    msg_fmt = "Marker %(marker)s could not be found."


class UnsupportedMediaType(VmoveException):
    msg_fmt = "The request body must be JSON (Content-Type application/json), not %(content_type)s."
    code = 415


class NotAuthorized(VmoveException):
    msg_fmt = "Not authorized."
    code = 401


class Forbidden(VmoveException):
    msg_fmt = "Policy does not allow %(action)s to be performed."
    code = 403


class NotFound(VmoveException):
    msg_fmt = "Resource could not be found."
    code = 404


class MoveNotFound(NotFound):
    msg_fmt = "Move %(move)s could not be found."


class NotificationNotFound(NotFound):
    msg_fmt = "Notification %(notification)s could not be found."


class VMoveNotFound(NotFound):
    msg_fmt = "VM move %(vmove)s of notification %(notification)s could not be found."


class PlanNotFound(NotFound):
    msg_fmt = "Plan %(plan)s could not be found."


class RunNotFound(NotFound):
    msg_fmt = "Run %(run)s could not be found."


class Conflict(VmoveException):
    msg_fmt = "%(reason)s"
    code = 409


class ResourceBusy(Conflict):
    """A resource has a move in progress already (``holder``: that move's uuid)."""


class InvalidTransition(VmoveException):
    msg_fmt = "Move %(move)s cannot go from %(source)s to %(target)s."
    code = 409
