# vmove release notes: reno's notes (releasenotes/notes/*.yaml) as read from git.
#
# Built with warnings as errors: ``tox -e releasenotes`` or ``tools/build-docs releasenotes``.

import os
import sys

# doc/ext: vmove_sphinx (the settings this build shares with the documentation's)
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "doc", "ext")))

import vmove_sphinx  # noqa: E402

extensions = [
    "openstackdocstheme",
    "reno.sphinxext",
]

globals().update(vmove_sphinx.common_settings("vmove Release Notes", bug_tag="releasenotes"))
