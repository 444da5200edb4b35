import pbr.version

version_info = pbr.version.VersionInfo("vmove")


def version_string() -> str:
    try:
        return version_info.version_string()
    except Exception:  # running from a tree that was never installed
        return "0.0.0"
