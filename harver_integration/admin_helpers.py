"""Admin shapes several apps share: read-only record pages and two-state list filters.

Generic on purpose: nothing here knows an app, so `engine`, `integrations` and the rest import it
without importing each other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

if TYPE_CHECKING:
    BaseModelAdmin = admin.options.BaseModelAdmin[Any]
else:
    BaseModelAdmin = object


class ReadOnlyAdminMixin(BaseModelAdmin):
    """Rows that record what happened: nobody adds or edits them in the admin.

    Put it before the ModelAdmin (or inline) class. Deleting is refused too unless
    `allow_delete` is set; then the admin's own rule decides.
    """

    allow_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.allow_delete and super().has_delete_permission(request, obj)


class TwoStateFilter(admin.SimpleListFilter):
    """A list filter with two choices, each a condition on the rows; no choice shows all.

    Subclasses set `title`, `parameter_name` and `states`: (value, label, condition) twice.
    """

    states: tuple[tuple[str, str, Q], tuple[str, str, Q]]

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(value, label) for value, label, _ in self.states]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        for value, _, condition in self.states:
            if self.value() == value:
                return queryset.filter(condition)
        return queryset


class StatusClassFilter(admin.SimpleListFilter):
    """A list filter by HTTP status class (2xx to 5xx) of an integer status field.

    Its choices are fixed, so drawing them reads nothing (Django's all-values filter reads every
    row's status); each is a range condition on the field, which an index on it would serve.
    Subclasses set `title`, `parameter_name` and `field`.
    """

    field: str
    classes = (
        ("2xx", "2xx success"),
        ("3xx", "3xx redirection"),
        ("4xx", "4xx client error"),
        ("5xx", "5xx server error"),
    )

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return list(self.classes)

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() not in dict(self.classes):
            return queryset
        lowest = int(str(self.value())[0]) * 100
        return queryset.filter(**{f"{self.field}__gte": lowest, f"{self.field}__lt": lowest + 100})
