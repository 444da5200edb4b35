"""What the benchmarks on the dev cloud share: bringing up Keystone and the one peer they measure."""

import sys


def cloud_with(peer):
    """The dev cloud with Keystone and ``peer`` up (started if needed), as a CloudInfo; exits if ``peer`` is not."""
    from vmove.devcloud import base, cli, fixtures

    cloud = base.DevCloud()
    up, problems = cli.bring_up(cloud, ("keystone", peer))
    if peer not in up:
        sys.exit(f"the dev cloud's {peer.capitalize()} is not up: {problems}")
    return fixtures.CloudInfo(cloud, components=up)
