"""The previous release of vmove, installed beside this tree for the rolling-upgrade test.

Its commit is named in ``tools/upgrade/previous-release``; its tree is checked out with ``git worktree
add``, installed (with its own requirements and constraints) into a virtualenv of its own, and the
worktree removed again. The virtualenv is kept between runs, keyed by the commit, under
``~/.cache/vmove/previous-release/<commit>`` (``VMOVE_UPGRADE_CACHE`` moves it); a lock file serializes
two test runs building it at once.
"""

import fcntl
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from vmove.tests import fixtures as vfixtures

ROOT = pathlib.Path(__file__).resolve().parents[3]
NAMED_IN = ROOT / "tools" / "upgrade" / "previous-release"


def commit() -> str:
    lines = [ln.strip() for ln in NAMED_IN.read_text().splitlines()]
    return next(ln for ln in lines if ln and not ln.startswith("#"))


def _git(*args, check=True):
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=check)


def _missing(what: str):
    if vfixtures.CI:
        pytest.fail(f"{what} (CI=true: the previous release is required, not optional)")
    pytest.skip(what)


def bin_dir() -> pathlib.Path:
    """The ``bin`` directory of the previous release's virtualenv (built on first use)."""
    rev = commit()
    cache = pathlib.Path(os.environ.get("VMOVE_UPGRADE_CACHE", pathlib.Path.home() / ".cache/vmove/previous-release"))
    home = cache / rev
    venv = home / "venv"
    if (venv / ".ready").exists():
        return venv / "bin"
    if shutil.which("git") is None or _git("cat-file", "-e", f"{rev}^{{commit}}", check=False).returncode != 0:
        _missing(f"commit {rev} of tools/upgrade/previous-release is not in this repository's history")
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / f"{rev}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (venv / ".ready").exists():
            _build(rev, home, venv)
    return venv / "bin"


def _build(rev: str, home: pathlib.Path, venv: pathlib.Path) -> None:
    src = home / "src"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    # -f: a worktree of this path left registered by an interrupted build (its directory is gone)
    _git("worktree", "add", "-f", "--detach", str(src), rev)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        subprocess.run([*pip, "-U", "pip", "setuptools", "wheel"], check=True, capture_output=True)
        subprocess.run(
            [*pip, "-c", str(src / "constraints.txt"), "-r", str(src / "requirements.txt")],
            check=True,
            capture_output=True,
        )
        # a plain install (not editable): the virtualenv needs nothing of the worktree once built
        subprocess.run([*pip, "--no-deps", str(src)], check=True, capture_output=True)
    finally:
        _git("worktree", "remove", "--force", str(src), check=False)
    (venv / ".ready").write_text(rev + "\n")
