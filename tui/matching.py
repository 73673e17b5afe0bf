"""What the operator types in the filter: a substring pass first (every word of the query must
be in the row), fuzzy names when nothing matches.

The substring pass is the fast one: a C-level ``in`` over each row's lowercase search string (every
column joined by a tab), so a keystroke at 100,000 rows costs about one list comprehension. Only
when it finds nothing, and the query has at least ``FUZZY_MIN`` characters, does the filter turn
fuzzy: rapidfuzz's ``WRatio`` scores the query against the *distinct* values of the name, email
and title columns (a few thousand, where the rows are 100,000, indexed once by ``FuzzyIndex``),
and a row matches when one of its values scored at least ``FUZZY_CUTOFF`` and no more than
``FUZZY_MARGIN`` below the best value. A typo (``jhon smth``) or a dropped letter (``pythn``)
still finds John Smith and the Python course; the status line says the matches are fuzzy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tui.records import Row

FUZZY_MIN = 3
FUZZY_CUTOFF = 80.0
#: a fuzzy match must also score within this of the best one (``usr 003`` finds User 003, not 013)
FUZZY_MARGIN = 10.0


def matching(
    search: Sequence[str], query: str, candidates: Iterable[int] | None = None
) -> list[int]:
    """Indices of the search strings that contain ``query`` (already lowercase); a query of
    several words matches the strings that contain every word (``paul pivot`` finds Paul's
    PivotTables enrollment). Typing on only narrows: the matches of a query that extends the
    previous one are among the previous matches, so ``candidates`` may be those."""
    terms = query.split()
    indices: Iterable[int] = range(len(search)) if candidates is None else candidates
    if len(terms) <= 1:
        term = terms[0] if terms else ""
        if candidates is None:
            return [i for i, text in enumerate(search) if term in text]
        return [i for i in indices if term in search[i]]
    return [i for i in indices if all(term in search[i] for term in terms)]


def fuzzy_choices(query: str, choices: Sequence[str]) -> list[str]:
    """The choices that match ``query`` fuzzily (as the filter's fuzzy pass does), best first."""
    from rapidfuzz import fuzz, process, utils  # imported on the first fuzzy search

    hits = process.extract(
        query,
        choices,
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        score_cutoff=FUZZY_CUTOFF,
        limit=None,
    )
    if not hits:
        return []
    floor = max(FUZZY_CUTOFF, hits[0][1] - FUZZY_MARGIN)
    return [choice for choice, score, _index in hits if score >= floor]


class FuzzyIndex:
    """The rows of each distinct value of the fuzzy columns, built on the first fuzzy query and
    grown as rows are appended (a dataset drops it when its rows change in place)."""

    __slots__ = ("fields", "rows_of", "size", "values")

    def __init__(self, fields: Sequence[int]) -> None:
        self.fields = tuple(fields)
        self.rows_of: dict[str, list[int]] = {}
        self.values: list[str] = []
        """The distinct values, in the order they were first seen."""
        self.size = 0

    def update(self, rows: Sequence[Row]) -> None:
        """Index the rows appended since the last update."""
        rows_of, fields, new = self.rows_of, self.fields, self.values
        for i in range(self.size, len(rows)):
            row = rows[i]
            for f in fields:
                if f < len(row):
                    value = row[f]
                    found = rows_of.get(value)
                    if found is None:
                        rows_of[value] = [i]
                        new.append(value)
                    elif found[-1] != i:
                        found.append(i)
        self.size = len(rows)


class TextFilter:
    """The rows one query matches, remembering which distinct values scored as fuzzy matches."""

    __slots__ = ("_good", "_scored", "_scores", "fuzzy", "index", "query")

    def __init__(self, query: str, index: FuzzyIndex) -> None:
        self.query = query
        self.index = index
        self.fuzzy = False
        """Whether the last ``run`` found its rows by fuzzy matching."""
        self._good: set[str] = set()
        self._scores: dict[str, float] = {}
        self._scored = 0

    def run(
        self, search: Sequence[str], rows: Sequence[Row], candidates: Sequence[int] | None
    ) -> list[int]:
        """The candidates (every row for None) the query matches, in the candidates' order."""
        found = matching(search, self.query, candidates)
        self.fuzzy = not found and len(self.query) >= FUZZY_MIN and bool(self.index.fields)
        if not self.fuzzy:
            return found
        self._catch_up(rows)
        hits = self._hits()
        if candidates is None:
            return sorted(hits)
        return [i for i in candidates if i in hits]

    def narrow(self, search: Sequence[str], previous: Sequence[int]) -> list[int] | None:
        """The previous matches of a shorter query that this one still matches, or None when
        narrowing cannot tell (the previous matches were fuzzy, or none are left)."""
        if self.fuzzy:
            return None
        found = matching(search, self.query, previous)
        return found or None

    def extend(self, search: Sequence[str], rows: Sequence[Row], new: Sequence[int]) -> list[int]:
        """Which of the appended rows ``new`` match, the same way the last ``run`` matched."""
        if not self.fuzzy:
            return matching(search, self.query, new)
        self._catch_up(rows)
        good = self._good
        fields = self.index.fields
        return [
            i
            for i in new
            if self.query in search[i]
            or any(f < len(rows[i]) and rows[i][f] in good for f in fields)
        ]

    def _hits(self) -> set[int]:
        rows_of = self.index.rows_of
        hits: set[int] = set()
        for value in self._good:
            hits.update(rows_of.get(value, ()))
        return hits

    def _catch_up(self, rows: Sequence[Row]) -> None:
        """Index any new rows, and score the values this query has not scored yet."""
        index = self.index
        index.update(rows)
        self._score(index.values[self._scored :])
        self._scored = len(index.values)

    def _score(self, values: Sequence[str]) -> None:
        choices = [v for v in values if v]
        if not choices:
            return
        from rapidfuzz import fuzz, process, utils  # imported on the first fuzzy search

        hits = process.extract(
            self.query,
            choices,
            scorer=fuzz.WRatio,
            processor=utils.default_process,
            score_cutoff=FUZZY_CUTOFF,
            limit=None,
        )
        if not hits:
            return
        scores = self._scores
        scores.update((choice, score) for choice, score, _index in hits)
        floor = max(FUZZY_CUTOFF, max(scores.values()) - FUZZY_MARGIN)
        self._good = {value for value, score in scores.items() if score >= floor}
