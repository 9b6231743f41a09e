"""Admin lists of tables that grow without bound: counted exactly while small, estimated after.

Django's changelist counts its rows with `COUNT(*)` for the paginator, and again for the
"N total" next to a filter. On PostgreSQL a count reads every row it counts, so a list of a
million deliveries costs a second per page for a number nobody needs exact. The paginator
below counts at most `EXACT_UP_TO` + 1 rows (a bounded count, as cheap as reading them) and,
when there are more, asks the planner for its estimate (`EXPLAIN`, which reads the table's
statistics, `reltuples`, not the rows). So small and filtered lists show their exact count,
a long list a close estimate, and a page costs the same queries at 10,000 rows and at 1,000,000.
Other databases (the embedded SQLite) count exactly, as Django does.

An estimate is shown as one ("about 1,230,000 deliveries", rounded to three figures) by the
admin's pagination and search-form templates (templates/admin/), which read `estimated`.

A ModelAdmin opts in with `LargeTableAdmin`, which also sets `show_full_result_count = False`
(the second count over the unfiltered table).
"""

from __future__ import annotations

import json
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.formats import number_format
from django.utils.translation import gettext

if TYPE_CHECKING:
    from django.contrib import admin

    BaseModelAdmin = admin.ModelAdmin[Any]
    BasePaginator = Paginator[Any]
else:
    BaseModelAdmin = object
    BasePaginator = Paginator

# Ten pages of a hundred rows are counted exactly; beyond, an estimate pages just as well.
EXACT_UP_TO = 1_000
# An estimate is shown to this many figures: more would claim a precision it does not have.
SHOWN_FIGURES = 3


def planned_rows(queryset: QuerySet[Any]) -> int:
    """The planner's estimate of how many rows `queryset` returns (PostgreSQL)."""
    plan = json.loads(queryset.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPaginator(BasePaginator):
    """Counts exactly up to EXACT_UP_TO rows, estimates beyond (on PostgreSQL)."""

    # whether `count` is the planner's estimate (known once `count` has been read)
    estimated = False

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet) or connections[queryset.db].vendor != "postgresql":
            return super().count
        counted = queryset.order_by()[: EXACT_UP_TO + 1].count()
        if counted <= EXACT_UP_TO:
            return counted
        self.estimated = True
        # Never less than what was just counted: statistics lag behind a table that grows.
        return max(planned_rows(queryset), counted)

    @property
    def rounded_count(self) -> int:
        """The estimate to SHOWN_FIGURES figures."""
        return round(self.count, SHOWN_FIGURES - len(str(self.count)))

    @property
    def about(self) -> str:
        """The estimate as the admin shows it: rounded, grouped and called an estimate."""
        return gettext("about %(count)s") % {
            "count": number_format(self.rounded_count, force_grouping=True)
        }


class LargeTableAdmin(BaseModelAdmin):
    """A list of a table that grows without bound (see the module's docstring); put it before
    the ModelAdmin class."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
