"""The command palette's commands for browsing: tabs, refresh, filter, connections."""

from __future__ import annotations

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.screens.browse import BrowseScreen, Command


class BrowseCommands(Provider):
    def _commands(self) -> list[Command]:
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
