"""Refuse invoke's own `-r`/`--search-root` typed after a task that has no such option.

invoke reads a flag the task lacks as one of its own when it has that name: `inv db.status -r
foo` set invoke's search root, already used to load the tasks, and ran the status as if no
option were given (exit 0), while `--rev foo` is refused as unknown. A revision the user meant
to name must not be dropped silently.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Sequence
from typing import Any

from invoke import Exit

SEARCH_ROOT = ("-r", "--search-root")


def refuse_core_flags_after(
    task_body: Callable[..., Any], argv: Sequence[str] | None = None
) -> None:
    """Exit with one line when ``argv`` (sys.argv) holds `-r`/`--search-root` after the token
    that named ``task_body``'s task, and the task has no option that takes it."""
    arguments = list(sys.argv if argv is None else argv)[1:]
    name = task_body.__name__
    named = [
        index
        for index, token in enumerate(arguments)
        if not token.startswith("-") and token.rsplit(".", 1)[-1].replace("-", "_") == name
    ]
    if not named:
        return
    task = arguments[named[0]]
    owns_r = any(parameter.startswith("r") for parameter in own_parameters(task_body))
    for token in arguments[named[0] + 1 :]:
        flag = token.split("=", 1)[0]
        if flag == "--search-root" or (flag == "-r" and not owns_r):
            raise Exit(
                f"error: {task} takes no {flag}: invoke would read it as its own --search-root"
                " and ignore it; `inv --help " + task + "` lists its options; nothing was run",
                code=1,
            )


def own_parameters(task_body: Callable[..., Any]) -> list[str]:
    """The task's own option names (its parameters after the Context)."""
    return list(inspect.signature(inspect.unwrap(task_body)).parameters)[1:]
