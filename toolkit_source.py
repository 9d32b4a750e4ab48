"""Which alembic-steward a bake depends on (cookiecutter `_extensions`: two Jinja filters).

A module of its own, never an edit to local_extensions.py: cruft renders a service's old and new
template in one process and reuses the module it loaded first (cruft/cruft#253), so once released
these filters keep their names and meanings for ever; new behaviour goes in a new module.
Stdlib only: it runs in cookiecutter's (or cruft's) own Python.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote, urlsplit

from cookiecutter.utils import simple_filter

TEMPLATE_ROOT = Path(__file__).resolve().parent
DISTRIBUTION = "alembic-steward[tasks]"
# An answer that is only a version range (">=0.2,<0.3"), for the distribution once published.
VERSION_RANGE = re.compile(r"\s*(~=|==|!=|<=|>=|<|>)")
# Every call is local (no fetch), so this only bounds a stuck git: a hung network filesystem, a
# slow fsmonitor hook. The first call that runs out ends the search for a pin.
GIT_TIMEOUT_SECONDS = 10.0
# Set inside a git hook or `git rebase --exec`, they would point git at that repository instead
# of the template's (`git rev-parse --local-env-vars` lists them).
REPOSITORY_VARIABLES = frozenset(
    {"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR"}
    | {"GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_PREFIX", "GIT_SHALLOW_FILE", "GIT_GRAFT_FILE"}
    | {"GIT_IMPLICIT_WORK_TREE", "GIT_NO_REPLACE_OBJECTS", "GIT_REPLACE_REF_BASE"}
)
# The transports of a `git+` URL that pip installs from (uv: all but git://).
PINNABLE_SCHEMES = frozenset({"https", "http", "ssh", "git", "file"})
# Git's scp-like `[user@]host:path`, recognised only when no slash comes before the first colon.
SCP_LIKE = re.compile(r"(?:(?P<user>[^@/:]+)@)?(?P<host>\[[^\]/]+\]|[^@/:\[]+):(?P<path>.*)")
WINDOWS_DRIVE = re.compile(r"[A-Za-z]:[\\/]")
# Git's `transport::address`, run by a remote helper (git-remote-TRANSPORT) pip knows nothing of.
REMOTE_HELPER = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*::")
# Characters a URL's path may hold as they are; the rest (spaces, quotes, non-ASCII) are escaped.
URL_PATH_SAFE = "/%~:@!$&'()*+,;=-._"


class GitUnavailable(Exception):
    """Git could not answer at all (not installed, or stuck past the timeout)."""


@dataclass(frozen=True)
class ToolkitSource:
    requirement: str
    # One line for whoever bakes, or "" when the requirement needs no explanation.
    note: str = ""


class PipGitUrl(NamedTuple):
    url: str
    credentials_dropped: bool


def git(root: Path, *arguments: str) -> str | None:
    """Run git in ``root``; its output, or None when it fails there (not a repository, no HEAD)."""
    environment = {k: v for k, v in os.environ.items() if k not in REPOSITORY_VARIABLES}
    environment["GIT_TERMINAL_PROMPT"] = "0"
    command = ["git", "-C", str(root), "--no-optional-locks", *arguments]
    try:
        completed = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            env=environment,
            timeout=GIT_TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired as error:
        raise GitUnavailable(f"git did not answer within {GIT_TIMEOUT_SECONDS:g} s") from error
    except OSError as error:
        raise GitUnavailable("git could not be run") from error
    text = completed.stdout.strip()
    return text if completed.returncode == 0 else None


def pip_git_url(remote: str, toplevel: Path) -> PipGitUrl | None:
    """The `git+` URL pip installs a git remote from, or None for a transport pip lacks.

    Credentials never reach it: an http(s) remote loses its user and password (a token can sit
    in either), any other keeps its user (ssh needs it) and loses a password.
    """
    if REMOTE_HELPER.match(remote):
        return None
    if "://" not in remote:
        scp = None if WINDOWS_DRIVE.match(remote) else SCP_LIKE.fullmatch(remote)
        if scp is None:  # a path, which git reads from the repository's top folder
            return PipGitUrl(f"git+{(toplevel / remote).resolve().as_uri()}", False)
        user = f"{scp['user']}@" if scp["user"] else ""
        remote = f"ssh://{user}{scp['host']}/{scp['path'].lstrip('/')}"
    parts = urlsplit(remote)
    scheme = parts.scheme.lower()
    if scheme not in PINNABLE_SCHEMES or parts.query or parts.fragment:
        return None
    userinfo, _, host = parts.netloc.rpartition("@")
    kept = "" if scheme in ("http", "https") else userinfo.partition(":")[0]
    netloc = f"{kept}@{host}" if kept else host
    return PipGitUrl(f"git+{scheme}://{netloc}{quote(parts.path, URL_PATH_SAFE)}", kept != userinfo)


def local_folder(toolkit: Path, reason: str, advice: str) -> ToolkitSource:
    """The toolkit/ folder on this disk, and the one line saying why and how to pin it."""
    note = f"note: this project installs alembic-steward from {toolkit} ({reason}); {advice}"
    return ToolkitSource(f"{DISTRIBUTION} @ {toolkit.as_uri()}", note)


def remote_holding(root: Path, commit: str, remotes: list[str]) -> str | None:
    """The one of ``remotes`` (origin first) whose fetched branches hold ``commit``, if any."""
    for remote in sorted(remotes, key=lambda name: name != "origin"):
        refs = f"refs/remotes/{remote}/"
        if git(root, "for-each-ref", "--count=1", "--contains", commit, refs):
            return remote
    return None


def pinned_commit(root: Path) -> ToolkitSource:
    """The toolkit at the template checkout's commit on its git remote, else its folder here."""
    toolkit = root / "toolkit"
    toplevel = git(root, "rev-parse", "--show-toplevel")
    if toplevel is None:
        advice = "to pin it to a commit, bake from the template's git URL"
        return local_folder(toolkit, "a template folder outside git", advice)
    remotes = (git(root, "remote") or "").split()
    if not remotes:
        advice = "to pin it to a commit, push the template to a git host and bake from that URL"
        return local_folder(toolkit, "a local checkout with no git remote", advice)
    # Untracked files count too: they are in this folder and in no commit.
    if git(root, "status", "--porcelain", "--untracked-files=all", "--", "toolkit") != "":
        advice = "commit and push them, then bake again to pin the toolkit to that commit"
        return local_folder(toolkit, "toolkit/ has uncommitted changes", advice)
    commit = git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    prefix = git(root, "rev-parse", "--show-prefix")
    remote = remote_holding(root, commit, remotes) if commit else None
    if commit is None or prefix is None or remote is None:
        advice = "push it, then bake again to pin the toolkit to that commit"
        return local_folder(toolkit, "the checkout's commit is on no git remote", advice)
    # An ignored toolkit/ (the template unpacked inside some other repository) is in no commit.
    if git(root, "cat-file", "-e", f"{commit}:{prefix}toolkit/pyproject.toml") is None:
        advice = "bake from the template's own git URL to pin it to a commit"
        return local_folder(toolkit, "toolkit/ is not in the checkout's commit", advice)
    pip_url = pip_git_url(git(root, "remote", "get-url", remote) or "", Path(toplevel))
    if pip_url is None:
        reason = f"remote {remote}'s URL is not one pip installs from (https, ssh, git, file)"
        advice = "answer toolkit_requirement with a URL it can install"
        return local_folder(toolkit, reason, advice)
    requirement = f"{DISTRIBUTION} @ {pip_url.url}@{commit}#subdirectory={prefix}toolkit"
    if not pip_url.credentials_dropped:
        return ToolkitSource(requirement)
    note = (
        f"note: this project pins alembic-steward to {pip_url.url}@{commit[:12]} without the "
        f"credentials in remote {remote}'s URL; pip and uv ask git's credential helper for them"
    )
    return ToolkitSource(requirement, note)


def toolkit_source(answer: object, template_root: Path = TEMPLATE_ROOT) -> ToolkitSource:
    """The requirement a bake's pyproject.toml names for the toolkit, and what to tell the baker.

    An answer wins: a version range for the published distribution, or a full requirement as
    written. Without one: the template's commit on its git remote, else its own toolkit/ folder.
    """
    text = str(answer).strip()
    if VERSION_RANGE.match(text):
        return ToolkitSource(f"{DISTRIBUTION}{text}")
    if text:
        return ToolkitSource(text)
    try:
        return pinned_commit(template_root)
    except GitUnavailable as error:
        advice = "answer toolkit_requirement to name the toolkit yourself"
        return local_folder(template_root / "toolkit", str(error), advice)


@simple_filter
def toolkit_requirement(answer: object) -> str:
    """The toolkit requirement for pyproject.toml (see ``toolkit_source``)."""
    return toolkit_source(answer).requirement


@simple_filter
def toolkit_note(answer: object) -> str:
    """The one line the post-generation hook prints about that requirement, or ""."""
    return toolkit_source(answer).note
