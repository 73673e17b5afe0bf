"""The lmsbridge terminal UI: the App, its keys and commands, and the factory that builds it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from textual import on
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen

from core.connections import Connection
from tui.commands import BrowseCommands
from tui.loading import ConnectorFactory, default_connector_factory
from tui.screens.browse import BrowseScreen

ReadyCallback = Callable[["LmsBridgeApp"], object]


class LmsBridgeApp(App[None]):
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {BrowseCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("?", "toggle_keys", "Keys", id="app.keys"),
        Binding(
            "ctrl+p",
            "command_palette",
            "Commands",
            show=False,
            priority=True,
            id="app.command_palette",
        ),
    ]

    def __init__(
        self,
        connections: Sequence[Connection],
        *,
        title: str = "lmsbridge",
        connector_factory: ConnectorFactory = default_connector_factory,
        on_ready: ReadyCallback | None = None,
    ) -> None:
        super().__init__()
        self.title = title
        self.connections = list(connections)
        self.connector_factory = connector_factory
        self._on_ready = on_ready

    def get_default_screen(self) -> Screen[None]:
        return BrowseScreen(self.connections, self.connector_factory)

    @property
    def browser(self) -> BrowseScreen:
        """The browse screen (the first screen, under any modal)."""
        screen = self.screen_stack[0]
        assert isinstance(screen, BrowseScreen)
        return screen

    def action_toggle_keys(self) -> None:
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    @on(BrowseScreen.InitialLoadComplete)
    def _initial_load_complete(self) -> None:
        if self._on_ready is not None:
            self.call_after_refresh(self._on_ready, self)


def make_app(
    connections: Sequence[Connection],
    *,
    title: str = "lmsbridge",
    connector_factory: ConnectorFactory = default_connector_factory,
    on_ready: ReadyCallback | None = None,
) -> LmsBridgeApp:
    """The app as ``main``, the tests and the benchmarks build it.

    ``connector_factory`` opens a connector for a connection (tests inject an in-process
    ``http_client`` here). ``on_ready(app)`` runs once, after the first connection's listings
    have all finished loading (or failed) and the screen has been repainted with them.
    """
    return LmsBridgeApp(
        connections, title=title, connector_factory=connector_factory, on_ready=on_ready
    )
