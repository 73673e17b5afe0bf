"""The sidebar's list of connections: one option per connection, any number of vendors."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from core.connections import Connection


def connection_prompt(connection: Connection) -> Text:
    where = urlsplit(connection.base_url).netloc or connection.base_url
    return Text.assemble((connection.name, "bold"), "\n", (f"{connection.vendor} · {where}", "dim"))


class ConnectionList(OptionList):
    """Options carry the connection's position in ``connections`` as their id."""

    def __init__(self, connections: Sequence[Connection], *, id: str | None = None) -> None:
        super().__init__(
            *(Option(connection_prompt(c), id=str(i)) for i, c in enumerate(connections)),
            id=id,
        )
        self.connections = list(connections)

    def connection_at(self, index: int) -> Connection:
        return self.connections[index]
