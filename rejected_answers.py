"""What a rejected answer leaves behind: no folder outside the output folder, one `error:` line.

Cookiecutter `_extensions`, a module of their own since local_extensions.py is frozen
(cruft/cruft#253: cruft renders a service's old and new template in one process and reuses the
module it imported first, and the local_extensions.py of commits before 59f6fac lacks these
names, so a new template that asked local_extensions for them could not update such a service).
This module is bound the same way from now on: changes go in new modules.
"""

from __future__ import annotations

import logging
import re

from cookiecutter.exceptions import FailedHookException
from jinja2 import Environment
from jinja2.ext import Extension

# What the pre-generation hook accepts as a slug (hooks/pre_gen_project.py checks the rest).
SLUG_SHAPE = re.compile(r"[a-z_][a-z0-9_]*")


def folder_name(slug: object) -> str:
    """Return the project folder's name: the slug, or for a malformed slug a harmless stand-in.

    Cookiecutter creates the project folder before the pre-generation hook can reject the
    slug, so a slug like ``../x/y`` would create ``../x`` outside the output folder and leave
    it there. A stand-in is one path component inside the output folder, which cookiecutter
    deletes when the hook rejects the slug.
    """
    text = str(slug)
    if SLUG_SHAPE.fullmatch(text):
        return text
    return "rejected_" + re.sub(r"[^A-Za-z0-9_]", "_", text)


# The template's project folder, exactly as its name is written in the repository.
PROJECT_FOLDER_TEMPLATE = "{{cookiecutter.project_slug}}"


class FolderName(Extension):
    """Render the project folder's name through `folder_name`, so a bad slug creates nothing.

    The folder keeps the name every cookiecutter user expects, `{{cookiecutter.project_slug}}`;
    its name cannot hold a `|` filter, which Windows forbids in file names. Cookiecutter renders
    that name alone, as its own template, so the rewrite below touches nothing else.
    """

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.globals["folder_name"] = folder_name

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        if source == PROJECT_FOLDER_TEMPLATE:
            return "{{ folder_name(cookiecutter.project_slug) }}"
        return source


# Where cookiecutter logs a failed hook with `logger.exception`; releases that logged it from
# `cookiecutter.generate` used `logger.error`, which prints no traceback.
HOOK_FAILURE_LOGGER = "cookiecutter.hooks"


class WithoutHookTraceback(logging.Filter):
    """Drop the traceback from cookiecutter's "hook script didn't exit successfully" record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], FailedHookException):
            record.exc_info = record.exc_text = None
        return True


class QuietHookFailure(Extension):
    """Keep a rejected answer to one `error:` line, without cookiecutter's traceback after it.

    When the pre-generation hook exits 1, cookiecutter logs the exception it raised for that,
    a traceback through its own hook runner that tells the user nothing; the hook has already
    said what to change. Cookiecutter's message ("Stopping generation because ...") stays.
    """

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        logger = logging.getLogger(HOOK_FAILURE_LOGGER)
        # Cookiecutter builds several Jinja environments per bake; one filter is enough.
        if not any(isinstance(known, WithoutHookTraceback) for known in logger.filters):
            logger.addFilter(WithoutHookTraceback())
