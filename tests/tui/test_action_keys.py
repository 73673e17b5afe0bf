"""The action keys: in the command palette by name, and remappable by their binding ids."""

from __future__ import annotations

from pathlib import Path

from core.connections import Connection
from tests.tui.actions import SIZE, only, settle
from tui.app import make_app
from tui.commands import browse_commands
from tui.loading import ConnectorFactory
from tui.screens.enroll import EnrollScreen

ACTIONS = [
    "Enroll a user in a course",
    "Unenroll the selected enrollments (asks first)",
    "Bulk: each selected user in each selected course, or a CSV file",
    "Export this view to CSV or JSON",
    "Reconcile two connections",
    "Show the activity log",
    "Show the dashboard of these enrollments",
]


async def test_action_commands_are_in_the_palette(
    connections: list[Connection], factory: ConnectorFactory, tmp_path: Path
) -> None:
    app = make_app([only(connections, "kombo")], connector_factory=factory, state_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        names = [name for name, _, _ in browse_commands(app.browser)]
        assert all(action in names for action in ACTIONS), names


async def test_action_keys_can_be_remapped(
    connections: list[Connection], factory: ConnectorFactory, tmp_path: Path
) -> None:
    app = make_app(
        [only(connections, "kombo")],
        connector_factory=factory,
        state_dir=tmp_path,
        keymap={"browse.enroll": "ctrl+n"},
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("e")
        assert not isinstance(app.screen, EnrollScreen)
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert isinstance(app.screen, EnrollScreen)
