"""The typed filter: substring first, fuzzy names only when nothing contains the query."""

from __future__ import annotations

from tui.matching import FuzzyIndex, TextFilter, matching
from tui.records import Row, search_text

ROWS: list[Row] = [
    ("John Smith", "Python Basics", "completed"),
    ("Jane Doe", "Secure Coding", "in_progress"),
    ("Mary Major", "Python Basics", "assigned"),
    ("User 003", "Course 3", "failed"),
    ("User 013", "Course 3", "failed"),
]
SEARCH = [search_text(row) for row in ROWS]


def run(query: str, candidates: list[int] | None = None) -> tuple[list[int], bool]:
    text = TextFilter(query, FuzzyIndex((0, 1)))
    return text.run(SEARCH, ROWS, candidates), text.fuzzy


def test_matching_limits_to_candidates() -> None:
    assert matching(SEARCH, "python", [2, 3]) == [2]


def test_run_substring_match_is_not_fuzzy() -> None:
    assert run("smith") == ([0], False)


def test_run_typo_in_name_matches_fuzzily() -> None:
    assert run("jhon smth") == ([0], True)


def test_run_dropped_letter_in_title_matches_fuzzily() -> None:
    found, fuzzy = run("pythn basics")
    assert (found, fuzzy) == ([0, 2], True)


def test_run_fuzzy_keeps_only_near_best_scores() -> None:
    assert run("usr 003") == ([3], True)


def test_run_short_query_never_turns_fuzzy() -> None:
    assert run("zq") == ([], False)


def test_run_fuzzy_respects_candidates_order() -> None:
    assert run("pythn basics", [2, 1, 0]) == ([2, 0], True)


def test_extend_fuzzy_matches_new_rows_the_same_way() -> None:
    rows = list(ROWS[:2])
    search = SEARCH[:2]
    text = TextFilter("jhon smth", FuzzyIndex((0, 1)))
    assert text.run(search, rows, None) == [0]
    rows.append(("John Smith", "Other", "assigned"))
    search.append(search_text(rows[-1]))
    assert text.extend(search, rows, [2]) == [2]


def test_narrow_after_fuzzy_cannot_tell() -> None:
    text = TextFilter("jhon smth", FuzzyIndex((0,)))
    text.run(SEARCH, ROWS, None)
    assert text.narrow(SEARCH, [0]) is None


def test_run_every_word_must_match_in_any_column() -> None:
    assert run("mary python") == ([2], False)
    assert run("python completed") == ([0], False)
    assert run("  course   3 failed ") == ([3, 4], False)


def test_matching_words_narrow_from_previous_matches() -> None:
    previous = matching(SEARCH, "user")
    assert matching(SEARCH, "user 013", previous) == [4]
