"""Resources and the manager every resource's calls are built on."""

from vmove.client import versions


class Resource(dict):
    """One JSON object of the API; its keys are also attributes (``move.status``)."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class Manager:
    """The calls of one kind of resource.

    A new resource is a subclass with methods made of :meth:`_list`,
    :meth:`_get`, :meth:`_post` and :meth:`_action`, each given the path,
    the key of the answer and the microversion it needs.
    """

    def __init__(self, http):
        self.http = http

    def _list(self, path, key, *, params=None, limit=None, marker=None, page_size=None,
              min_version=versions.MIN_VERSION):  # fmt: skip
        """Every item (or the first ``limit``); ``page_size`` items per request when no ``limit`` is
        given (the API's default page size otherwise; at most its ``[api] max_limit``)."""
        if page_size and limit is None:
            params = dict(params or {}, limit=page_size)
        pages = self.http.paginate(path, key, params=params, limit=limit, marker=marker, min_version=min_version)
        return [Resource(item) for item in pages]

    def _get(self, path, key, *, min_version=versions.MIN_VERSION):
        return Resource(self.http.request("GET", path, min_version=min_version)[key])

    def _post(self, path, key, body, *, min_version=versions.MIN_VERSION):
        return Resource(self.http.request("POST", path, body=body, min_version=min_version)[key])

    def _action(self, path, action, args=None, *, key=None, min_version=versions.MIN_VERSION):
        """``POST <path>/action {action: args}``; the answer's ``key`` object if asked for."""
        answer = self.http.request("POST", f"{path}/action", body={action: args}, min_version=min_version)
        return Resource(answer[key]) if key and answer else answer


def query(**filters) -> dict:
    """A query string dict from keyword filters, leaving out the unset ones."""
    return {name: value for name, value in filters.items() if value not in (None, [], ())}
