"""A local view of one connection: its users, courses and enrollments, indexed for lookups.

The view is what the operations layer plans against: it resolves the people and courses a
request names (by id, remote id or email; by id, code or title) and knows which pairs are
enrolled already. It is loaded through the connector with progress reported as it goes, and
refreshed incrementally where the vendor can say what changed since a moment (Kombo's
``updated_after``, with deleted records so that removals are seen); every other vendor is read in
full. Writes made through the operations layer are applied to the view at once, so a plan made
after them sees them without a refresh.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from core.connector import Connector
from core.models import Course, Enrollment, EnrollmentStatus, User

#: called as records arrive: (what is loading: "users", "courses" or "enrollments", count so far)
Progress = Callable[[str, int], None]

#: how far back an incremental refresh reaches before the previous one, for clock skew
OVERLAP = timedelta(minutes=2)


class UnknownReference(LookupError):
    """A reference that names nothing, or more than one record; the message says which."""


@dataclass(slots=True)
class LocalView:
    vendor: str
    users: dict[str, User] = field(default_factory=dict)
    courses: dict[str, Course] = field(default_factory=dict)
    enrollments: dict[str, Enrollment] = field(default_factory=dict)
    loaded_at: datetime | None = None
    #: whether the last refresh was incremental
    incremental: bool = False
    _by_email: dict[str, str] = field(default_factory=dict)
    _by_remote_user: dict[str, str] = field(default_factory=dict)
    _by_code: dict[str, list[str]] = field(default_factory=dict)
    _by_title: dict[str, list[str]] = field(default_factory=dict)
    _by_remote_course: dict[str, str] = field(default_factory=dict)
    _pairs: dict[tuple[str, str], str] = field(default_factory=dict)

    # -- loading -------------------------------------------------------------------------------

    @classmethod
    async def load(cls, connector: Connector, progress: Progress | None = None) -> LocalView:
        view = cls(vendor=connector.vendor)
        await view.refresh(connector, progress)
        return view

    async def refresh(self, connector: Connector, progress: Progress | None = None) -> None:
        """Read what changed (incrementally where the vendor allows it, else everything)."""
        started = datetime.now(UTC)
        since = self.loaded_at - OVERLAP if self.loaded_at else None
        incremental = since is not None and supports_updated_after(connector)
        if incremental:
            assert since is not None
            users = await _collect(
                connector.list_users(updated_after=since, include_deleted=True),  # type: ignore[call-arg]
                "users",
                progress,
            )
            courses = await _collect(
                connector.list_courses(updated_after=since, include_deleted=True),  # type: ignore[call-arg]
                "courses",
                progress,
            )
            enrollments = await _collect(
                connector.list_enrollments(updated_after=since, include_deleted=True),  # type: ignore[call-arg]
                "enrollments",
                progress,
            )
            self._merge(users, courses, enrollments)
        else:
            users = await _collect(connector.list_users(), "users", progress)
            courses = await _collect(connector.list_courses(), "courses", progress)
            enrollments = await _collect(connector.list_enrollments(), "enrollments", progress)
            self._replace(users, courses, enrollments)
        self.loaded_at = started
        self.incremental = incremental

    def _replace(
        self, users: list[User], courses: list[Course], enrollments: list[Enrollment]
    ) -> None:
        self.users = {user.id: user for user in users}
        self.courses = {course.id: course for course in courses}
        self.enrollments = {}
        self._reindex()
        for enrollment in enrollments:
            self.put(enrollment)

    def _merge(
        self, users: list[User], courses: list[Course], enrollments: list[Enrollment]
    ) -> None:
        for user in users:
            if _deleted(user.remote_data):
                self.users.pop(user.id, None)
            else:
                self.users[user.id] = user
        for course in courses:
            if _deleted(course.remote_data):
                self.courses.pop(course.id, None)
            else:
                self.courses[course.id] = course
        self._reindex()
        for enrollment in enrollments:
            if _deleted(enrollment.remote_data):
                self.remove(enrollment.user.id, enrollment.course.id)
            else:
                self.put(enrollment)

    def _reindex(self) -> None:
        self._by_email = {}
        self._by_remote_user = {}
        for user in self.users.values():
            self._by_remote_user[user.remote_id] = user.id
            for email in user.emails:
                self._by_email.setdefault(email.email.casefold(), user.id)
        self._by_code = {}
        self._by_title = {}
        self._by_remote_course = {}
        for course in self.courses.values():
            self._by_remote_course[course.remote_id] = course.id
            if course.code:
                self._by_code.setdefault(course.code.casefold(), []).append(course.id)
            self._by_title.setdefault(course.title.casefold(), []).append(course.id)

    # -- writes the operations layer made ------------------------------------------------------

    def put(self, enrollment: Enrollment) -> None:
        """Record an enrollment (replacing the pair's previous one)."""
        key = (enrollment.user.id, enrollment.course.id)
        previous = self._pairs.get(key)
        if previous is not None and previous != enrollment.id:
            self.enrollments.pop(previous, None)
        self.enrollments[enrollment.id] = enrollment
        self._pairs[key] = enrollment.id

    def remove(self, user_id: str, course_id: str) -> None:
        enrollment_id = self._pairs.pop((user_id, course_id), None)
        if enrollment_id is not None:
            self.enrollments.pop(enrollment_id, None)

    # -- lookups -------------------------------------------------------------------------------

    def enrollment_of(self, user_id: str, course_id: str) -> Enrollment | None:
        enrollment_id = self._pairs.get((user_id, course_id))
        return self.enrollments.get(enrollment_id) if enrollment_id else None

    def find_user(self, ref: str) -> User:
        """A user by id, remote id or email (case-insensitive)."""
        ref = ref.strip()
        user_id = (
            ref
            if ref in self.users
            else self._by_email.get(ref.casefold()) or self._by_remote_user.get(ref)
        )
        if user_id is None or user_id not in self.users:
            raise UnknownReference(f"unknown user {ref!r}")
        return self.users[user_id]

    def find_course(self, ref: str) -> Course:
        """A course by id, remote id, code or title (case-insensitive; a title more than one
        course has is refused as ambiguous)."""
        ref = ref.strip()
        if ref in self.courses:
            return self.courses[ref]
        if ref in self._by_remote_course:
            return self.courses[self._by_remote_course[ref]]
        key = ref.casefold()
        for index, kind in ((self._by_code, "code"), (self._by_title, "title")):
            ids = index.get(key, [])
            if len(ids) == 1:
                return self.courses[ids[0]]
            if len(ids) > 1:
                raise UnknownReference(
                    f"course {kind} {ref!r} is ambiguous: {len(ids)} courses have it; use an id"
                )
        raise UnknownReference(f"unknown course {ref!r}")

    def enrollments_of_user(self, user_id: str) -> list[Enrollment]:
        return [e for (u, _), eid in self._pairs.items() if u == user_id for e in self._get(eid)]

    def enrollments_of_course(self, course_id: str) -> list[Enrollment]:
        return [e for (_, c), eid in self._pairs.items() if c == course_id for e in self._get(eid)]

    def _get(self, enrollment_id: str) -> Iterable[Enrollment]:
        enrollment = self.enrollments.get(enrollment_id)
        return (enrollment,) if enrollment is not None else ()

    def statuses(self) -> dict[EnrollmentStatus, int]:
        counts: dict[EnrollmentStatus, int] = {}
        for enrollment in self.enrollments.values():
            counts[enrollment.status] = counts.get(enrollment.status, 0) + 1
        return counts


def supports_updated_after(connector: Connector) -> bool:
    """Whether every listing of the connector takes ``updated_after`` and ``include_deleted``."""
    for method in (connector.list_users, connector.list_courses, connector.list_enrollments):
        parameters = inspect.signature(method).parameters
        if "updated_after" not in parameters or "include_deleted" not in parameters:
            return False
    return True


def _deleted(remote_data: Mapping[str, Any]) -> bool:
    return bool(remote_data.get("remote_deleted_at"))


async def _collect(records: AsyncIterator[Any], kind: str, progress: Progress | None) -> list[Any]:
    collected: list[Any] = []
    async for record in records:
        collected.append(record)
        if progress is not None and len(collected) % 500 == 0:
            progress(kind, len(collected))
    if progress is not None:
        progress(kind, len(collected))
    return collected
