"""The facet picker: status, vendor, course (with a fuzzy search), overdue, due within N days.

Every value shows how many of the tab's rows hold it. A change applies at once (the table behind
follows); escape closes the picker, ``ctrl+r`` clears every facet. Only the facets that mean
something on the tab are offered (``tui.facets.applies``); a scope left by a jump is kept.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Footer, Input, Label, SelectionList
from textual.widgets.selection_list import Selection

from tui.facets import Facets, applies
from tui.matching import fuzzy_choices
from tui.records import Kind


def course_matches(query: str, titles: list[str]) -> list[str]:
    """The titles a course search finds: containing it, else fuzzily, best first."""
    query = query.strip().lower()
    if not query:
        return titles
    found = [t for t in titles if query in t.lower()]
    return found or fuzzy_choices(query, titles)


class FacetsScreen(ModalScreen[Facets]):
    """Dismissed with the facets chosen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "done", "Done", id="facets.done"),
        Binding("ctrl+r", "clear", "Clear all", id="facets.clear"),
    ]

    def __init__(
        self,
        kind: Kind,
        facets: Facets,
        counts: dict[str, Counter[str]],
        apply: Callable[[Facets], object] | None = None,
    ) -> None:
        super().__init__()
        self.kind = kind
        self.facets = facets
        self.counts = counts
        self._apply = apply
        self._offered = applies(kind)
        self._titles = sorted(counts.get("courses", Counter()))

    def compose(self) -> ComposeResult:
        with Vertical(id="facets-dialog", classes="dialog"):
            yield Label(f"Facets of {self.kind.value}", classes="dialog-title")
            yield Label(
                "space: toggle · tab: next · ctrl+r: clear all · esc: done", classes="dialog-hint"
            )
            with Horizontal(id="facets-body"):
                if "statuses" in self._offered:
                    yield self._section("Status", "statuses", sorted(self.counts["statuses"]))
                yield self._section("Vendor", "vendors", sorted(self.counts["vendors"]))
                if "courses" in self._offered:
                    with Vertical(classes="facet-section", id="facet-course-section"):
                        yield Label("Course", classes="facet-title")
                        yield Input(placeholder="search courses", id="facet-course-search")
                        yield SelectionList[str](*self._course_options(), id="facet-courses")
                if "overdue" in self._offered:
                    with Vertical(classes="facet-section"):
                        yield Label("Due", classes="facet-title")
                        yield Checkbox("Overdue", self.facets.overdue, id="facet-overdue")
                        yield Label("Due within (days)")
                        due = self.facets.due_within
                        yield Input(
                            "" if due is None else str(due),
                            placeholder="e.g. 7",
                            type="integer",
                            id="facet-due",
                        )
        yield Footer()

    def _section(self, title: str, facet: str, values: list[str]) -> Vertical:
        chosen: frozenset[str] = getattr(self.facets, facet)
        counts = self.counts[facet]
        options = [Selection(f"{v} ({counts[v]:,})", v, v in chosen) for v in values]
        return Vertical(
            Label(title, classes="facet-title"),
            SelectionList[str](*options, id=f"facet-{facet}"),
            classes="facet-section",
        )

    def _course_options(self, query: str = "") -> list[Selection[str]]:
        counts, chosen = self.counts.get("courses", Counter()), self.facets.courses
        titles = course_matches(query, self._titles)
        return [Selection(f"{t} ({counts[t]:,})", t, t in chosen) for t in titles]

    def on_mount(self) -> None:
        self.query(SelectionList).first().focus()

    def _set(self, facets: Facets) -> None:
        if facets != self.facets:
            self.facets = facets
            if self._apply is not None:
                self._apply(facets)

    @on(SelectionList.SelectionToggled)
    def _toggled(self, event: SelectionList.SelectionToggled[str]) -> None:
        facet = str(event.selection_list.id).removeprefix("facet-")
        self._set(self.facets.toggled(facet, event.selection.value))

    @on(Input.Changed, "#facet-course-search")
    def _course_search(self, event: Input.Changed) -> None:
        courses = self.query_one("#facet-courses", SelectionList)
        courses.clear_options()
        courses.add_options(self._course_options(event.value))
        courses.highlighted = 0 if courses.option_count else None

    @on(Checkbox.Changed, "#facet-overdue")
    def _overdue(self, event: Checkbox.Changed) -> None:
        self._set(replace(self.facets, overdue=event.value))

    @on(Input.Changed, "#facet-due")
    def _due(self, event: Input.Changed) -> None:
        days = int(event.value) if event.value.strip().isdigit() else None
        self._set(replace(self.facets, due_within=days))

    def action_clear(self) -> None:
        self._set(Facets(scope=self.facets.scope))
        for selections in self.query(SelectionList):
            selections.deselect_all()
        if self.query("#facet-overdue"):
            self.query_one("#facet-overdue", Checkbox).value = False
            self.query_one("#facet-due", Input).value = ""

    def action_done(self) -> None:
        self.dismiss(self.facets)
