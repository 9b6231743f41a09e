"""Migration operations of our own: indexes on big tables built without blocking their writes.

`CREATE INDEX` locks a table against writes until the index is built: minutes on a table of
millions of deliveries, minutes in which no status change could commit its outbox row. On
PostgreSQL `CREATE INDEX CONCURRENTLY` (Django's `AddIndexConcurrently`) builds it while writes
go on, but it cannot run in a transaction and the embedded SQLite database has no such thing:
there `AddIndexConcurrently` fails. `AddIndexWithoutLocking` is one operation for both: the
concurrent build on PostgreSQL, a plain `CREATE INDEX` elsewhere (SQLite's tables are small).
Migrations that use it set `atomic = False`. A concurrent build that fails (a deadlock, a
cancelled deploy) leaves an invalid index behind: drop it (`DROP INDEX CONCURRENTLY name`) and
migrate again.
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db.migrations.operations import AddIndex


class AddIndexWithoutLocking(AddIndexConcurrently):
    """`AddIndexConcurrently` on PostgreSQL, `AddIndex` on any other database."""

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)
