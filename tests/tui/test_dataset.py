"""A tab's dataset: appending batches, filtering, narrowing."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.tui.fakes import FakeData
from tui.dataset import Dataset, LoadState, Sort, matching
from tui.facets import Facets
from tui.records import Kind, Record, RowBuilder, search_text

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


# -- sort, facets, fuzzy ----------------------------------------------------------------------


def enrollments(count: int = 6) -> Dataset:
    data = FakeData(users=3, courses=2, enrollments=count)
    dataset = Dataset(Kind.ENROLLMENTS)
    dataset.start()
    builder = RowBuilder(Kind.ENROLLMENTS)
    rows = [builder.row(e) for e in data.enrollments]
    dataset.extend(data.enrollments, rows, [search_text(r) for r in rows])
    return dataset


def shown(dataset: Dataset, column: int) -> list[str]:
    order = range(dataset.total) if dataset.visible is None else dataset.visible
    return [dataset.rows[i][column] for i in order]


def test_sort_orders_by_column_then_back_to_load_order() -> None:
    dataset = enrollments()
    dataset.set_sort(Sort(0, descending=True))
    assert shown(dataset, 0) == sorted(shown(dataset, 0), reverse=True)
    dataset.set_sort(None)
    assert dataset.visible is None


def test_sort_progress_compares_numbers() -> None:
    dataset = enrollments(12)
    dataset.set_sort(Sort(3))
    assert shown(dataset, 3)[:4] == ["0%", "1%", "2%", "3%"]
    assert shown(dataset, 3)[-1] == "11%"


def test_sort_puts_empty_cells_last_both_ways() -> None:
    dataset = filled(["b", "", "a"])
    dataset.set_sort(Sort(0))
    assert dataset.visible == [2, 0, 1]
    dataset.set_sort(Sort(0, descending=True))
    assert dataset.visible == [0, 2, 1]


def test_sort_applies_to_rows_appended_later() -> None:
    dataset = filled(["b", "d"])
    dataset.set_sort(Sort(0))
    assert dataset.extend([], [("a",), ("c",)], ["a", "c"])  # reordered
    assert [dataset.rows[i][0] for i in dataset.visible or []] == ["a", "b", "c", "d"]


def test_facets_then_filter_narrow_together() -> None:
    dataset = enrollments(20)
    dataset.set_facets(Facets(statuses=frozenset({"assigned", "failed"})))
    assert set(shown(dataset, 2)) == {"assigned", "failed"}
    dataset.apply("user 000")
    assert shown(dataset, 0) == ["User 000", "User 000"]  # enrollments 0 and 15
    assert shown(dataset, 2) == ["assigned", "failed"]


def test_facets_apply_to_rows_appended_later() -> None:
    dataset = enrollments(10)
    dataset.set_facets(Facets(statuses=frozenset({"assigned"})))
    more = FakeData(users=3, courses=2, enrollments=20).enrollments[10:]
    builder = RowBuilder(Kind.ENROLLMENTS)
    rows = [builder.row(e) for e in more]
    assert not dataset.extend(more, rows, [search_text(r) for r in rows])
    assert dataset.visible == [0, 10]


def test_fuzzy_query_finds_typo_and_says_so() -> None:
    dataset = enrollments(12)
    dataset.apply("usr 002")
    assert set(shown(dataset, 0)) == {"User 002"}
    assert dataset.fuzzy


def test_finish_records_when_loaded() -> None:
    dataset = filled()
    at = datetime(2025, 1, 1, tzinfo=UTC)
    dataset.finish(None, at)
    assert dataset.loaded_at == at
