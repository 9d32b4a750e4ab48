"""Remove what the chosen options leave unused from the freshly baked project.

Values arrive through ``| tojson`` so that an answer is data, never code.
"""

import json
from pathlib import Path

# Double tojson: a JSON text in a Python string, read back as True or False.
USE_MAKEFILE = json.loads({{cookiecutter.use_makefile | tojson | tojson}})


def remove_makefile() -> None:
    """Teams who did not ask for make get no Makefile to keep in step with the tasks."""
    Path("Makefile").unlink()


def main() -> None:
    if not USE_MAKEFILE:
        remove_makefile()


if __name__ == "__main__":
    main()
