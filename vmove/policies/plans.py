from vmove.policies import base

rules = [
    base.rule(
        "vmove:plan:get_all",
        base.ADMIN_OR_PROJECT_READER,
        "List migration plans. Non-administrators see their own project's plans only.",
        "/v1/plans",
        "GET",
    ),
    base.rule(
        "vmove:plan:get_all:all_projects",
        base.ADMIN,
        "List the plans of every project, or of a project named with the project_id filter.",
        "/v1/plans",
        "GET",
    ),
    base.rule(
        "vmove:plan:get",
        base.ADMIN_OR_PROJECT_READER,
        "Show a migration plan and its items.",
        "/v1/plans/{plan_id}",
        "GET",
    ),
    base.rule("vmove:plan:create", base.ADMIN_OR_PROJECT_MEMBER, "Create a migration plan.", "/v1/plans", "POST"),
    base.rule(
        "vmove:plan:update",
        base.ADMIN_OR_PROJECT_MEMBER,
        "Change a migration plan (its items only while no run is in progress).",
        "/v1/plans/{plan_id}",
        "PATCH",
    ),
    base.rule(
        "vmove:plan:delete",
        base.ADMIN_OR_PROJECT_MEMBER,
        "Delete a migration plan that has no run in progress (its runs and moves stay readable).",
        "/v1/plans/{plan_id}",
        "DELETE",
    ),
    base.rule(
        "vmove:run:create",
        base.ADMIN_OR_PROJECT_MEMBER,
        "Order a run of a plan (or a dry run: validation only).",
        "/v1/plans/{plan_id}/runs",
        "POST",
    ),
    base.rule(
        "vmove:run:create:any_project_resources",
        base.ADMIN,
        "Runs ordered by this caller may move instances and volumes of other projects than the plan's; "
        "for anyone else validation refuses them as if they did not exist.",
        "/v1/plans/{plan_id}/runs",
        "POST",
    ),
    base.rule(
        "vmove:run:get_all",
        base.ADMIN_OR_PROJECT_READER,
        "List runs. Non-administrators see their own project's runs only.",
        "/v1/runs",
        "GET",
    ),
    base.rule(
        "vmove:run:get_all:all_projects",
        base.ADMIN,
        "List the runs of every project, or of a project named with the project_id filter.",
        "/v1/runs",
        "GET",
    ),
    base.rule(
        "vmove:run:get",
        base.ADMIN_OR_PROJECT_READER,
        "Show a run: its status, progress, counts and verdict per item.",
        "/v1/runs/{run_id}",
        "GET",
    ),
    base.rule(
        "vmove:run:moves", base.ADMIN_OR_PROJECT_READER, "List the moves of a run.", "/v1/runs/{run_id}/moves", "GET"
    ),
    base.rule(
        "vmove:run:approve",
        base.ADMIN_OR_PROJECT_MEMBER,
        "Approve a run awaiting approval (plans with approval manual). Deployments that want someone else "
        "than the plan's members to approve set this (and vmove:run:deny) to an admin or approver role.",
        "/v1/runs/{run_id}/action (approve)",
        "POST",
    ),
    base.rule(
        "vmove:run:deny",
        base.ADMIN_OR_PROJECT_MEMBER,
        "Deny a run awaiting approval.",
        "/v1/runs/{run_id}/action (deny)",
        "POST",
    ),
    base.rule(
        "vmove:run:cancel",
        base.ADMIN_OR_PROJECT_MEMBER,
        "Cancel a run: its pending moves are cancelled, the abortable ones aborted.",
        "/v1/runs/{run_id}/action (cancel)",
        "POST",
    ),
]


def list_rules():
    return rules
