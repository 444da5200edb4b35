"""A small client of the vmove API, for the openstack CLI plugin and the dashboard.

It needs keystoneauth1 only, and never imports vmove's server code::

    from keystoneauth1 import loading, session
    from vmove.client import Client

    client = Client(session.Session(auth=...), region_name="RegionOne")
    for move in client.moves.list(status=["ongoing", "pending"]):
        print(move.uuid, move.status, move.progress)
"""

from vmove.client.client import Client
from vmove.client.exceptions import ApiError, ClientError

__all__ = ["ApiError", "Client", "ClientError"]
