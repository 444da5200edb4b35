"""What ``vmove-devcloud env`` prints: credentials of the dev cloud's users in several formats,
and Horizon's address with the users to log in with."""

from __future__ import annotations

from vmove.devcloud import horizon, keystone
from vmove.devcloud.base import USERS

FORMATS = ("openrc", "clouds-yaml", "vmove-conf", "horizon")


def horizon_logins() -> str:
    """Horizon's URL and who to log in as (user, password, project, what they see)."""
    lines = [f"Horizon: {horizon.URL}/ (domain Default)"]
    for user, sees in horizon.LOGINS.items():
        password, project, roles = USERS[user]
        lines.append(f"  {user:12} {password:10} project {project:6} ({', '.join(roles)}): {sees}")
    return "\n".join(lines) + "\n"


def render_env(user: str | None, fmt: str) -> str:
    if fmt == "horizon":
        return horizon_logins()
    if fmt == "clouds-yaml":
        users = [user] if user else list(USERS)
        lines = ["clouds:"]
        for u in users:
            cred = keystone.credentials(u)
            lines += [f"  devcloud-{u}:", "    auth:"]
            lines += [f"      {k}: {v}" for k, v in cred.items()]
            lines += [
                "    auth_type: password",
                f"    region_name: {keystone.REGION}",
                "    interface: public",
                "    identity_api_version: 3",
            ]
        return "\n".join(lines) + "\n"
    if fmt == "vmove-conf":
        svc = keystone.credentials(user or "vmove")
        auth = [
            "auth_type = password",
            f"auth_url = {svc['auth_url']}",
            f"username = {svc['username']}",
            f"password = {svc['password']}",
            f"project_name = {svc['project_name']}",
            f"user_domain_name = {svc['user_domain_name']}",
            f"project_domain_name = {svc['project_domain_name']}",
            f"region_name = {keystone.REGION}",
        ]
        return "\n".join(
            [
                "# vmove against the dev cloud (vmove-devcloud env --format vmove-conf)",
                "[keystone_authtoken]",
                f"www_authenticate_uri = {keystone.AUTH_URL}",
                *auth,
                "interface = public",
                "service_token_roles = service",
                "service_token_roles_required = true",
                "",
                "# what vmove's engine uses to call Nova and Cinder",
                "[service_auth]",
                *auth,
                "",
            ]
        )
    cred = keystone.credentials(user or "admin")
    env = {
        "OS_AUTH_TYPE": "password",
        "OS_AUTH_URL": cred["auth_url"],
        "OS_IDENTITY_API_VERSION": "3",
        "OS_USERNAME": cred["username"],
        "OS_PASSWORD": cred["password"],
        "OS_PROJECT_NAME": cred["project_name"],
        "OS_USER_DOMAIN_NAME": cred["user_domain_name"],
        "OS_PROJECT_DOMAIN_NAME": cred["project_domain_name"],
        "OS_REGION_NAME": keystone.REGION,
        "OS_INTERFACE": "public",
    }
    # last, so that an unquoted `eval $(vmove-devcloud env)` drops only this comment
    return "".join(f"export {k}={v}\n" for k, v in env.items()) + f"# Horizon: {horizon.URL}/\n"
