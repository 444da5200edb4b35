from oslo_policy import policy

from vmove.policies import base

rules = [
    policy.DocumentedRuleDefault(
        name="vmove:engine:get_all",
        check_str=base.ADMIN,
        description="List the vmove engines and their last heartbeat.",
        operations=[{"path": "/v1/engines", "method": "GET"}],
        scope_types=["project"],
    ),
]


def list_rules():
    return rules
