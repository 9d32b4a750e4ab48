"""What several tasks share about their options: flags without a short form, the help of --yes."""

from __future__ import annotations

from typing import Any

from invoke import Task

YES_HELP = "Run even when the environment is protected, without asking"


class LongOnlyOptions(Task):
    """A task whose options named in ``long_only`` get no short flag.

    invoke gives each option the first free letter of its name; `--rev-id` would get `-v`,
    which means `--verbose` in every other task.
    """

    def __init__(self, *args: Any, long_only: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.long_only = long_only

    def get_arguments(self, ignore_unknown_help: bool | None = None) -> list[Any]:
        arguments = super().get_arguments(ignore_unknown_help)
        for argument in arguments:
            # invoke sets attr_name only where it differs from the name (`rev_id`, not `ref`).
            if (argument.attr_name or argument.name) in self.long_only:
                argument.names = argument.names[:1]
        return arguments
