"""The command palette's commands for browsing.

Every key binding of the browse screen and of the focused table is offered, named by its tooltip
(so an action another module adds with a binding is in the palette too), with its key as help.
Then the commands that take a value: open a connection, sort by a column, hide or show a column,
toggle a facet, switch between light and dark. The app's own bindings (quit, keys, theme
picker) come from Textual's system commands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from core.models import EnrollmentStatus
from tui.facets import DUE_CHOICES, Facets, applies
from tui.records import Kind

if TYPE_CHECKING:
    from tui.screens.browse import BrowseScreen

Command = tuple[str, str, Callable[[], object]]

#: bindings not worth a palette entry: moving a cursor, leaving the filter, the palette itself
SKIP = frozenset(
    {
        "table.cursor_up",
        "table.cursor_down",
        "table.page_up",
        "table.page_down",
        "table.first",
        "table.last",
        "table.column_left",
        "table.column_right",
        "browse.leave_filter",
    }
)


def binding_commands(screen: BrowseScreen) -> list[Command]:
    app = screen.app
    found: list[Command] = []
    seen: set[str] = set()
    for active in screen.active_bindings.values():
        binding, node = active.binding, active.node
        if node is app or not active.enabled or binding.id in SKIP or not binding.description:
            continue
        name = binding.tooltip or binding.description
        if name in seen:
            continue
        seen.add(name)
        key = app.get_key_display(binding)
        help_text = f"key {key} · id {binding.id}" if binding.id else f"key {key}"
        found.append((name, help_text, partial(app.run_action, binding.action, node)))
    return found


def browse_commands(screen: BrowseScreen) -> list[Command]:
    """What the palette offers on the browse screen, as it is now."""
    found = binding_commands(screen)
    found += [
        (
            f"Open {c.name}",
            f"Browse the {c.vendor} connection at {c.base_url}",
            partial(screen.activate, c),
        )
        for c in screen.connections
    ]
    if len(screen.connections) > 1:
        found.append(
            ("Open all connections", "Every connection merged", partial(screen.activate, None))
        )
    found += _column_commands(screen)
    found += _facet_commands(screen)
    found.append(
        (
            "Toggle light/dark theme",
            "Switch between the light and dark themes",
            partial(screen.app.run_action, "app.toggle_theme"),
        )
    )
    return found


def _column_commands(screen: BrowseScreen) -> list[Command]:
    table, kind = screen.table(), screen.kind
    found: list[Command] = []
    for column in table.columns:
        found += [
            (
                f"Sort by {column} ascending",
                f"Sort {kind.value}, A→Z",
                partial(screen.sort_by, column),
            ),
            (
                f"Sort by {column} descending",
                f"Sort {kind.value}, Z→A",
                partial(screen.sort_by, column, True),
            ),
        ]
    found.append(
        ("Sort in load order", f"Undo the sort of {kind.value}", partial(screen.sort_by, None))
    )
    hidden = screen.hidden[kind]
    for column in table.columns:
        verb = "Show" if column in hidden else "Hide"
        found.append(
            (
                f"{verb} column {column}",
                f"{verb} it in {kind.value}",
                partial(screen.toggle_column, column),
            )
        )
    return found


def _facet_commands(screen: BrowseScreen) -> list[Command]:
    dataset, kind = screen.dataset(), screen.kind
    if dataset is None:
        return []
    facets, offered = dataset.facets, applies(kind)
    found: list[Command] = []

    def add(name: str, help_text: str, new: Facets) -> None:
        found.append((name, help_text, partial(screen.set_facets, new, kind)))

    if "statuses" in offered:
        if kind is Kind.ENROLLMENTS:
            values = sorted(str(s) for s in EnrollmentStatus)
        else:
            values = sorted({str(getattr(r, "status", "") or "") for r in dataset.records} - {""})
        for value in values:
            add(
                f"Facet: status {value}",
                _toggle_help(value in facets.statuses),
                facets.toggled("statuses", value),
            )
    for vendor in sorted({c.vendor for c in screen.connections}):
        add(
            f"Facet: vendor {vendor}",
            _toggle_help(vendor in facets.vendors),
            facets.toggled("vendors", vendor),
        )
    if "overdue" in offered:
        add(
            "Facet: overdue",
            _toggle_help(facets.overdue),
            replace(facets, overdue=not facets.overdue),
        )
        for days in DUE_CHOICES:
            on = facets.due_within == days
            add(
                f"Facet: due within {days} days",
                _toggle_help(on),
                replace(facets, due_within=None if on else days),
            )
    if facets:
        add("Clear facets", "Show every row of this tab again", Facets())
    return found


def _toggle_help(active: bool) -> str:
    return "Active: choose to remove it" if active else "Narrow this tab to it"


class BrowseCommands(Provider):
    def _commands(self) -> list[Command]:
        from tui.screens.browse import BrowseScreen

        screen = self.screen
        return screen.commands() if isinstance(screen, BrowseScreen) else []

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            if (score := matcher.match(name)) > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
