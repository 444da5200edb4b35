"""The vmove client: one object per keystoneauth1 session."""

import time

from vmove.client import engines, exceptions, http, moves, notifications, plans, runs, wait


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
        self.notifications = notifications.NotificationManager(self.http)
        self.plans = plans.PlanManager(self.http)
        self.runs = runs.RunManager(self.http)

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

    def wait_for_run(self, run, callback=None, interval=2.0, timeout=None, sleep=time.sleep, clock=time.monotonic):
        """Poll ``run`` until it ends (validated, denied, succeeded, failed, cancelled); ``callback(run)``
        after every poll. Returns the final run (with its items)."""
        return _wait_for(
            self.runs.get, runs._id(run), runs.is_terminal, callback, interval, timeout, "run", sleep, clock
        )

    def wait_for_notification(
        self, notification, callback=None, interval=2.0, timeout=None, restore=False, sleep=time.sleep,
        clock=time.monotonic,
    ):  # fmt: skip
        """Poll ``notification`` until its recovery (or with ``restore``, its restore) ends;
        ``callback(notification)`` after every poll. Returns the final notification."""

        def ended(n):
            if restore:
                return (n.get("restore") or {}).get("status") in notifications.RESTORE_TERMINAL_STATUSES
            return n["status"] in notifications.TERMINAL_STATUSES

        return _wait_for(
            self.notifications.get, notifications._id(notification), ended, callback, interval, timeout,
            "notification", sleep, clock,
        )  # fmt: skip


def _wait_for(get, ident, ended, callback, interval, timeout, what, sleep, clock):
    """Poll ``get(ident)`` until ``ended``; WaitTimeout after ``timeout`` seconds."""
    deadline = clock() + timeout if timeout else None
    while True:
        current = get(ident)
        if callback is not None:
            callback(current)
        if ended(current):
            return current
        if deadline is not None and clock() >= deadline:
            raise exceptions.WaitTimeout(
                f"{what} {ident} had not ended after {timeout:g} s (status {current['status']})"
            )
        sleep(interval)
