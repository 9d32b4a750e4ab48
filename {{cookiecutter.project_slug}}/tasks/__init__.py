"""The project's invoke tasks; `inv --list` shows them all.

Task modules import nothing heavy at load time, so listing tasks and shell completion stay fast.
"""

from invoke import Collection

from tasks import db, lint, test

ns = Collection(db, test.test, lint.lint, lint.format_code)
