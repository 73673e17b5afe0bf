"""Enrollment rows whose refs carry only ids get names from the same connection's listings."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import msgspec

from core.connections import Connection
from core.models import Course, CourseRef, Email, Enrollment, EnrollmentStatus, User, UserRef
from tests.tui.fakes import SIZE, FakeConnector, FakeData, loaded, table, visible_rows
from tui.app import make_app
from tui.dataset import Dataset
from tui.names import Names
from tui.records import Kind, Record, RowBuilder, search_text


def bare(enrollment: Enrollment, *, email: str | None = None) -> Enrollment:
    """The enrollment as LMS365 lists it: the user and the course by id only."""
    emails = (Email(email=email, is_primary=True),) if email else ()
    return msgspec.structs.replace(
        enrollment,
        user=UserRef(id=enrollment.user.id, emails=emails),
        course=CourseRef(id=enrollment.course.id),
    )


def loaded_dataset(kind: Kind, records: list[Record]) -> tuple[Dataset, RowBuilder]:
    dataset = Dataset(kind)
    builder = RowBuilder(kind)
    rows = [builder.row(r) for r in records]
    dataset.start()
    dataset.extend(records, rows, [search_text(r) for r in rows])
    dataset.finish()
    return dataset, builder


def names_of(users: list[User], courses: list[Course]) -> Names:
    names = Names()
    for kind, records in ((Kind.USERS, users), (Kind.COURSES, courses)):
        builder = RowBuilder(kind)
        names.add(kind, records, [builder.row(r) for r in records])
    return names


def test_fill_puts_names_into_bare_rows() -> None:
    data = FakeData(users=3, courses=2, enrollments=4)
    enrollments: list[Record] = [bare(e) for e in data.enrollments]
    dataset, _ = loaded_dataset(Kind.ENROLLMENTS, enrollments)
    assert dataset.rows[1][:2] == ("u1", "c1")
    assert names_of(data.users, data.courses).fill_dataset(dataset)
    assert [row[:2] for row in dataset.rows] == [
        ("User 000", "Course 0"),
        ("User 001", "Course 1"),
        ("User 002", "Course 0"),
        ("User 000", "Course 1"),
    ]
    assert dataset.search[1] == search_text(dataset.rows[1])


def test_fill_leaves_named_refs_alone() -> None:
    data = FakeData(users=3, courses=2, enrollments=4)
    named = msgspec.structs.replace(data.enrollments[0], user=UserRef(id="u0", name="Own Name"))
    dataset, _ = loaded_dataset(Kind.ENROLLMENTS, [named, *data.enrollments[1:]])
    assert not names_of(data.users, data.courses).fill_dataset(dataset)
    assert dataset.rows[0][:2] == ("Own Name", "Course 0")


def test_fill_keeps_email_when_user_unknown() -> None:
    data = FakeData(users=3, courses=2, enrollments=1)
    record = bare(data.enrollments[0], email="ghost@example.com")
    dataset, _ = loaded_dataset(Kind.ENROLLMENTS, [record])
    names = names_of([], data.courses)
    assert names.fill_dataset(dataset)
    assert dataset.rows[0][:2] == ("ghost@example.com", "Course 0")


def test_fill_dataset_filters_again_by_names() -> None:
    data = FakeData(users=3, courses=2, enrollments=6)
    dataset, _ = loaded_dataset(Kind.ENROLLMENTS, [bare(e) for e in data.enrollments])
    dataset.apply("user 002")
    assert dataset.visible == []
    names_of(data.users, data.courses).fill_dataset(dataset)
    assert dataset.visible == [2, 5]


class LateUsers(FakeConnector):
    """Lists enrollments with bare refs, sets ``listed``, and lists users once ``gate`` opens."""

    def __init__(self, data: FakeData, listed: asyncio.Event, gate: asyncio.Event) -> None:
        super().__init__(data)
        self.listed = listed
        self.gate = gate

    async def _late(self) -> AsyncIterator[User]:
        await self.gate.wait()
        async for user in self._pages(self.data.users):
            yield user

    def list_users(self) -> AsyncIterator[User]:
        return self._late()

    def list_enrollments(
        self,
        *,
        user_ids: Sequence[str] = (),
        course_ids: Sequence[str] = (),
        statuses: Sequence[EnrollmentStatus] = (),
    ) -> AsyncIterator[Enrollment]:
        return self._bare()

    async def _bare(self) -> AsyncIterator[Enrollment]:
        async for enrollment in self._pages(self.data.enrollments):
            yield bare(enrollment)
        self.listed.set()


async def test_users_loaded_after_enrollments_rename_shown_rows() -> None:
    data = FakeData()
    listed, gate = asyncio.Event(), asyncio.Event()
    fake = Connection(name="late", vendor="fake", base_url="http://fake.invalid")
    app = make_app([fake], connector_factory=lambda c: LateUsers(data, listed, gate))
    async with app.run_test(size=SIZE) as pilot:
        await listed.wait()
        await pilot.pause()
        grid = table(app, Kind.ENROLLMENTS)
        assert grid.row_count == len(data.enrollments)
        assert visible_rows(grid)[3][:2] == ("u3", "Course 3")
        await pilot.press("/", *"user 003")
        await pilot.pause()
        assert grid.row_count == 0
        gate.set()
        await loaded(app, pilot)
        rows = visible_rows(grid)
        assert len(rows) == 8 and {row[0] for row in rows} == {"User 003"}
        assert "User 003" in grid.render_line(1).text
