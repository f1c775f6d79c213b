"""The paginator of every staff list: its count stops at a cap.

Django's `Paginator` counts every row behind a list (`SELECT COUNT(*)` over the whole
filtered table) to number its pages: with 100,000 rows that count costs more than the page
itself. `CappedPaginator` counts at most `cap + 1` rows (`SELECT COUNT(*) FROM (… LIMIT
1001)`): up to the cap, it behaves like Django's; past it, the list says "plus de 1 000"
and its pages past the cap are still reached one by one with "Page suivante" (each page
reads one row more than it shows, to know whether there is a next one).
"""

from __future__ import annotations

import math

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.utils.formats import number_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

COUNT_CAP = 1000


class CappedCount:
    """A number of rows counted up to a cap (`capped_count`): `n` (at most `cap + 1`) for
    plural forms and tests, and, printed, the count as a person reads it ("plus de 1 000")."""

    def __init__(self, n: int, cap: int):
        self.n, self.cap = n, cap

    @property
    def capped(self) -> bool:
        return self.n > self.cap

    def __bool__(self) -> bool:
        return self.n > 0

    def __eq__(self, other) -> bool:
        return self.n == other if isinstance(other, int) else NotImplemented

    __hash__ = None

    def __str__(self) -> str:
        if self.capped:
            return _("plus de %(n)s") % {"n": number_format(self.cap, force_grouping=True)}
        return number_format(self.n, force_grouping=True)

    def __repr__(self) -> str:
        return f"CappedCount({self}, n={self.n})"


def capped_count(rows, cap: int = COUNT_CAP) -> CappedCount:
    """How many rows a queryset has, reading at most `cap + 1` of them (`SELECT COUNT(*)
    FROM (… LIMIT 1001)`): what a page shows beside a list it does not page through."""
    return CappedCount(rows.order_by()[: cap + 1].count(), cap)


class CappedPage(Page):
    """A page past what was counted: whether a next one exists is known from its extra row."""

    def __init__(self, object_list, number, paginator, *, has_more: bool):
        super().__init__(object_list, number, paginator)
        self.has_more = has_more

    def has_next(self):
        return self.has_more

    def end_index(self):
        return (self.number - 1) * self.paginator.per_page + len(self.object_list)


class CappedPaginator(Paginator):
    def __init__(
        self, object_list, per_page, orphans=0, allow_empty_first_page=True, *, cap: int = COUNT_CAP, in_order=False
    ):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        self.cap = cap
        # Count in the list's own order: for a list whose order an index gives (a queue, oldest
        # first), the count walks that index and stops at the cap, where in no order PostgreSQL
        # may join the whole of a table to find the first rows.
        self.in_order = in_order

    @cached_property
    def count(self) -> int:
        """The number of rows, or `cap + 1` when there are more than `cap`."""
        rows = self.object_list
        if hasattr(rows, "query"):  # a queryset: COUNT over a LIMIT subquery, by default in no order (no sort)
            return (rows if self.in_order else rows.order_by())[: self.cap + 1].count()
        return len(rows[: self.cap + 1])

    @property
    def capped(self) -> bool:
        """Whether there are more rows than were counted."""
        return self.count > self.cap

    @property
    def count_label(self) -> str:
        """The count as a person reads it: "1 234" or, past the cap, "plus de 1 000"."""
        return str(CappedCount(self.count, self.cap))

    def validate_number(self, number):
        if not self.capped:
            return super().validate_number(number)
        # Past the cap, the last page is not known: any page from 1 (page() finds it empty or not).
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError) as error:
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from error
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number

    def page(self, number):
        number = self.validate_number(number)
        if not self.capped:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        return CappedPage(rows[: self.per_page], number, self, has_more=len(rows) > self.per_page)

    def get_page(self, number):
        try:
            return super().get_page(number)
        except EmptyPage:  # past the end of a list counted past its cap: its last counted page
            return self.page(self.num_pages)

    @property
    def known_pages(self) -> int:
        """The pages known to exist without counting further (all of them below the cap)."""
        return math.ceil(min(self.count, self.cap) / self.per_page) if self.capped else self.num_pages

    def get_elided_page_range(self, number=1, *, on_each_side=3, on_ends=2):
        if not self.capped:
            yield from super().get_elided_page_range(number, on_each_side=on_each_side, on_ends=on_ends)
            return
        # Past the cap the last page is unknown: the first pages, those around this one
        # that are known to exist (or this one), and no last page ("Page suivante" goes on).
        number = self.validate_number(number)
        last = max(number, min(number + on_each_side, self.known_pages))
        if number - on_each_side - 1 > on_ends + 1:
            yield from range(1, on_ends + 1)
            yield self.ELLIPSIS
            yield from range(number - on_each_side, last + 1)
        else:
            yield from range(1, last + 1)


def paginate(request, object_list, per_page: int, *, param: str = "page"):
    """The page of `object_list` asked for by `?page=` (or `?<param>=` when a page has two
    lists; `{% pagination page_obj param %}` links to the others): the first one when the
    parameter is not a page number, the last known one when it is past the end."""
    return CappedPaginator(object_list, per_page).get_page(request.GET.get(param))
