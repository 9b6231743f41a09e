"""Migration tests: the database and the models as they were just before one migration."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

Node = tuple[str, str]


def state_before(migration: Node) -> list[Node]:
    """Migration targets for the schema just before `migration`: its parents in its own app, and
    every other app at its newest migration that does not need `migration`.

    Other apps stay as new as they can be, so the models of that state match their tables (an
    app whose newest migration dropped a column must not come back with it).
    """
    graph = MigrationExecutor(connection).loader.graph
    node = graph.node_map[migration]
    targets = {parent.key for parent in node.parents if parent.key[0] == migration[0]}
    for leaf in graph.leaf_nodes():
        if leaf[0] == migration[0]:
            continue
        current: Node | None = leaf
        while current is not None and migration in graph.forwards_plan(current):
            parents = [p.key for p in graph.node_map[current].parents if p.key[0] == current[0]]
            current = parents[0] if parents else None
        if current is not None:
            targets.add(current)
    return sorted(targets)


def latest() -> list[Node]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def migrate(targets: list[Node]) -> Any:
    """Migrate to `targets`; returns the apps (historical models) of that state."""
    MigrationExecutor(connection).migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@contextmanager
def schema_before(migration: Node) -> Iterator[Any]:
    """The database as it was before `migration` (its apps, to write old rows with); migrated to
    the latest state on leaving."""
    try:
        yield migrate(state_before(migration))
    finally:
        migrate(latest())
