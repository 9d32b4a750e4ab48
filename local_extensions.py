"""Jinja filters the template's files use to write answers safely (cookiecutter `_extensions`)."""

from __future__ import annotations

import json

from cookiecutter.utils import simple_filter


@simple_filter
def toml_string(value: object) -> str:
    """Quote ``value`` as a TOML basic string: any quote, backslash or character stays text."""
    # JSON string escapes are a subset of TOML's. Jinja's own `tojson` writes characters
    # outside the BMP (emoji) as surrogate pairs, which TOML rejects; ensure_ascii=False
    # writes them as themselves.
    return json.dumps(str(value), ensure_ascii=False)
