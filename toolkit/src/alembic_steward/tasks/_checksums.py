"""Accept the revision checksums an older format recorded (runtime/_revision_checksums.py)."""

from __future__ import annotations

from invoke import Context, task

from alembic_steward.tasks._migrate import YES_HELP
from alembic_steward.tasks._protection import confirm_destructive
from alembic_steward.tasks._user_errors import exit_on_user_error


@task(help={"yes": YES_HELP})
@exit_on_user_error
def accept_checksums(c: Context, yes: bool = False) -> None:
    """Record older-format checksums anew from the files, once `git log -p` shows them unedited."""
    from alembic.script import ScriptDirectory

    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.runtime._revision_checksums import restamp_first_format

    script = ScriptDirectory.from_config(build_alembic_config())
    # Trusting the files silences the edit check for them, so a protected database asks first.
    confirm_destructive(c, "accept the revision files as applied on", yes)
    with get_blocking_engine().begin() as connection:
        accepted = restamp_first_format(connection, script, trust_files=True)
    if not accepted:
        print("No checksum of an older format is recorded; nothing to accept.")
        return
    print(f"Recorded the checksums of {', '.join(accepted)} in the current format.")
