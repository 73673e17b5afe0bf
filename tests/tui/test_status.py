"""The words of the status line, the sidebar and the breadcrumb."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.connections import Connection
from tests.tui.fakes import FakeData
from tui.facets import Facets, Scope
from tui.loading import LoadFailed, LoadFinished, RecordsLoaded
from tui.records import Kind, Record, RowBuilder, search_text
from tui.status import age, breadcrumb, connection_line, status
from tui.store import ALL, Store

AT = datetime(2025, 6, 15, 12, tzinfo=UTC)
ONE = Connection(name="one", vendor="docebo", base_url="http://one.invalid")
TWO = Connection(name="two", vendor="kombo", base_url="http://two.invalid")


def feed(store: Store, name: str, kind: Kind, records: list[Record]) -> None:
    builder = RowBuilder(kind)
    rows = [builder.row(r) for r in records]
    store.add(RecordsLoaded(name, kind, 1, records, rows, [search_text(r) for r in rows]))


def loaded_store() -> Store:
    store = Store([ONE, TWO])
    store.start("one")
    data = FakeData(users=3, courses=2, enrollments=1200)
    feed(store, "one", Kind.USERS, list(data.users))
    feed(store, "one", Kind.ENROLLMENTS, list(data.enrollments))
    return store


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "just now"), (59, "just now"), (120, "2 min ago"), (7300, "2 h ago"), (200000, "2 d ago")],
)
def test_age_words(seconds: int, text: str) -> None:
    assert age(timedelta(seconds=seconds)) == text


def test_status_while_loading_shows_each_listing_count() -> None:
    store = loaded_store()
    store.finish(LoadFinished("one", Kind.USERS, 1), None, AT)
    line = status(store, "one", Kind.ENROLLMENTS, AT)
    assert line.text == (
        "one · 1,200 enrollments · loading users 3 ✓ · courses 0… · enrollments 1,200…"
    )
    assert line.loading and not line.error


def test_status_loaded_says_how_long_ago() -> None:
    store = loaded_store()
    for kind in Kind:
        store.finish(LoadFinished("one", kind, 1), None, AT)
    line = status(store, "one", Kind.USERS, AT + timedelta(minutes=5))
    assert line.text == "one · 3 users · loaded 5 min ago"


def test_status_failed_explains_in_one_line() -> None:
    store = loaded_store()
    store.finish(LoadFailed("one", Kind.USERS, 1, "docebo: HTTP 401"), "docebo: HTTP 401", AT)
    line = status(store, "one", Kind.USERS, AT)
    assert line.text == "one · 3 users · failed: docebo: HTTP 401"
    assert line.error


def test_status_filtered_counts_shown_of_total() -> None:
    store = loaded_store()
    dataset = store.dataset("one", Kind.ENROLLMENTS)
    assert dataset is not None
    dataset.apply("user 001")
    assert status(store, "one", Kind.ENROLLMENTS, AT).text.startswith(
        "one · 400 of 1,200 enrollments"
    )


def test_status_merged_counts_connections_loading() -> None:
    store = loaded_store()
    store.start("two")
    store.merge()
    line = status(store, ALL, Kind.USERS, AT)
    assert line.text == "All connections · 3 users · loading 0 of 2 connections"


def test_sidebar_line_loading_loaded_failed() -> None:
    store = loaded_store()
    assert connection_line(store.data["one"]) == ("… 1,200 enrollments", False)
    assert connection_line(None) == ("not loaded", False)
    for kind in Kind:
        store.finish(LoadFinished("one", kind, 1), None, AT)
    assert connection_line(store.data["one"]) == ("✓ 1,200 enrollments", False)
    store.start("two")
    error = "kombo: HTTP 401: the API key is not valid for this integration"
    store.finish(LoadFailed("two", Kind.USERS, 1, error), error, AT)
    text, failed = connection_line(store.data["two"])
    assert failed and text.startswith("✗ kombo: HTTP 401") and len(text) <= 26


def test_breadcrumb_names_scope_and_back_key() -> None:
    store = loaded_store()
    dataset = store.dataset("one", Kind.ENROLLMENTS)
    assert dataset is not None
    assert breadcrumb(store, "one", Kind.ENROLLMENTS, dataset, None) == "one \u203a Enrollments"
    dataset.set_facets(Facets(scope=Scope(Kind.USERS, "u1", "User 001")))
    assert breadcrumb(store, "one", Kind.ENROLLMENTS, dataset, "⌫") == (
        "one \u203a Users \u203a User 001 \u203a Enrollments   (⌫: back)"
    )
