"""Settings both of vmove's Sphinx builds share (doc/source and releasenotes/source): the
openstackdocs theme, its repository and bug links, and the source layout."""


def common_settings(project: str, bug_tag: str) -> dict:
    """The settings of one build, for its ``conf.py`` to take as its own (``globals().update(...)``)."""
    return {
        "project": project,
        "copyright": "vmove developers",
        "openstackdocs_repo_name": "openstack/vmove",
        "openstackdocs_bug_project": "vmove",
        "openstackdocs_bug_tag": bug_tag,
        "openstackdocs_auto_name": False,
        "openstackdocs_auto_version": False,
        "version": "",
        "release": "",
        "html_theme": "openstackdocs",
        "html_static_path": [],
        "templates_path": [],
        "exclude_patterns": ["_build"],
        "master_doc": "index",
        "source_suffix": {".rst": "restructuredtext"},
        "pygments_style": "native",
        "language": "en",
    }
