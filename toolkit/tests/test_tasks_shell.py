"""db.shell opens the database's own client, with stdin, arguments and no password on argv."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from project import BIN, Project
from servers import ServerDatabase, only_on

PASSWORD = "Sup3r-Secret"
# Arguments after `--` that make each client run one query and exit.
QUERY_ARGUMENTS = {
    "sqlite": ["select 'a b';"],
    "postgresql": ["-c", "select 'a b'"],
    "mysql": ["-e", "select 'a b'"],
}
# A stand-in client that shows what it was given: argv, PGPASSWORD, and a MySQL option file.
FAKE_CLIENT = """#!/bin/sh
echo "argv: $*"
echo "PGPASSWORD: $PGPASSWORD"
for argument in "$@"; do
  case "$argument" in
    --defaults-extra-file=*)
      file="${argument#--defaults-extra-file=}"
      echo "mode: $(stat -c %a "$file")"
      echo "file: $file"
      cat "$file";;
  esac
done
"""


def shell(
    project: Project, url: str, *arguments: str, stdin: str = "", path: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = project.environment(DATABASE_URL=url)
    if path is not None:
        env["PATH"] = path
    return subprocess.run(
        [project.executable("inv"), "db.shell", *arguments],
        cwd=project.path,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
    )


def test_shell_reads_standard_input(project: Project, database: ServerDatabase) -> None:
    completed = shell(project, database.url, stdin="select 41 + 1;\n")
    assert completed.returncode == 0, completed.stderr
    assert "42" in completed.stdout


def test_shell_passes_arguments_after_the_double_dash_as_given(
    project: Project, database: ServerDatabase
) -> None:
    completed = shell(project, database.url, "--", *QUERY_ARGUMENTS[database.kind])
    assert completed.returncode == 0, completed.stderr
    assert "a b" in completed.stdout


def test_shell_passes_the_clients_exit_code_on(project: Project, database: ServerDatabase) -> None:
    # psql carries on after an error in a script unless told to stop.
    stop = ["--", "-v", "ON_ERROR_STOP=1"] if database.kind == "postgresql" else []
    completed = shell(project, database.url, *stop, stdin="select * from no_such_table;\n")
    assert completed.returncode != 0
    assert "Traceback" not in completed.stderr


@pytest.mark.parametrize(
    ("url", "client", "package"),
    [
        ("sqlite:///app.db", "sqlite3", "sqlite3"),
        ("postgresql://app@127.0.0.1:5432/app", "psql", "postgresql-client"),
        ("mysql://app@127.0.0.1:3306/app", "mariadb or mysql", "mariadb-client"),
    ],
)
def test_shell_without_its_client_names_the_package_to_install(
    project: Project, url: str, client: str, package: str
) -> None:
    completed = shell(project, url, path=str(BIN))  # the toolkit's commands, no client
    assert completed.returncode == 1
    assert completed.stderr.startswith(f"error: {client} is not installed")
    assert f"install the {package} package" in completed.stderr
    assert len(completed.stderr.splitlines()) == 1


@pytest.mark.parametrize("client", ["psql", "mariadb"])
def test_shell_never_puts_the_password_on_the_command_line(
    project: Project, tmp_path: Path, client: str
) -> None:
    fake = tmp_path / client
    fake.write_text(FAKE_CLIENT)
    fake.chmod(0o755)
    scheme = "postgresql" if client == "psql" else "mysql"
    url = f"{scheme}://app:{PASSWORD}@db.example:1234/app"
    path = f"{tmp_path}:{BIN}:/usr/bin:/bin"
    completed = shell(project, url, "--", "-x", "two words", path=path)
    assert completed.returncode == 0, completed.stderr
    shown = dict(line.split(": ", 1) for line in completed.stdout.splitlines() if ": " in line)
    assert PASSWORD not in shown["argv"]
    assert shown["argv"].endswith("-x two words")
    if client == "psql":
        assert shown["PGPASSWORD"] == PASSWORD
        assert shown["argv"].startswith("postgresql://app@db.example:1234/app")
    else:
        assert shown["mode"] == "600"
        assert f'password="{PASSWORD}"' in completed.stdout
        assert not Path(shown["file"]).exists(), "the option file outlived the client"


@pytest.mark.parametrize(
    ("client", "query"),
    [("psql", "password"), ("mariadb", "password"), ("mariadb", "passwd")],
)
def test_shell_gives_the_client_a_password_from_the_query_as_the_driver_reads_it(
    project: Project, tmp_path: Path, client: str, query: str
) -> None:
    fake = tmp_path / client
    fake.write_text(FAKE_CLIENT)
    fake.chmod(0o755)
    scheme = "postgresql" if client == "psql" else "mysql"
    # An option beside the password, of each driver's own (PyMySQL takes no sslmode).
    other = "sslmode=require" if client == "psql" else "charset=utf8mb4"
    url = f"{scheme}://app@db.example:1234/app?{other}&{query}={PASSWORD}"
    completed = shell(project, url, path=f"{tmp_path}:{BIN}:/usr/bin:/bin")
    assert completed.returncode == 0, completed.stderr
    shown = dict(line.split(": ", 1) for line in completed.stdout.splitlines() if ": " in line)
    assert PASSWORD not in shown["argv"], shown["argv"]
    if client == "psql":
        assert shown["PGPASSWORD"] == PASSWORD
        assert shown["argv"] == "postgresql://app@db.example:1234/app?sslmode=require"
    else:
        assert f'password="{PASSWORD}"' in completed.stdout


@only_on("mysql", why="the test servers of the others let any password in")
def test_shell_is_refused_a_wrong_password_in_the_query_as_the_other_tasks_are(
    project: Project, database: ServerDatabase
) -> None:
    url = f"{database.url}?password=wrong"
    refused = project.inv("db.status", code=10, env={"DATABASE_URL": url})
    assert "refused user root with the password DATABASE_URL gives" in refused.stderr
    completed = shell(project, url, stdin="select 1;\n")
    # Told before the client starts: the tasks' own line and exit code, not the client's.
    assert completed.returncode == 10, completed
    assert "refused user root with the password DATABASE_URL gives" in completed.stderr
