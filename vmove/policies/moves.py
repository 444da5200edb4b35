from vmove.policies import base

rules = [
    base.rule(
        "vmove:move:get_all",
        base.ADMIN_OR_PROJECT_READER,
        "List moves. Non-administrators see their own project's moves only.",
        "/v1/moves",
        "GET",
    ),
    base.rule(
        "vmove:move:get_all:all_projects",
        base.ADMIN,
        "List the moves of every project, or of a project named with the project_id filter.",
        "/v1/moves",
        "GET",
    ),
    base.rule("vmove:move:get", base.ADMIN_OR_PROJECT_READER, "Show a move.", "/v1/moves/{move_id}", "GET"),
    base.rule(
        "vmove:move:events",
        base.ADMIN_OR_PROJECT_READER,
        "List the state changes of a move.",
        "/v1/moves/{move_id}/events",
        "GET",
    ),
]


def list_rules():
    return rules


rules += [
    base.rule(
        "vmove:move:create",
        base.ADMIN_OR_PROJECT_MEMBER,
        "Ask for one move of one instance or volume of the caller's project.",
        "/v1/moves",
        "POST",
    ),
    base.rule(
        "vmove:move:cancel",
        base.ADMIN_OR_PROJECT_MEMBER,
        "Cancel a move (abort it on the backend when it can be).",
        "/v1/moves/{move_id}/action (cancel)",
        "POST",
    ),
]
