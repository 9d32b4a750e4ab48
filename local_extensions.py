"""Jinja helpers the template's files use to write answers safely (cookiecutter `_extensions`).

Frozen: `cruft update` renders a service's new template with the local_extensions module of its
old commit (cruft/cruft#253), so nothing here may change or go. New helpers go in new modules;
the rejected-answer extensions moved to rejected_answers.py and stay importable from here.
"""

from __future__ import annotations

import json

from cookiecutter.utils import simple_filter

from rejected_answers import FolderName, QuietHookFailure, folder_name

__all__ = ["FolderName", "QuietHookFailure", "folder_name", "toml_string"]


@simple_filter
def toml_string(value: object) -> str:
    """Quote ``value`` as a TOML basic string: any quote, backslash or character stays text."""
    # JSON string escapes are a subset of TOML's. Jinja's own `tojson` writes characters
    # outside the BMP (emoji) as surrogate pairs, which TOML rejects; ensure_ascii=False
    # writes them as themselves.
    return json.dumps(str(value), ensure_ascii=False)
