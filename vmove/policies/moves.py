from oslo_policy import policy

from vmove.policies import base

rules = [
    policy.DocumentedRuleDefault(
        name="vmove:move:get_all",
        check_str=base.ADMIN_OR_PROJECT_READER,
        description="List moves. Non-administrators see their own project's moves only.",
        operations=[{"path": "/v1/moves", "method": "GET"}],
        scope_types=["project"],
    ),
    policy.DocumentedRuleDefault(
        name="vmove:move:get_all:all_projects",
        check_str=base.ADMIN,
        description="List the moves of every project, or of a project named with the project_id filter.",
        operations=[{"path": "/v1/moves", "method": "GET"}],
        scope_types=["project"],
    ),
    policy.DocumentedRuleDefault(
        name="vmove:move:get",
        check_str=base.ADMIN_OR_PROJECT_READER,
        description="Show a move.",
        operations=[{"path": "/v1/moves/{move_id}", "method": "GET"}],
        scope_types=["project"],
    ),
    policy.DocumentedRuleDefault(
        name="vmove:move:events",
        check_str=base.ADMIN_OR_PROJECT_READER,
        description="List the state changes of a move.",
        operations=[{"path": "/v1/moves/{move_id}/events", "method": "GET"}],
        scope_types=["project"],
    ),
]


def list_rules():
    return rules


rules += [
    policy.DocumentedRuleDefault(
        name="vmove:move:create",
        check_str=base.ADMIN_OR_PROJECT_MEMBER,
        description="Ask for one move of one instance or volume of the caller's project.",
        operations=[{"path": "/v1/moves", "method": "POST"}],
        scope_types=["project"],
    ),
    policy.DocumentedRuleDefault(
        name="vmove:move:cancel",
        check_str=base.ADMIN_OR_PROJECT_MEMBER,
        description="Cancel a move (abort it on the backend when it can be).",
        operations=[{"path": "/v1/moves/{move_id}/action (cancel)", "method": "POST"}],
        scope_types=["project"],
    ),
]
