"""The vmove client: one object per keystoneauth1 session."""

from vmove.client import engines, http, moves, wait


class Client:
    """Talk to the vmove API.

    :param session: a keystoneauth1 session (its auth plugin finds the endpoint)
    :param endpoint_override: the API's URL, instead of the catalog's ``vmove`` endpoint
    :param api_version: a microversion ("1.2"); None or "1" for the highest
        one both this client and the server speak
    :param region_name: the catalog region
    :param interface: the catalog interface (public, internal, admin)

    Calls raise :class:`vmove.client.exceptions.ApiError` (and subclasses)
    with the API's fault message and HTTP code.
    """

    def __init__(self, session, endpoint_override=None, api_version=None, region_name=None, interface="public"):
        self.http = http.HTTPClient(
            session,
            endpoint_override=endpoint_override,
            api_version=api_version,
            region_name=region_name,
            interface=interface,
        )
        self.moves = moves.MoveManager(self.http)
        self.engines = engines.EngineManager(self.http)

    @property
    def endpoint(self) -> str:
        return self.http.endpoint

    @property
    def api_version(self) -> str:
        """The microversion in use (negotiated on first use unless one was asked for)."""
        return str(self.http.api_version)

    def server_versions(self) -> tuple[str, str]:
        """The (min, max) microversions of the server."""
        low, high = self.http.server_versions()
        return str(low), str(high)

    def wait_for_move(self, move, callback=None, interval=2.0, timeout=None):
        """Poll ``move`` until it ends; ``callback(move)`` after every poll. Returns the final move."""
        each = (lambda current: callback(current[0])) if callback else None
        return wait.wait_for_moves(self.moves.get, [move], each, interval=interval, timeout=timeout)[0]

    def wait_for_moves(self, moves, callback=None, interval=2.0, timeout=None):
        """Poll ``moves`` until all end; ``callback(moves)`` after every poll. Returns the final moves."""
        return wait.wait_for_moves(self.moves.get, moves, callback, interval=interval, timeout=timeout)
