"""Normalized records shared by every connector.

``Enrollment`` carries every field of the unified CourseEnrollments object (seed 002, Truto's
unified LMS API) plus ``vendor`` and ``remote_id``; ``status`` is exactly that object's ten-value
enum. Every record keeps the vendor's raw payload in ``remote_data``, a read-only mapping: the
decoded dict, or for a listed record the item's JSON text, decoded when read
(``core.remote.RawJson``).

The records are ``msgspec.Struct`` classes rather than validating models: connectors build them
from payloads they have already checked in their ``mapping`` module, and at 100,000 enrollments
what a record costs matters (see the performance issue). Against the slotted dataclasses they
replace, measured here: an ``Enrollment`` is built in 0.69 µs instead of 1.68, a ``UserRef`` in
0.04 µs instead of 0.45 (a frozen dataclass sets each field through ``object.__setattr__``).
Copy one with ``msgspec.structs.replace``; list its fields with ``msgspec.structs.fields``.

Every record is declared ``gc=False``: the cyclic garbage collector does not track it, so a
100,000-record listing adds no objects for the collector to walk (each enrollment used to add
four: it and its user, course and assigner) and each record is 16 bytes smaller. That is safe
because a record never refers back to itself: its fields hold strings, numbers, datetimes,
other records, the vendor's JSON in ``remote_data`` and ``custom_fields``. Never put a record
inside its own ``remote_data`` or ``custom_fields``; such a cycle would never be freed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from msgspec import Struct


class EnrollmentStatus(StrEnum):
    """The lifecycle status of a user in a course: the ten values of seed 002."""

    ASSIGNED = "assigned"
    ENROLLED = "enrolled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    PASSED = "passed"
    FAILED = "failed"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    OVERDUE = "overdue"
    UNKNOWN = "unknown"


class Email(Struct, frozen=True, kw_only=True, gc=False):
    email: str
    type: str | None = None
    is_primary: bool | None = None


class UserRef(Struct, frozen=True, kw_only=True, gc=False):
    """The learner of an enrollment (``user`` in seed 002)."""

    id: str
    name: str | None = None
    emails: tuple[Email, ...] = ()


class CourseRef(Struct, frozen=True, kw_only=True, gc=False):
    """The course of an enrollment (``course`` in seed 002)."""

    id: str
    title: str | None = None


class Assigner(Struct, frozen=True, kw_only=True, gc=False):
    """Who assigned the course (``assigned_by`` in seed 002)."""

    id: str
    name: str | None = None


class Url(Struct, frozen=True, kw_only=True, gc=False):
    url: str
    type: str | None = None


class User(Struct, kw_only=True, gc=False):
    """A person known to an LMS."""

    id: str
    vendor: str
    remote_id: str
    first_name: str | None = None
    last_name: str | None = None
    name: str | None = None
    username: str | None = None
    emails: tuple[Email, ...] = ()
    status: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    remote_data: Mapping[str, Any] = {}

    @property
    def primary_email(self) -> str | None:
        for email in self.emails:
            if email.is_primary:
                return email.email
        return self.emails[0].email if self.emails else None


class Course(Struct, kw_only=True, gc=False):
    """A course (or the course revision a vendor enrolls into)."""

    id: str
    vendor: str
    remote_id: str
    title: str
    code: str | None = None
    description: str | None = None
    type: str | None = None
    status: str | None = None
    language: str | None = None
    duration_seconds: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    remote_data: Mapping[str, Any] = {}


class Enrollment(Struct, kw_only=True, gc=False):
    """One user's enrollment in one course: the CourseEnrollments object of seed 002."""

    id: str
    vendor: str
    remote_id: str
    user: UserRef
    course: CourseRef
    status: EnrollmentStatus = EnrollmentStatus.UNKNOWN
    assigned_at: datetime | None = None
    due_at: datetime | None = None
    enrolled_at: datetime | None = None
    started_at: datetime | None = None
    last_activity_at: datetime | None = None
    completed_at: datetime | None = None
    progress_percent: float | None = None
    time_spent_seconds: int | None = None
    score: float | None = None
    is_mandatory: bool | None = None
    assigned_by: Assigner | None = None
    attempt_number: int | None = None
    attempts_count: int | None = None
    urls: tuple[Url, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None
    custom_fields: dict[str, Any] = {}
    remote_data: Mapping[str, Any] = {}


class SessionEvent(Struct, frozen=True, kw_only=True, gc=False):
    """One dated meeting of an instructor-led session (a day of a classroom course, a webinar)."""

    id: str
    name: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    timezone: str | None = None
    location: str | None = None
    classroom: str | None = None


class Session(Struct, kw_only=True, gc=False):
    """A scheduled run of an instructor-led course: learners enroll in a session of the course."""

    id: str
    vendor: str
    remote_id: str
    course_id: str
    name: str
    description: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    min_enrollments: int | None = None
    max_enrollments: int | None = None
    enrolled_count: int | None = None
    location: str | None = None
    webinar_tool: str | None = None
    timezone: str | None = None
    events: tuple[SessionEvent, ...] = ()
    remote_data: Mapping[str, Any] = {}


class LearningPlanRef(Struct, frozen=True, kw_only=True, gc=False):
    id: str
    title: str | None = None


class LearningPlan(Struct, kw_only=True, gc=False):
    """An ordered group of courses a learner is enrolled in as one (a path, a curriculum)."""

    id: str
    vendor: str
    remote_id: str
    title: str
    code: str | None = None
    description: str | None = None
    course_ids: tuple[str, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None
    remote_data: Mapping[str, Any] = {}


class LearningPlanEnrollment(Struct, kw_only=True, gc=False):
    """One user's enrollment in a learning plan; its courses are enrollments of their own."""

    id: str
    vendor: str
    remote_id: str
    user: UserRef
    learning_plan: LearningPlanRef
    status: EnrollmentStatus = EnrollmentStatus.UNKNOWN
    assigned_at: datetime | None = None
    due_at: datetime | None = None
    enrolled_at: datetime | None = None
    completed_at: datetime | None = None
    progress_percent: float | None = None
    time_spent_seconds: int | None = None
    assigned_by: Assigner | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    remote_data: Mapping[str, Any] = {}


class ItemResult(Struct, frozen=True, kw_only=True, gc=False):
    """The outcome of one item of a vendor's batch call, in the order the items were sent."""

    index: int
    success: bool
    message: str | None = None
    #: the id of the record the item created or updated, when the vendor says it
    id: str | None = None
    #: the vendor's own error code for a failed item
    code: str | None = None


class ExternalCourse(Struct, frozen=True, kw_only=True, gc=False):
    """A course whose content stays in the caller's system: the LMS shows it and links to
    ``url``. ``origin_id`` is the caller's own stable id for it: upserting the same
    ``origin_id`` again updates the course instead of creating another."""

    origin_id: str
    title: str
    url: str
    description: str | None = None
    thumbnail_url: str | None = None
    duration_minutes: int | None = None
    #: language tags such as ``en`` or ``de-CH``
    languages: tuple[str, ...] = ()


class RsvpResponse(StrEnum):
    """A learner's answer to the invitation to one event of a session (a calendar's reply)."""

    ATTENDING = "attending"
    NOT_ATTENDING = "not_attending"
    MAYBE = "maybe"


class Rsvp(Struct, frozen=True, kw_only=True, gc=False):
    """One row of a batch RSVP update: the learner, by id or by email (exactly one), and the
    answer. Connectors check the one-of rule before sending anything."""

    user_id: str | None = None
    email: str | None = None
    response: RsvpResponse


class Skill(Struct, frozen=True, kw_only=True, gc=False):
    """A competency the LMS records, which its courses teach (Kombo's skills). When the vendor
    says the skill was deleted, that moment is in ``remote_data`` (as for users)."""

    id: str
    vendor: str
    remote_id: str
    name: str
    created_at: datetime | None = None
    updated_at: datetime | None = None
    remote_data: Mapping[str, Any] = {}


class Refs:
    """One shared ``UserRef``, ``CourseRef`` and ``Assigner`` per distinct value, for the records
    of one listing. A listing of 100,000 enrollments names a few hundred learners, courses and
    assigners again and again; sharing their refs (frozen, so safe to share) keeps one copy of
    each and of its strings instead of one per enrollment: some 400 bytes an enrollment, measured
    on a Docebo sync of the ``large`` scenario. Connectors make one per listing and drop it with
    the listing."""

    __slots__ = ("_assigners", "_courses", "_users")

    def __init__(self) -> None:
        self._users: dict[tuple[str, str | None, tuple[Email, ...]], UserRef] = {}
        self._courses: dict[tuple[str, str | None], CourseRef] = {}
        self._assigners: dict[tuple[str, str | None], Assigner] = {}

    def user(self, id: str, name: str | None = None, emails: tuple[Email, ...] = ()) -> UserRef:
        key = (id, name, emails)
        found = self._users.get(key)
        if found is None:
            found = self._users[key] = UserRef(id=id, name=name, emails=emails)
        return found

    def course(self, id: str, title: str | None = None) -> CourseRef:
        key = (id, title)
        found = self._courses.get(key)
        if found is None:
            found = self._courses[key] = CourseRef(id=id, title=title)
        return found

    def assigner(self, id: str, name: str | None = None) -> Assigner:
        key = (id, name)
        found = self._assigners.get(key)
        if found is None:
            found = self._assigners[key] = Assigner(id=id, name=name)
        return found


def raw_payload(item: Mapping[str, Any]) -> dict[str, Any]:
    """What a record keeps in ``remote_data``: the decoded payload itself when it is a dict
    (decoded pages are not shared, and a copy costs time and, at 100,000 records, ~110 MiB),
    a copy otherwise. Treat ``remote_data`` as read-only."""
    return item if isinstance(item, dict) else dict(item)
