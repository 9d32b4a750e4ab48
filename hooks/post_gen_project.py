"""Remove what the chosen options leave unused from the freshly baked project, and say where its
toolkit comes from when that needs saying.

Values arrive through ``| tojson`` so that an answer is data, never code.
"""

import json
import shutil
import sys
from pathlib import Path

# Double tojson: a JSON text in a Python string, read back as True or False.
USE_MAKEFILE = json.loads({{cookiecutter.use_makefile | tojson | tojson}})
DATABASE = json.loads({{cookiecutter.database | tojson | tojson}})
# One line (toolkit_source.py) when the project installs the toolkit from a folder on this disk
# or pins it without the credentials its URL held; "" when the requirement needs no word.
TOOLKIT_NOTE = json.loads({{cookiecutter.toolkit_requirement | toolkit_note | tojson | tojson}})


def remove_makefile() -> None:
    """Teams who did not ask for make get no Makefile to keep in step with the tasks."""
    Path("Makefile").unlink()


def remove_kubernetes_manifests() -> None:
    """A SQLite file cannot be shared by a migration Job and the replicas of a rolling deploy."""
    shutil.rmtree("deploy")


def main() -> None:
    if not USE_MAKEFILE:
        remove_makefile()
    if DATABASE == "sqlite":
        remove_kubernetes_manifests()
    if TOOLKIT_NOTE:
        print(TOOLKIT_NOTE, file=sys.stderr)


if __name__ == "__main__":
    main()
