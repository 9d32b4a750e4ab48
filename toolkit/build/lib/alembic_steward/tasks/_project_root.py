"""Run the project's external tools (ruff, pytest) from the project root, whatever the folder."""

from __future__ import annotations

import os
import shlex

from invoke import Context, Result


def run_from_project_root(c: Context, command: list[str], **options: object) -> Result:
    """Run ``command`` in the project root, each argument quoted for the shell."""
    from alembic_steward._wiring import project_root

    # Not `with c.cd(project_root())`: invoke splices that path into `cd PATH && ...` escaping
    # only spaces, so a project folder whose name holds `;` or `$(...)` would run as shell code.
    # The shell inherits this process's folder instead; the process ends with its tasks.
    os.chdir(project_root())
    return c.run(shlex.join(command), **options)
