"""Names for enrollment rows whose user and course refs carry only ids (LMS365, iSpring).

Some vendors' enrollment listings name the learner and the course by id alone. The same
connection's user and course listings know the names, so the browse screen joins them here, on
its side: ``Names`` collects the display name of every user and the title of every course as their
batches arrive, and ``fill`` rewrites the enrollment rows (and their search strings) that can now
show a name instead of an id. A row whose ref carries a name of its own is never touched.
"""

from __future__ import annotations

from collections.abc import MutableSequence, Sequence

from core.models import Enrollment
from tui.dataset import Dataset
from tui.records import Kind, Record, Row, search_text


class Names:
    __slots__ = ("courses", "users")

    def __init__(self) -> None:
        self.users: dict[str, str] = {}
        self.courses: dict[str, str] = {}

    def add(self, kind: Kind, records: Sequence[Record], rows: Sequence[Row]) -> None:
        """Remember the names of a batch of users or courses (the name as the row shows it)."""
        known = {Kind.USERS: self.users, Kind.COURSES: self.courses}.get(kind)
        if known is not None:
            known.update((r.id, row[0]) for r, row in zip(records, rows, strict=True) if row[0])

    def fill(
        self,
        records: Sequence[Record],
        rows: MutableSequence[Row],
        search: MutableSequence[str],
    ) -> bool:
        """Put known names into enrollment rows that show an id; True if any row changed."""
        users, courses = self.users, self.courses
        if not users and not courses:
            return False
        changed = False
        for i, record in enumerate(records):
            if not isinstance(record, Enrollment):
                continue
            user, course = record.user, record.course
            if user.name is not None and course.title is not None:
                continue
            row = rows[i]
            name = row[0] if user.name is not None else users.get(user.id, row[0])
            title = row[1] if course.title is not None else courses.get(course.id, row[1])
            if name != row[0] or title != row[1]:
                rows[i] = (name, title, *row[2:])
                search[i] = search_text(rows[i])
                changed = True
        return changed

    def fill_dataset(self, dataset: Dataset) -> bool:
        """``fill`` every row loaded so far, and filter them again; True if any row changed."""
        if not self.fill(dataset.records, dataset.rows, dataset.search):
            return False
        dataset.refilter()
        return True
