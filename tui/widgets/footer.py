"""Textual's footer, rebuilt only when the keys it shows change.

Textual's ``Footer`` recomposes (removes its keys and mounts and styles a new widget per key) on
every bindings signal of its screen, and a screen sends one whenever focus moves, a tab changes
or ``refresh_bindings`` runs: several times during start-up and during a load, though the keys
on show rarely change. Each recompose costs about as much as painting the screen. This footer
takes the signals of one refresh together and recomposes only when what it would show (each
shown binding's key, display, description, tooltip, group and whether it is enabled) differs
from what it shows.
"""

from __future__ import annotations

from collections.abc import Hashable

from textual.screen import Screen
from textual.widgets import Footer


class QuietFooter(Footer):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: tuple[Hashable, ...] | None = None
        self._pending = False

    def bindings_changed(self, screen: Screen[object]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._pending:
            self._pending = True
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        self._pending = False
        shown = self._keys()
        if shown != self._shown:
            self._shown = shown
            await self.recompose()

    def _keys(self) -> tuple[Hashable, ...]:
        """What ``compose`` reads from the screen's bindings, as one comparable value."""
        app = self.app
        keys: list[Hashable] = [
            (
                binding.key,
                app.get_key_display(binding),
                binding.description,
                binding.action,
                binding.group,
                enabled,
                tooltip,
            )
            for _node, binding, enabled, tooltip in self.screen.active_bindings.values()
            if binding.show
        ]
        palette = self.screen.active_bindings.get(app.COMMAND_PALETTE_BINDING)
        if palette is not None:
            _node, binding, enabled, _tooltip = palette
            display = app.get_key_display(binding)
            keys.append((binding.key, display, binding.description, enabled, binding.tooltip))
        return (self.show_command_palette, app.ENABLE_COMMAND_PALETTE, *keys)
