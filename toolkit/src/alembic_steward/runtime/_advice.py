"""The command a line of advice names: the one that works where the advice is read.

In a project checkout the tasks are there: `inv db.stamp -r REV`. A service installed from a
wheel (a container image, a Kubernetes Job's pod) has neither invoke nor tasks.py, only its
migrations package: `python -m app.migrations stamp REV`. Advice printed there must name the
latter, or the operator following it gets "inv: command not found". So must advice printed
by `python -m app.migrations` itself, wherever it runs: an image built from the checkout has the
project's files but not invoke, and whoever typed the `python -m` form runs that form.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

# Set while `python -m app.migrations` runs a command (runtime/_deploy.py); a forked tenant
# worker inherits it with the process's memory.
_UNDER_DEPLOY_COMMAND = [False]


@contextmanager
def advising_deploy_commands() -> Iterator[None]:
    """While this holds, advice names `python -m app.migrations` forms, checkout or not."""
    before = _UNDER_DEPLOY_COMMAND[0]
    _UNDER_DEPLOY_COMMAND[0] = True
    try:
        yield
    finally:
        _UNDER_DEPLOY_COMMAND[0] = before


def advised(task: str, deploy: str) -> str:
    """The command to name, backquoted: `inv TASK` in a checkout, `python -m PACKAGE DEPLOY`
    in an installed service. ``task`` and ``deploy`` are the words after `inv` and after the
    module, e.g. ("db.stamp -r abc123", "stamp abc123")."""
    return f"`{command_words(task, deploy)}`"


def command_words(task: str, deploy: str) -> str:
    """As :func:`advised`, without the backquotes."""
    from alembic_steward._wiring import active_steward

    if not installed_service():
        return f"inv {task}"
    return f"{active_steward().deploy_command} {deploy}"


def installed_service() -> bool:
    """Whether advice must name `python -m app.migrations` forms: this runs as a service
    installed from a wheel, where no `inv` task is at hand, or under that entry point itself;
    without a wiring to ask, a checkout's tasks, the usual case."""
    from alembic_steward._wiring import WiringError, active_steward

    if _UNDER_DEPLOY_COMMAND[0]:
        return True
    try:
        return not active_steward().running_from_checkout
    except WiringError:
        return False


def bound_tenant_options(option: str = "--tenants") -> str:
    """`` --tenants NAME`` (and ``--tenancy T`` when not the wiring's) while a tenant is bound,
    else "": advice printed for one tenant of a fan-out must name the command that acts on
    that tenant, not on DATABASE_URL's own database. ``option`` is ``--tenants`` for a
    fan-out command (`db.upgrade`)."""
    from alembic_steward._wiring import WiringError
    from alembic_steward.runtime._tenancy import bound_tenant, configured_tenancy

    tenant = bound_tenant()
    if tenant is None:
        return ""
    try:
        tenancy_is_default = tenant.tenancy == configured_tenancy()
    except WiringError:
        tenancy_is_default = False
    tenancy = "" if tenancy_is_default else f" --tenancy {tenant.tenancy}"
    return f" {option} {tenant.name}{tenancy}"


def tenant_status_command(options: str) -> str:
    """The command that shows where the tenants ``options`` selects stand (`` --tenants A,B``,
    `` --all-tenants``), unquoted: `inv db.status OPTIONS` in a checkout, `python -m
    app.migrations status OPTIONS` in an installed service; both only read."""
    return command_words(f"db.status{options}", f"status{options}")
