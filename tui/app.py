"""The lmsbridge terminal UI: the App, its keys and commands, and the factory that builds it.

From mounting until the first connection's listings have loaded, the cyclic collector's full
collections wait (``core.gcpause``): start-up and the first load make objects that all survive,
and each full collection they would trigger walks the whole heap (an embedded sandbox's millions
of objects included) for nothing. The next full collection comes on its usual terms after.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen

from core.connections import Connection
from core.gcpause import full_collections_deferred
from tui.commands import BrowseCommands
from tui.loading import ConnectorFactory, default_connector_factory
from tui.screens.browse import BrowseScreen, utc_now
from tui.workspace import Workspace

ReadyCallback = Callable[["LmsBridgeApp"], object]
DARK_THEME = "textual-dark"
LIGHT_THEME = "textual-light"


class LmsBridgeApp(App[None]):
    CSS_PATH = ["app.tcss", "actions.tcss"]
    COMMANDS = App.COMMANDS | {BrowseCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("?", "toggle_keys", "Keys", id="app.keys"),
        Binding(
            "t",
            "toggle_theme",
            "Theme",
            show=False,
            tooltip="Light or dark theme",
            id="app.theme",
        ),
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
        keymap: Mapping[str, str] | None = None,
        theme: str | None = None,
        clock: Callable[[], datetime] = utc_now,
        state_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.workspace = Workspace(state_dir) if state_dir is not None else Workspace()
        self.title = title
        self.connections = list(connections)
        self.connector_factory = connector_factory
        self.clock = clock
        self._on_ready = on_ready
        self._wanted_theme = theme
        self._starting = ExitStack()
        if keymap:
            self.set_keymap(dict(keymap))

    def get_default_screen(self) -> Screen[None]:
        return BrowseScreen(self.connections, self.connector_factory, self.clock)

    def on_mount(self) -> None:
        self._starting.enter_context(full_collections_deferred())
        wanted = self._wanted_theme
        if wanted is None:
            return
        if wanted in ("dark", "light"):
            wanted = DARK_THEME if wanted == "dark" else LIGHT_THEME
        if wanted in self.available_themes:
            self.theme = wanted
        else:
            known = ", ".join(["dark", "light", *sorted(self.available_themes)])
            self.notify(
                f"Unknown theme {wanted!r} in the config; known: {known}", severity="warning"
            )

    def on_unmount(self) -> None:
        self._starting.close()

    def action_toggle_theme(self) -> None:
        """Switch between light and dark."""
        self.theme = LIGHT_THEME if self.current_theme.dark else DARK_THEME

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
        self._starting.close()
        if self._on_ready is not None:
            self.call_after_refresh(self._on_ready, self)


def make_app(
    connections: Sequence[Connection],
    *,
    title: str = "lmsbridge",
    connector_factory: ConnectorFactory = default_connector_factory,
    on_ready: ReadyCallback | None = None,
    keymap: Mapping[str, str] | None = None,
    theme: str | None = None,
    clock: Callable[[], datetime] = utc_now,
    state_dir: Path | None = None,
) -> LmsBridgeApp:
    """The app as ``main``, the tests and the benchmarks build it.

    ``connector_factory`` opens a connector for a connection (tests inject an in-process
    ``http_client`` here). ``on_ready(app)`` runs once, after the first connection's listings
    have all finished loading (or failed) and the screen has been repainted with them.
    ``keymap`` maps binding ids to keys (the config's ``[keys]``), ``theme`` names a Textual
    theme (or ``dark``/``light``), and ``clock`` gives the time the data's age and the due-date
    facets are measured from (the snapshots freeze it). ``state_dir`` is where the activity log
    and bulk journals live (default: the user state directory).
    """
    return LmsBridgeApp(
        connections,
        title=title,
        connector_factory=connector_factory,
        on_ready=on_ready,
        keymap=keymap,
        theme=theme,
        clock=clock,
        state_dir=state_dir,
    )
