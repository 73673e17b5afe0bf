"""A tab's dataset: appending batches, filtering, narrowing."""

from __future__ import annotations

from tui.dataset import Dataset, LoadState, matching
from tui.records import Kind, Record

NAMES = ["Ada", "Alan", "Grace", "Barbara", "Adele"]


def filled(names: list[str] = NAMES) -> Dataset:
    dataset = Dataset(Kind.USERS)
    dataset.start()
    rows = [(name,) for name in names]
    records: list[Record] = []
    dataset.extend(records, rows, [name.lower() for name in names])
    return dataset


def test_matching_returns_indices_containing_query() -> None:
    assert matching(["ada", "alan", "grace"], "a") == [0, 1, 2]
    assert matching(["ada", "alan", "grace"], "ad") == [0]


def test_matching_limits_to_candidates() -> None:
    assert matching(["ada", "alan", "adele"], "a", [1, 2]) == [1, 2]


def test_apply_filters_case_insensitively() -> None:
    dataset = filled()
    assert dataset.apply("AD")
    assert dataset.visible == [0, 4]
    assert (dataset.shown, dataset.total) == (2, 5)


def test_apply_narrows_when_query_extends() -> None:
    dataset = filled()
    dataset.apply("a")
    dataset.search[0] = "changed"  # a narrowed search only looks at the previous matches
    dataset.apply("ad")
    assert dataset.visible == [4]


def test_apply_rescans_when_query_shrinks() -> None:
    dataset = filled()
    dataset.apply("ada")
    dataset.apply("ad")
    assert dataset.visible == [0, 4]


def test_apply_same_query_changes_nothing() -> None:
    dataset = filled()
    assert dataset.apply("ad")
    assert not dataset.apply("Ad")


def test_apply_empty_query_shows_every_row() -> None:
    dataset = filled()
    dataset.apply("ad")
    dataset.apply("")
    assert dataset.visible is None
    assert dataset.shown == 5


def test_extend_filters_new_rows() -> None:
    dataset = filled(["Ada"])
    dataset.apply("ad")
    dataset.extend([], [("Adele",), ("Grace",)], ["adele", "grace"])
    assert dataset.visible == [0, 1]


def test_start_forgets_rows_and_bumps_generation() -> None:
    dataset = filled()
    dataset.apply("ad")
    first = dataset.generation
    assert dataset.start() == first + 1
    assert (dataset.total, dataset.visible, dataset.state) == (0, [], LoadState.LOADING)


def test_finish_records_error() -> None:
    dataset = filled()
    dataset.finish("docebo: HTTP 500: boom")
    assert (dataset.state, dataset.error) == (LoadState.FAILED, "docebo: HTTP 500: boom")
