"""Entries of the configuration history (django-auditlog) that the library cannot write itself.

The library records what a model's `save()` and `delete()` change. What it cannot see, a
`QuerySet.update()` or an action that changes no audited row (a replay, a verification), is
written with `record`, or `record_many` for a bulk action (one insert for every row). A
management command runs inside `command_line_actor`, so that its entries name who ran it
although no staff user is signed in.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from auditlog.cid import get_cid
from auditlog.context import set_extra_data
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.signals import pre_save
from django.utils.encoding import smart_str

COMMAND_LINE_ACTOR_PREFIX = "cli:"


def record(instance: models.Model, changes: Mapping[str, tuple[object, object]]) -> LogEntry:
    """An "update" entry of `instance` for changes the library did not see: {field or action:
    (before, after)}, written as the library writes its own. Never give it a secret."""
    entry: LogEntry = LogEntry.objects.log_create(
        instance,
        force_log=True,
        action=LogEntry.Action.UPDATE,
        changes={name: [str(before), str(after)] for name, (before, after) in changes.items()},
    )
    return entry


Changes = Mapping[str, tuple[object, object]]


def record_many(rows: Sequence[tuple[models.Model, Changes]]) -> list[LogEntry]:
    """`record` for many (row, changes) at once, written in one insert so a bulk action's cost
    does not grow with its rows. The library's `pre_save` receivers name the actor, as on save."""
    entries = []
    for instance, changes in rows:
        entry = LogEntry(
            content_type=ContentType.objects.get_for_model(instance),
            object_pk=str(instance.pk),
            object_id=instance.pk if isinstance(instance.pk, int) else None,
            object_repr=smart_str(instance),
            action=LogEntry.Action.UPDATE,
            changes={name: [str(before), str(after)] for name, (before, after) in changes.items()},
            cid=get_cid(),
        )
        pre_save.send(
            sender=LogEntry, instance=entry, raw=False, using="default", update_fields=None
        )
        entries.append(entry)
    return LogEntry.objects.bulk_create(entries)


def _operating_system_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in the environment nor in the user database
        return "unknown"


def command_line_actor_name() -> str:
    """How the command line is named as actor: `cli:<OS user>`."""
    return f"{COMMAND_LINE_ACTOR_PREFIX}{_operating_system_user()}"


@contextmanager
def command_line_actor() -> Iterator[None]:
    """Entries written inside name the command line and its OS user (`cli:<user>`) as actor."""
    with set_extra_data({"actor_email": command_line_actor_name()}):
        yield
