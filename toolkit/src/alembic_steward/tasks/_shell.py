"""Open the database's own command-line client (psql, mariadb/mysql, sqlite3) on DATABASE_URL.

The password never reaches a command line, where `ps` would show it to every user of the
machine: psql gets it in its environment (PGPASSWORD), the MySQL clients from an option file
only this user can read, deleted when the client exits.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from invoke import Context, Exit, task

from alembic_steward.tasks._user_errors import exit_on_user_error

if TYPE_CHECKING:
    from sqlalchemy import URL

# The query parameters each driver reads the password from, as the other tasks connect
# (`?password=` beside or instead of `user:password@`): PyMySQL takes both names, libpq one.
PASSWORD_PARAMETERS = {"postgresql": ("password",), "mysql": ("password", "passwd")}
# The client of each database, and the Debian/Ubuntu package that installs it.
CLIENTS = {
    "postgresql": (("psql",), "postgresql-client"),
    "mysql": (("mariadb", "mysql"), "mariadb-client"),
    "sqlite": (("sqlite3",), "sqlite3"),
}


@task
@exit_on_user_error
def shell(c: Context) -> None:
    """Open the database's own client; arguments after -- go to it, stdin too."""
    from alembic_steward.runtime._server_databases import target_url

    url = target_url()
    backend = url.get_backend_name()
    if backend not in CLIENTS:
        raise Exit(f"error: no client is known for {backend} databases", code=1)
    names, package = CLIENTS[backend]
    client = next(filter(None, map(shutil.which, names)), None)
    if client is None:
        raise Exit(
            f"error: {' or '.join(names)} is not installed (or not on PATH); install the"
            f" {package} package (e.g. `sudo apt install {package}`) and run it again",
            code=1,
        )
    refuse_refused_sign_in(backend)
    with client_command(client, url, passed_through(c)) as (argv, env):
        code = run_in_foreground(argv, env)
    if code:
        raise Exit(code=code)


def passed_through(c: Context) -> list[str]:
    """The arguments given after `--`, each as the user quoted it."""
    # invoke joins them into one string (c.remainder), losing quotes: `-c "select 1"` would
    # reach the client as three words. The process's own argv still has them as given.
    if "--" in sys.argv:
        return sys.argv[sys.argv.index("--") + 1 :]
    return shlex.split(c.remainder) if c.remainder else []


@contextmanager
def client_command(client: str, url: URL, extra: list[str]) -> Iterator[tuple[list[str], dict]]:
    """Yield the client's argv and environment; a MySQL option file lives until the exit."""
    env = dict(os.environ)
    backend = url.get_backend_name()
    if backend == "sqlite":
        yield [client, url.database or ":memory:", *extra], env
        return
    url, password = password_apart(url)
    if backend == "postgresql":
        if password is not None:
            env["PGPASSWORD"] = password
        # A libpq URI without the password: host, port, user, database and options like sslmode.
        conninfo = url._replace(drivername="postgresql")
        yield [client, conninfo.render_as_string(hide_password=False), *extra], env
    else:
        with mysql_option_file(url, password) as option_file:
            argv = [client, f"--defaults-extra-file={option_file}"]
            yield [*argv, *([url.database] if url.database else []), *extra], env


def password_apart(url: URL) -> tuple[URL, str | None]:
    """``url`` without its password, wherever it is (`user:password@`, or the query where the
    driver reads it, which wins there), and that password: the client gets it apart."""
    names = PASSWORD_PARAMETERS.get(url.get_backend_name(), ())
    given = [url.query[name] for name in names if name in url.query]
    password = given[0] if given else url.password
    if isinstance(password, tuple):  # given twice: the driver takes the last
        password = password[-1]
    query = {name: value for name, value in url.query.items() if name not in names}
    # _replace, not set(): URL.set ignores None and would keep the password.
    bare = url._replace(password=None).set(query=query)
    return bare, None if password is None else str(password)


@contextmanager
def mysql_option_file(url: URL, password: str | None) -> Iterator[str]:
    """Write the connection settings to a file only this user can read; delete it afterwards."""
    settings = {"host": url.host, "port": url.port, "user": url.username}
    settings["password"] = password
    settings["socket"] = url.query.get("unix_socket")
    # mkstemp creates the file readable and writable by its owner only (0600).
    descriptor, path = tempfile.mkstemp(prefix="db-shell-", suffix=".cnf")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as option_file:
            option_file.write("[client]\n")
            for name, value in settings.items():
                if value is not None:
                    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
                    option_file.write(f'{name}="{escaped}"\n')
        yield path
    finally:
        os.unlink(path)


def run_in_foreground(argv: list[str], env: dict[str, str]) -> int:
    """Run the client on this terminal (or pipes) and return its exit code."""
    # Not c.run: invoke relays stdin through a thread and needs a pty for an interactive
    # client; a child process that inherits our stdin, stdout and stderr needs neither.
    process = subprocess.Popen(argv, env=env)
    # Ctrl-C belongs to the client (psql cancels the running query); inv must not die of it.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return process.wait()
    finally:
        signal.signal(signal.SIGINT, previous)


def refuse_refused_sign_in(backend: str) -> None:
    """Sign in once before the client does: a server that refuses DATABASE_URL's user is then
    told in the tasks' one line with exit 10 (runtime/_exit_codes.py), not the client's own
    line and exit 1. Any other failure is left to the client, which says it itself."""
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.runtime._exit_codes import exit_code_of

    if backend == "sqlite":  # no sign-in; connecting here would create a missing file
        return
    engine = get_blocking_engine()
    try:
        with engine.connect():
            pass
    except (SQLAlchemyError, CommandError) as error:  # DatabaseUnreachable is a CommandError
        from alembic_steward.inspection._status_report import StatusExit

        if exit_code_of(error) == StatusExit.REFUSED:
            raise
    finally:
        # Checked back in, the probe's connection would stay open in the pool, a session on
        # the server, for as long as the client runs.
        engine.dispose()
