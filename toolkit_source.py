"""Which alembic-steward a bake depends on (cookiecutter `_extensions`: a Jinja filter).

A module of its own, never an edit to local_extensions.py: cruft renders a service's old and new
template in one process and reuses the module it loaded first (cruft/cruft#253), so a module
that existed before must keep its API for ever. This one is bound the same way from now on: a
service baked with it renders every later template with this version of the filter (which asks
git for the commit when it runs, so its pin still names the new one). Changes go in new modules.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from cookiecutter.utils import simple_filter

TEMPLATE_ROOT = Path(__file__).resolve().parent
TOOLKIT_DIR = TEMPLATE_ROOT / "toolkit"
DISTRIBUTION = "alembic-steward[tasks]"
# An answer that is only a version range (">=0.2,<0.3"), for the distribution once published.
VERSION_RANGE = re.compile(r"\s*(~=|==|!=|<=|>=|<|>|===)")
# `git@host:org/repo.git`, which pip only takes as `ssh://git@host/org/repo.git`.
SCP_LIKE = re.compile(r"^(?P<user>[\w.-]+)@(?P<host>[\w.-]+):(?P<path>(?!/).*)$")


def git(*arguments: str) -> str | None:
    """Run git in the template's folder; its output, or None when git or the repository is not."""
    try:
        completed = subprocess.run(
            ["git", "-C", str(TEMPLATE_ROOT), *arguments],
            capture_output=True,
            text=True,
            timeout=20,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return completed.stdout.strip() if completed.returncode == 0 else None


def pip_git_url(remote: str) -> str:
    """The `git+...` form pip and uv accept for a git remote URL or path."""
    scp = SCP_LIKE.match(remote)
    if scp:
        return f"git+ssh://{scp['user']}@{scp['host']}/{scp['path']}"
    if "://" in remote:
        return f"git+{remote}"
    return f"git+{Path(remote).resolve().as_uri()}"


def pinned_remote() -> str | None:
    """The toolkit at this template's commit on its remote, or None when that cannot be named.

    None when the checkout has no remote, or its toolkit/ differs from the commit (a bake then
    needs the files as they are on disk, which no remote holds).
    """
    if git("rev-parse", "--show-toplevel") is None:
        return None
    remotes = (git("remote") or "").split()
    if not remotes:
        return None
    remote = "origin" if "origin" in remotes else remotes[0]
    url = git("remote", "get-url", remote)
    commit = git("rev-parse", "HEAD")
    if not url or not commit or git("status", "--porcelain", "--", "toolkit"):
        return None
    return f"{DISTRIBUTION} @ {pip_git_url(url)}@{commit}#subdirectory=toolkit"


@simple_filter
def toolkit_requirement(answer: object) -> str:
    """The requirement a bake's pyproject.toml names for the toolkit.

    An answer wins: a full requirement as written, or a version range for the published
    distribution. Without one: this template's commit on its git remote, else its own toolkit/
    folder on this disk.
    """
    text = str(answer).strip()
    if VERSION_RANGE.match(text):
        return f"{DISTRIBUTION}{text}"
    if text:
        return text
    return pinned_remote() or f"{DISTRIBUTION} @ {TOOLKIT_DIR.as_uri()}"
