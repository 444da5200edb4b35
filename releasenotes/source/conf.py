# vmove release notes: reno's notes (releasenotes/notes/*.yaml) as read from git.
#
# Built with warnings as errors: ``tox -e releasenotes`` or ``tools/build-docs releasenotes``.

extensions = [
    "openstackdocstheme",
    "reno.sphinxext",
]

project = "vmove Release Notes"
copyright = "vmove developers"

openstackdocs_repo_name = "openstack/vmove"
openstackdocs_bug_project = "vmove"
openstackdocs_bug_tag = "releasenotes"
openstackdocs_auto_name = False
openstackdocs_auto_version = False
version = ""
release = ""

html_theme = "openstackdocs"
html_static_path = []
templates_path = []
exclude_patterns = ["_build"]
master_doc = "index"
source_suffix = {".rst": "restructuredtext"}
pygments_style = "native"
language = "en"
