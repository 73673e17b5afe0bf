"""The sidebar's list of connections: "All connections" first (when there are several), then one
option per connection, each with a line saying how its load went."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from core.connections import Connection

ALL_ID = "all"


def connection_prompt(connection: Connection, state: str = "", error: bool = False) -> Text:
    where = urlsplit(connection.base_url).netloc or connection.base_url
    text = Text.assemble((connection.name, "bold"), "\n", (f"{connection.vendor} · {where}", "dim"))
    if state:
        text.append("\n")
        text.append(state, style="red" if error else "dim italic")
    return text


def all_prompt(count: int) -> Text:
    return Text.assemble(("All connections", "bold"), "\n", (f"{count} merged", "dim"))


class ConnectionList(OptionList):
    """Options carry the connection's position in ``connections`` as their id, and the merged
    view the id ``all``."""

    def __init__(self, connections: Sequence[Connection], *, id: str | None = None) -> None:
        self.connections = list(connections)
        self.has_all = len(self.connections) > 1
        options = [Option(all_prompt(len(self.connections)), id=ALL_ID)] if self.has_all else []
        options += [Option(connection_prompt(c), id=str(i)) for i, c in enumerate(connections)]
        super().__init__(*options, id=id)

    def connection_at(self, index: int) -> Connection | None:
        """The connection of the option at ``index``, or None for "All connections"."""
        option_id = self.get_option_at_index(index).id
        return None if option_id == ALL_ID else self.connections[int(option_id or 0)]

    def index_of(self, connection: Connection | None) -> int:
        """The option index of a connection (None: "All connections")."""
        if connection is None:
            return 0
        return self.connections.index(connection) + (1 if self.has_all else 0)

    def show_state(self, connection: Connection, state: str, error: bool) -> None:
        self.replace_option_prompt_at_index(
            self.index_of(connection), connection_prompt(connection, state, error)
        )
