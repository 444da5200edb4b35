"""The osc-lib plugin: ``openstack vmove ...``.

Registered in setup.cfg under ``openstack.cli.extension`` (this module) and
``openstack.vmove.v1`` (the commands).  The client is made on first use, on
the session of the ``openstack`` command (its auth, region and interface).
"""

import logging

from osc_lib import utils

from vmove.client import versions

LOG = logging.getLogger(__name__)

API_NAME = "vmove"
API_VERSION_OPTION = "os_vmove_api_version"
#: "1" means: the highest version both this client and the server speak
DEFAULT_API_VERSION = "1"
API_VERSIONS = ("1", *versions.known_versions())

ENDPOINT_OPTION = "vmove_endpoint_override"


def make_client(instance):
    """The vmove client of an osc-lib ClientManager."""
    from vmove.client import Client

    version = instance._api_version.get(API_NAME)
    endpoint = instance.get_configuration().get(ENDPOINT_OPTION)
    LOG.debug("vmove client: API version %s, endpoint %s", version, endpoint or "from the catalog")
    return Client(
        instance.session,
        endpoint_override=endpoint,
        api_version=version,
        region_name=instance.region_name,
        interface=instance.interface,
    )


def check_api_version(version) -> bool:
    """Refuse a version this client does not speak (osc calls this with the option's value)."""
    versions.check_requested(version)
    return True


def build_option_parser(parser):
    parser.add_argument(
        "--os-vmove-api-version",
        metavar="<vmove-api-version>",
        default=utils.env("OS_VMOVE_API_VERSION", default=DEFAULT_API_VERSION),
        help=(
            f"vmove API microversion, {versions.MIN_VERSION} to {versions.MAX_VERSION}, or 1 for the "
            "highest one the server supports (default: env[OS_VMOVE_API_VERSION] or 1)"
        ),
    )
    parser.add_argument(
        "--os-vmove-endpoint-override",
        metavar="<url>",
        default=utils.env("OS_VMOVE_ENDPOINT_OVERRIDE"),
        help=(
            "URL of the vmove API, instead of the service catalog's 'vmove' endpoint "
            "(default: env[OS_VMOVE_ENDPOINT_OVERRIDE])"
        ),
    )
    return parser
