"""The README's first command bakes a project and walks the whole workflow successfully."""

import re
import subprocess
import sys
from pathlib import Path

from dev_env import TEMPLATE_ROOT


def test_walkthrough_bakes_and_walks_the_workflow(tmp_path: Path) -> None:
    output_dir = tmp_path / "walk"
    completed = subprocess.run(
        [sys.executable, TEMPLATE_ROOT / "scripts/walkthrough.py", "--output-dir", output_dir],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "Created revision" in completed.stdout
    # The baked suite's own summary line: every test passed, none failed or errored.
    assert re.search(r"^\s*\d+ passed in ", completed.stdout, re.MULTILINE), completed.stdout[
        -2000:
    ]
    assert completed.stdout.rstrip().splitlines()[-2].startswith("Done.")
    assert (output_dir / "my_service" / "my_service.db").exists()


def test_walkthrough_refuses_to_delete_a_folder_it_did_not_make(tmp_path: Path) -> None:
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    completed = subprocess.run(
        [sys.executable, TEMPLATE_ROOT / "scripts/walkthrough.py", "--output-dir", tmp_path],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 1
    assert "was not made by this script" in completed.stderr
    assert precious.read_text() == "keep me"
