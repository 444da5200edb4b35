"""Authentication middleware: keystonemiddleware, or noauth for the embedded default."""

from keystonemiddleware import auth_token
import webob.dec

# Version discovery is public, as in every OpenStack service.
PUBLIC_PATHS = ("/", "/v1", "/v1/")


class NoAuthMiddleware:
    """Trust the caller: an admin of project 'vmove' unless headers say otherwise.

    ``X-Project-Id``, ``X-User-Id`` and ``X-Roles`` sent by the client are
    honoured, so the embedded default can still be used as another project
    or role. Never use this where the API is reachable by others.
    """

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req):
        req.headers.setdefault("X-Project-Id", "vmove")
        req.headers.setdefault("X-User-Id", "vmove")
        req.headers.setdefault("X-Roles", "admin,member,reader")
        req.headers["X-Identity-Status"] = "Confirmed"
        req.headers.setdefault("X-Auth-Token", "noauth")
        return req.get_response(self.application)


class PublicPathsAuth:
    """keystonemiddleware for everything but the version documents."""

    def __init__(self, application, conf):
        self.public = application
        self.protected = auth_token.AuthProtocol(application, {"oslo_config_config": conf})

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "/") in PUBLIC_PATHS and environ.get("REQUEST_METHOD") == "GET":
            return self.public(environ, start_response)
        return self.protected(environ, start_response)


def wrap(application, conf):
    if conf.api.auth_strategy == "noauth":
        return NoAuthMiddleware(application)
    return PublicPathsAuth(application, conf)
