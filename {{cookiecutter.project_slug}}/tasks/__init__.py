"""The project's invoke tasks; `inv --list` shows them all.

Task modules import nothing heavy at load time, so listing tasks and shell completion stay fast.
"""

from invoke import Collection

from tasks import db, migration_recovery

db_tasks = Collection.from_module(db)
db_tasks.add_task(migration_recovery.clear_migration_mark)
ns = Collection(db_tasks)
