"""The files of a few revisions, found without loading the whole history.

Alembic's ScriptDirectory imports every revision file to answer anything (about half a second
at 300 revisions, on a fresh process); status behind head reads only the pending revisions'
text (their renames, what they touch on the way), so their files are found by the
`revision = "..."` line they declare, those whose names hold an id read first.
"""

from __future__ import annotations

from pathlib import Path


def revision_sources(wanted: set[str], script: object | None = None) -> list[str]:
    """The file texts of the ``wanted`` revisions: their paths from ``script`` (an Alembic
    ScriptDirectory) when given, else the files of the versions folder that declare them, those
    whose names hold an id read first (Alembic's own names do), so a few pending revisions do
    not load the whole history; a history Alembic alone can read (an id not written plainly)
    is loaded. A file that cannot be read is left out."""
    if script is None:
        from alembic_steward._wiring import active_steward

        found = declared_sources(wanted, active_steward().versions_dir)
        if found.keys() == wanted:
            return list(found.values())
        from alembic.script import ScriptDirectory

        from alembic_steward.runtime._config import build_alembic_config

        script = ScriptDirectory.from_config(build_alembic_config(quiet=True))
    sources = []
    for each in script.walk_revisions():  # type: ignore[attr-defined]
        if each.revision in wanted:
            try:
                sources.append(Path(each.path).read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                continue
    return sources


def declared_sources(wanted: set[str], versions: Path) -> dict[str, str]:
    """revision -> file text, for the ``wanted`` revisions whose file in ``versions`` declares
    its id plainly (`revision = "..."`), stopping once all are found."""
    from alembic_steward.runtime._code_history import IDENTIFIER_LINE, ids_in

    paths = sorted(versions.rglob("*.py"), key=lambda p: not any(r in p.name for r in wanted))
    found: dict[str, str] = {}
    for path in paths:
        if found.keys() == wanted:
            break
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        declared = dict(IDENTIFIER_LINE.findall(text)).get("revision", "")
        ids = ids_in(declared)
        if ids and len(ids) == 1 and ids[0] in wanted:
            found[ids[0]] = text
    return found
