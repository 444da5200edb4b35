"""The plugin's one way to vmove: :class:`vmove.client.Client` on the Horizon user's token.

The endpoint is the catalog's ``vmove`` endpoint of the user's region
(Horizon's ``url_for``), the session a keystoneauth1 session carrying the
user's token, as Horizon builds its own Nova and Neutron clients. The
microversion is fixed (``VMOVE_API_VERSION``, default 1.5), so no page pays
for a version discovery call.
"""

import sys

from django.conf import settings
from horizon import exceptions
from horizon.utils import functions as utils
from keystoneauth1 import session as ksa_session
from keystoneauth1 import token_endpoint
from openstack_auth import utils as auth_utils
from openstack_dashboard.api import base

from vmove.client import Client

SERVICE_TYPE = "vmove"
#: the microversion every call is made with: plans and runs need 1.4, the decision on each item of a run
#: and the run's history 1.5
API_VERSION = "1.5"
#: largest page asked of the API at once (its [api] max_limit defaults to 1000)
MAX_PAGE = 1000


def client(request) -> Client:
    """The vmove client of this request (one per request)."""
    cached = getattr(request, "_vmove_client", None)
    if cached is not None:
        return cached
    endpoint = base.url_for(request, SERVICE_TYPE)
    verify = False if settings.OPENSTACK_SSL_NO_VERIFY else (settings.OPENSTACK_SSL_CACERT or True)
    sess = ksa_session.Session(
        auth=token_endpoint.Token(endpoint=endpoint, token=request.user.token.id),
        original_ip=auth_utils.get_client_ip(request),
        verify=verify,
    )
    request._vmove_client = Client(
        sess,
        api_version=getattr(settings, "VMOVE_API_VERSION", API_VERSION),
        region_name=request.user.services_region,
    )
    return request._vmove_client


def objects(request, table):
    """The client's manager of what ``table`` (a DataTable) lists: the one named as the table
    (``moves``, ``runs``...)."""
    return getattr(client(request), table._meta.name)


def page(request, list_call, *, marker=None, prev_marker=None, sort_dir="desc", **filters):
    """One page of a list: ``(items, has_prev, has_more)`` with ONE call of ``list_call``.

    ``list_call`` is a list method of the client (``moves.list``,
    ``plans.list``...).  One more item than the page size is asked for, to
    know whether there is a next page; ``prev_marker`` pages backwards (the
    opposite sort, reversed).
    """
    size = utils.get_page_size(request)
    backwards = bool(prev_marker) and not marker
    if backwards:
        sort_dir = "asc" if sort_dir == "desc" else "desc"
    items = list_call(limit=size + 1, marker=marker or prev_marker or None, sort_dir=sort_dir, **filters)
    more = len(items) > size
    items = items[:size]
    if backwards:
        return list(reversed(items)), more, True
    return items, bool(marker), more


def listing(request, failure: str, read):
    """``read(client)``, a list; or none once ``failure`` is reported (what a table shows when vmove cannot answer)."""
    try:
        return read(client(request))
    except Exception:
        fail(request, failure)
        return []


def fail(request, what: str, redirect=None):
    """Report the vmove error being handled, in vmove's own words: "<what>: <message>"."""
    exc = sys.exc_info()[1]
    detail = getattr(exc, "message", None) or str(exc)
    return exceptions.handle(request, f"{what}: {detail}", redirect=redirect, details="")
