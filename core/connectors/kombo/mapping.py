"""Kombo wire records to normalized models: pure functions, one status table.

Course progression statuses map to the normalized enum through ``STATUS_MAP``:

=============  ===========  ==========================================================
Kombo          normalized   why
=============  ===========  ==========================================================
ENROLLED       enrolled     enrolled in the course revision, not started
IN_PROGRESS    in_progress
COMPLETED      completed    Kombo reports no pass/fail (``complete`` takes a score)
DROPPED        withdrawn    the learner left the course
null           unknown      the LMS behind the integration does not say
anything else  unknown
=============  ===========  ==========================================================

A progression Kombo marks deleted (``remote_deleted_at`` set: it is gone from the LMS, which
is how an unenrollment made in the LMS itself shows) is ``withdrawn`` whatever its last status;
that status stays in ``remote_data["status"]`` and ``remote_data["remote_deleted_at"]`` says
when. Kombo's published document has no due dates, so there is no ``expired``/``overdue``
logic and ``due_at`` stays unset.

Courses: Kombo enrolls into a course *revision*, so each revision is one normalized ``Course``:
``id`` is the revision id (what ``enroll`` and an enrollment's ``course.id`` carry), ``title``,
``description`` and ``status`` (``active``/``inactive``) are the revision's, ``code`` is the
course's ``origin_id`` (the id the content provider upserted it under), and ``remote_data`` is
``{"course_id", "revision_id", "remote_deleted_at", "course": <the course without its
revisions>, "revision": <the revision>}``. A revision's ``remote_deleted_at`` is its own, or
its course's when the whole course is deleted. A course without revisions has nothing to enroll
into and maps to no ``Course``. The *current* revision of a course is the last one Kombo lists.

Users: ``status`` is ``active``/``inactive``; a deleted user's ``remote_deleted_at`` is in
``remote_data`` (the item as Kombo sent it), like every field of every record.

Skills: ``name``, ``created_at`` from ``remote_created_at``, ``updated_at`` from ``changed_at``;
``remote_deleted_at`` stays in ``remote_data``, as for users.

Errors: Kombo says to branch on its ``code``, not on the HTTP status, so ``ERROR_CLASSES``
chooses the branch of the error tree by code; a code it does not list (and
``PLATFORM.INPUT_INVALID``, which Kombo also answers for an id that names nothing) goes by the
HTTP status.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any

from core.connectors.kombo import wire
from core.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    error_class_for_status,
)
from core.models import (
    Course,
    Email,
    Enrollment,
    EnrollmentStatus,
    ExternalCourse,
    ItemResult,
    Refs,
    Skill,
    User,
    raw_payload,
)

VENDOR = "kombo"

STATUS_MAP: Mapping[str, EnrollmentStatus] = {
    "ENROLLED": EnrollmentStatus.ENROLLED,
    "IN_PROGRESS": EnrollmentStatus.IN_PROGRESS,
    "COMPLETED": EnrollmentStatus.COMPLETED,
    "DROPPED": EnrollmentStatus.WITHDRAWN,
}

#: the codes that mean "too many requests, try again": retried like a 429 whatever the status
RETRY_CODES = frozenset(
    {
        "PLATFORM.RATE_LIMIT_EXCEEDED",
        "PLATFORM.CONCURRENCY_LIMIT_EXCEEDED",
        "REMOTE.RATE_LIMIT_EXCEEDED",
    }
)

ERROR_CLASSES: Mapping[str, type[ApiError]] = {
    "PLATFORM.AUTHENTICATION_INVALID": AuthenticationError,
    "PLATFORM.INTEGRATION_NOT_FOUND": NotFoundError,
    "PLATFORM.IP_NOT_WHITELISTED": PermissionDeniedError,
    "PLATFORM.RATE_LIMIT_EXCEEDED": RateLimitError,
    "PLATFORM.CONCURRENCY_LIMIT_EXCEEDED": RateLimitError,
    "PLATFORM.UNKNOWN_ERROR": ServerError,
    "PLATFORM.TASK_TIMED_OUT": ServerError,
    "INTEGRATION.PERMISSION_MISSING": PermissionDeniedError,
    "INTEGRATION.MODEL_DISABLED": PermissionDeniedError,
    "INTEGRATION.ACTION_DISABLED": PermissionDeniedError,
    "INTEGRATION.MODEL_NOT_AVAILABLE": BadRequestError,
    "INTEGRATION.ACTION_NOT_AVAILABLE": BadRequestError,
    "REMOTE.SERVICE_UNAVAILABLE": ServerError,
    "REMOTE.RATE_LIMIT_EXCEEDED": RateLimitError,
    "REMOTE.UNKNOWN_HTTP_ERROR": ServerError,
    "LMS.COURSE_UPDATE_NOT_SUPPORTED": BadRequestError,
}

#: the codes of a refused input: by the HTTP status when there is one (Kombo answers an id that
#: names nothing with ``PLATFORM.INPUT_INVALID`` and 404), ``BadRequestError`` otherwise
INPUT_CODES = frozenset({"PLATFORM.INPUT_INVALID", "REMOTE.INPUT_INVALID"})

#: the HTTP status an error class stands for, for a failure that came without one (a task's)
NOMINAL_STATUS: Mapping[type[ApiError], int] = {
    BadRequestError: 400,
    AuthenticationError: 401,
    PermissionDeniedError: 403,
    NotFoundError: 404,
    ConflictError: 409,
    RateLimitError: 429,
    ServerError: 500,
}


def error_class(status: int | None, code: str | None) -> type[ApiError]:
    """The branch of the error tree for a Kombo error: by ``code``, else by HTTP ``status``.
    A failure without a status (a failed task's) is a ``BadRequestError`` for refused input
    and a ``ServerError`` for an unknown code."""
    if code and code in ERROR_CLASSES:
        return ERROR_CLASSES[code]
    if status is None:
        return BadRequestError if code in INPUT_CODES else ServerError
    return error_class_for_status(status)


def _str(value: Any) -> str:
    if value.__class__ is str:  # most values: no call to str()
        return value
    return "" if value is None else str(value)


def _lower(value: Any) -> str | None:
    return str(value).lower() if value else None


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _object(value: Any) -> Mapping[str, Any]:
    if value.__class__ is dict:  # decoded JSON: no ABC check (slow, and twice a record)
        return value
    return value if isinstance(value, Mapping) else {}


def _name(first: str | None, last: str | None) -> str | None:
    if first and last:
        return f"{first} {last}"
    return first or last or None


def _work_email(value: Any) -> tuple[Email, ...]:
    return (Email(email=value, type="work", is_primary=True),) if value else ()


def map_status(raw: Any, *, deleted: bool = False) -> EnrollmentStatus:
    """A progression's status (see the table); a deleted progression is ``withdrawn``."""
    if deleted:
        return EnrollmentStatus.WITHDRAWN
    if raw.__class__ is str and raw in STATUS_MAP:  # as Kombo writes them: no conversions
        return STATUS_MAP[raw]
    if not raw:
        return EnrollmentStatus.UNKNOWN
    return STATUS_MAP.get(str(raw).upper(), EnrollmentStatus.UNKNOWN)


def map_user(item: Mapping[str, Any]) -> User:
    first = item.get("first_name") or None
    last = item.get("last_name") or None
    return User(
        id=_str(item.get("id")),
        vendor=VENDOR,
        remote_id=_str(item.get("remote_id")),
        first_name=first,
        last_name=last,
        name=_name(first, last),
        emails=_work_email(item.get("work_email")),
        status=_lower(item.get("status")),
        created_at=wire.parse_datetime(item.get("remote_created_at")),
        updated_at=wire.parse_datetime(item.get("changed_at")),
        remote_data=raw_payload(item),
    )


def map_skill(item: Mapping[str, Any]) -> Skill:
    return Skill(
        id=_str(item.get("id")),
        vendor=VENDOR,
        remote_id=_str(item.get("remote_id")),
        name=_str(item.get("name")),
        created_at=wire.parse_datetime(item.get("remote_created_at")),
        updated_at=wire.parse_datetime(item.get("changed_at")),
        remote_data=raw_payload(item),
    )


def course_fields(course: Mapping[str, Any]) -> dict[str, Any]:
    """A course item without its ``revisions`` (shared by the ``Course`` of each revision)."""
    return {k: v for k, v in course.items() if k != "revisions"}


def revisions_of(course: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    revisions = course.get("revisions")
    if not isinstance(revisions, list):
        return []
    return [r for r in revisions if isinstance(r, Mapping)]


def revision_deleted_at(course: Mapping[str, Any], revision: Mapping[str, Any]) -> str | None:
    """When a revision was deleted: its own ``remote_deleted_at``, else its course's."""
    deleted = revision.get("remote_deleted_at") or course.get("remote_deleted_at")
    return str(deleted) if deleted else None


def map_revision(course: Mapping[str, Any], revision: Mapping[str, Any]) -> Course:
    """One revision of a course as a normalized ``Course`` (see the module docstring)."""
    return _map_revision(course_fields(course), revision)


def _map_revision(course: dict[str, Any], revision: Mapping[str, Any]) -> Course:
    """``map_revision`` for a course already without its revisions: the revisions of one
    course share that one dict in their ``remote_data``."""
    revision_id = _str(revision.get("id"))
    course_id = _str(revision.get("course_id") or course.get("id"))
    return Course(
        id=revision_id,
        vendor=VENDOR,
        remote_id=_str(revision.get("remote_id")),
        title=_str(revision.get("title")),
        code=course.get("origin_id") or None,
        description=revision.get("description") or None,
        status=_lower(revision.get("status")),
        created_at=wire.parse_datetime(revision.get("remote_created_at")),
        updated_at=wire.parse_datetime(revision.get("changed_at")),
        remote_data={
            "course_id": course_id,
            "revision_id": revision_id,
            "remote_deleted_at": revision_deleted_at(course, revision),
            "course": course,
            "revision": dict(revision),
        },
    )


def map_course(course: Mapping[str, Any], *, include_deleted: bool = True) -> list[Course]:
    """Every revision of a course item, in Kombo's order; deleted ones only when asked."""
    shared = course_fields(course)
    return [
        _map_revision(shared, revision)
        for revision in revisions_of(course)
        if include_deleted or revision_deleted_at(course, revision) is None
    ]


def current_revision(course: Mapping[str, Any]) -> Course | None:
    """The course's current revision (the last listed), or None when it has none."""
    revisions = revisions_of(course)
    return map_revision(course, revisions[-1]) if revisions else None


def map_progression(item: Mapping[str, Any], refs: Refs | None = None) -> Enrollment:
    """A course progression (listed, or answered by enroll and complete) as an enrollment
    (its refs shared through ``refs``, a listing's).

    The learner and the course come from the embedded ``user`` and ``course_revision``, with
    ``user_id`` and ``course_revision_id`` when those are missing."""
    if refs is None:
        refs = Refs()
    user = _object(item.get("user"))
    revision = _object(item.get("course_revision"))
    first = user.get("first_name") or None
    last = user.get("last_name") or None
    progression_id = _str(item.get("id"))
    return Enrollment(
        id=progression_id,
        vendor=VENDOR,
        remote_id=_str(item.get("remote_id")),
        user=refs.user(
            _str(user.get("id") or item.get("user_id")),
            _name(first, last),
            _work_email(user.get("work_email")),
        ),
        course=refs.course(
            _str(revision.get("id") or item.get("course_revision_id")),
            revision.get("title") or None,
        ),
        status=map_status(item.get("status"), deleted=bool(item.get("remote_deleted_at"))),
        enrolled_at=wire.parse_datetime(item.get("enrolled_at")),
        completed_at=wire.parse_datetime(item.get("completed_at")),
        score=_number(item.get("score")),
        updated_at=wire.parse_datetime(item.get("changed_at")),
        remote_data=raw_payload(item),
    )


def progression_course_id(item: Mapping[str, Any]) -> str | None:
    """The Kombo course id of a progression's revision, when the answer embeds it."""
    course = _object(_object(item.get("course_revision")).get("course"))
    return _str(course.get("id")) or None


def external_course_item(course: ExternalCourse) -> dict[str, Any]:
    """One item of ``POST /lms/courses/bulk``: an ``EXTERNAL`` course; unset fields are left
    out rather than sent as null."""
    body: dict[str, Any] = {"type": "EXTERNAL", "title": course.title, "course_url": course.url}
    if course.description is not None:
        body["description"] = course.description
    if course.thumbnail_url is not None:
        body["thumbnail_url"] = course.thumbnail_url
    if course.duration_minutes is not None:
        body["duration"] = course.duration_minutes
    if course.languages:
        body["languages"] = list(course.languages)
    return {"origin_id": course.origin_id, "course": body}


def map_task_results(
    results: Sequence[Mapping[str, Any]], origin_ids: Sequence[str]
) -> list[ItemResult]:
    """A completed bulk task's outcomes, one per item sent and in the order sent, matched by
    ``origin_id``. A succeeded item's ``id`` is the Kombo course id; a failed one carries
    Kombo's code and message. An item the task reports nothing for is a failure."""
    positions: dict[str, deque[int]] = {}
    for index, origin_id in enumerate(origin_ids):
        positions.setdefault(origin_id, deque()).append(index)
    found: dict[int, ItemResult] = {}
    for row in results:
        waiting = positions.get(_str(row.get("origin_id")))
        if not waiting:
            continue
        index = waiting.popleft()
        if str(row.get("status") or "").upper() == "SUCCEEDED":
            course_id = _object(row.get("data")).get("id")
            found[index] = ItemResult(
                index=index, success=True, id=_str(course_id) if course_id else None
            )
        else:
            code, message = wire.error_fields(row.get("error"))
            found[index] = ItemResult(index=index, success=False, message=message, code=code)
    return [
        found.get(index)
        or ItemResult(index=index, success=False, message="the task reported no outcome")
        for index in range(len(origin_ids))
    ]
