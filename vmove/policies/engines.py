from vmove.policies import base

rules = [
    base.rule(
        "vmove:engine:get_all", base.ADMIN, "List the vmove engines and their last heartbeat.", "/v1/engines", "GET"
    ),
]


def list_rules():
    return rules
