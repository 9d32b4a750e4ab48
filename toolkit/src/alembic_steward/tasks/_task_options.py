"""What several tasks share about their options: flags without a short form, the help of --yes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from invoke import Task

YES_HELP = "Run even when the environment is protected, without asking"


class LongOnlyOptions(Task):
    """A task whose options named in ``long_only`` get no short flag, and whose options named
    in ``nicknames`` also answer to the other long names given there.

    invoke gives each option the first free letter of its name; `--rev-id` would get `-v`,
    which means `--verbose` in every other task. A nickname is invoke's own alias of a flag
    (`--tenant` for `--tenants`): one option, whichever name is typed.
    """

    def __init__(
        self,
        *args: Any,
        long_only: tuple[str, ...] = (),
        nicknames: Mapping[str, tuple[str, ...]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.long_only = long_only
        self.nicknames = dict(nicknames or {})

    def get_arguments(self, ignore_unknown_help: bool | None = None) -> list[Any]:
        arguments = super().get_arguments(ignore_unknown_help)
        for argument in arguments:
            # invoke sets attr_name only where it differs from the name (`rev_id`, not `ref`).
            if (argument.attr_name or argument.name) in self.long_only:
                argument.names = argument.names[:1]
            argument.names = (*argument.names, *self.nicknames.get(argument.name, ()))
        return arguments
