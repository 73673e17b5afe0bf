"""A Starlette ``Router`` that finds a request's route without trying every route in turn.

Starlette's router tries each route's regular expression in order until one matches: a request
to iSpring's ``POST /enrollment`` tried some twenty patterns first, at a microsecond or more
each (B2, the write benchmark, measured it). :class:`IndexedRouter` first narrows the routes to
those that can match the path at all, by the literal text each route's path starts with (the
part before its first ``{parameter}``), then runs Starlette's own loop over that short list:
the first full match wins, else the first partial one (a known path with another method: 405).

The answers are Starlette's, unchanged: a route left out of the short list is one whose literal
start the path lacks, which no path it could match lacks; the list keeps the routes' order; and
whenever the short list matches nothing (an unknown path, a redirect for a missing or extra
trailing slash, a path with a newline, which ``$`` in a route's pattern lets match before it),
the request goes through Starlette's whole scan, default answer and all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.routing import BaseRoute, Match, Mount, Route, Router
from starlette.types import Receive, Scope, Send

#: (the literal text a path must start with to match, the route)
Entry = tuple[str, BaseRoute]


def literal_start(route: BaseRoute) -> str:
    """The text every path ``route`` matches starts with ("" when it is not known)."""
    if isinstance(route, Route):
        path = route.path
    elif isinstance(route, Mount):
        path = route.path + "/"
    else:
        return ""
    return path.partition("{")[0]


def first_segment(literal: str) -> str | None:
    """The first path segment of every path that starts with ``literal`` and is matched by a
    route whose literal start it is; None when ``literal`` does not fix it (a parameter in the
    first segment, or no literal at all)."""
    if not literal.startswith("/"):
        return None
    segment, slash, _rest = literal[1:].partition("/")
    return segment if slash else None


class IndexedRouter(Router):
    """Starlette's ``Router``, with the routes a path can match looked up by its first
    segment before the linear scan (see the module's docstring)."""

    def __init__(self, routes: Sequence[BaseRoute] | None = None, **kwargs: Any) -> None:
        super().__init__(routes, **kwargs)
        self.reindex()

    def reindex(self) -> None:
        """Build the index from ``routes`` (again, after changing them)."""
        entries: list[tuple[str | None, Entry]] = []
        for route in self.routes:
            literal = literal_start(route)
            segment = first_segment(literal)
            if (
                segment is None
                and isinstance(route, Route)
                and "{" not in route.path
                and literal.startswith("/")
            ):
                segment = literal[1:]  # a path without parameters: its only segment is fixed
            entries.append((segment, (literal, route)))
        #: routes that may match any first segment (their literal start does not fix it)
        self._anywhere: tuple[Entry, ...] = tuple(e for s, e in entries if s is None)
        segments = {s for s, _e in entries if s is not None}
        self._by_segment: dict[str, tuple[Entry, ...]] = {
            segment: tuple(e for s, e in entries if s is None or s == segment)
            for segment in segments
        }

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().app(scope, receive, send)
            return
        path = _route_path(scope)
        if "\n" in path:
            await super().app(scope, receive, send)
            return
        if "router" not in scope:
            scope["router"] = self
        candidates = self._by_segment.get(path[1:].partition("/")[0], self._anywhere)
        partial: BaseRoute | None = None
        partial_scope: Scope = {}
        for literal, route in candidates:
            if not path.startswith(literal):
                continue
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                scope["route"] = route
                scope.update(child_scope)
                await route.handle(scope, receive, send)
                return
            if match is Match.PARTIAL and partial is None:
                partial, partial_scope = route, child_scope
        if partial is None:
            # nothing here: Starlette's whole scan, its slash redirects and its default answer
            await super().app(scope, receive, send)
            return
        scope["route"] = partial
        scope.update(partial_scope)
        await partial.handle(scope, receive, send)


def _route_path(scope: Scope) -> str:
    """The path the routes match: ``path`` under ``root_path`` (Starlette's own reading)."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if not root_path or not path.startswith(root_path):
        return path
    if path == root_path:
        return ""
    if path[len(root_path)] == "/":
        return path[len(root_path) :]
    return path


def indexed_mount(path: str, routes: Sequence[BaseRoute]) -> Mount:
    """``Mount(path, routes=routes)`` whose router is an :class:`IndexedRouter`."""
    return Mount(path, app=IndexedRouter(routes))
