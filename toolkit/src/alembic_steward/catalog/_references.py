"""What a foreign key's definition references, read from its text (`REFERENCES owners(id)`)."""

from __future__ import annotations

import re

# `REFERENCES owners(id)`, `REFERENCES "Owners"(id)`, `REFERENCES audit.owners(id)`.
QUOTED = r'"(?:[^"]|"")+"'
REFERENCES = re.compile(rf'REFERENCES\s+(?:(?:{QUOTED}|[^\s(."]+)\.)?({QUOTED}|[^\s("]+)')


def unquoted(name: str) -> str:
    """A name as stored: PostgreSQL's double quotes (and doubled quotes inside) removed."""
    name = name.strip()
    if len(name) > 1 and name[0] == name[-1] and name[0] in '"`':
        return name[1:-1].replace(name[0] * 2, name[0])
    return name
