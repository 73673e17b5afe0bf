"""LMS365 entities to normalized models, and normalized filters to ``$filter``: pure functions.

Statuses (the one table; ``STATUS_MAP`` holds its first three rows, ``map_status`` applies it):

==============================  ===========  ==============================================
LMS365 ``CoursePassingStatus``  normalized   why
==============================  ===========  ==============================================
0 Completed                     completed    LMS365 reports no pass/fail beside it
1 Not Started                   enrolled     enrolled, nothing started
2 In Progress                   in_progress
1 or 2 with ``DueDate`` past    overdue      not completed and the due date has passed
null or anything else           unknown
==============================  ===========  ==============================================

"Past" is strictly before the moment the connector reads the enrollment (its own clock, one
instant per listing, the same one it puts in the server-side filter). A completed enrollment
stays ``completed`` even when completed after its due date. LMS365 has no expiry date (only a
due date), so nothing maps to ``expired``; nor to ``assigned``, ``passed``, ``failed`` or
``withdrawn`` (an unenrolled user's enrollment is deleted, not kept).

Status filters go to the server as ``$filter`` clauses built from the same table
(``status_clause``); a status no row yields matches nothing, so a filter of only such statuses
answers nothing without a request.

Enrollments: ``enrolled_at`` is ``RegistrationDate``, ``started_at`` ``StartDate``,
``completed_at`` ``CompletionDate``, ``due_at`` ``DueDate``, ``progress_percent`` ``Progress``,
``score`` ``Score``, ``updated_at`` ``Modified``; ``custom_fields`` holds ``ceu``,
``course_duration_minutes`` and ``course_session_ids``. The learner's e-mail is read from the
login name claim (``i:0#.f|membership|<email>``). Courses: ``type`` is ``elearning`` or
``instructor_led``, ``status`` ``published``/``unpublished``, ``duration_seconds`` from
``Duration`` (minutes). Sessions: one ``CourseSessions`` entity each; LMS365 gives a session one
start and one end and no separate meetings, so ``events`` is empty. Every record keeps the
entity as sent in ``remote_data``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from core.connectors.lms365 import wire
from core.models import (
    Course,
    Email,
    Enrollment,
    EnrollmentStatus,
    Refs,
    Session,
    User,
    raw_payload,
)

VENDOR = "lms365"

STATUS_MAP: Mapping[int, EnrollmentStatus] = {
    0: EnrollmentStatus.COMPLETED,
    1: EnrollmentStatus.ENROLLED,
    2: EnrollmentStatus.IN_PROGRESS,
}

#: the passing status a normalized status is written as (``update_enrollment``)
PASSING_STATUS: Mapping[EnrollmentStatus, int] = {v: k for k, v in STATUS_MAP.items()}

#: the statuses that become ``overdue`` once their due date has passed
OPEN_STATUSES = (1, 2)

COURSE_TYPES: Mapping[str, str] = {"elearning": "elearning", "instructorled": "instructor_led"}


def _str(value: Any) -> str:
    if value.__class__ is str:  # most values: no call to str()
        return value
    return "" if value is None else str(value)


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _int(value: Any) -> int | None:
    if value.__class__ is int and -(2**53) <= value <= 2**53:  # exact as a float: as below
        return int(value)
    number = _number(value)
    return int(number) if number is not None and number.is_integer() else None


def passing_status(raw: Any) -> int | None:
    """``CoursePassingStatus`` as an int, None when missing or not a whole number."""
    return _int(raw)


def map_status(raw: Any, due_date: Any = None, *, now: datetime | None = None) -> EnrollmentStatus:
    """A passing status (and due date, as sent or parsed) as the table says; without ``now``
    nothing is overdue."""
    status = passing_status(raw)
    if status is None:
        return EnrollmentStatus.UNKNOWN
    if status in OPEN_STATUSES and now is not None:
        due = due_date if isinstance(due_date, datetime) else wire.parse_datetime(due_date)
        if due is not None and due < now:
            return EnrollmentStatus.OVERDUE
    return STATUS_MAP.get(status, EnrollmentStatus.UNKNOWN)


def email_of_login(login_name: Any) -> str | None:
    """The e-mail of a user claim ``i:0#.f|membership|<email>``; None for anything else."""
    if not isinstance(login_name, str) or "|" not in login_name:
        return None
    tail = login_name.rsplit("|", 1)[1].strip()
    return tail if "@" in tail else None


def map_user(item: Mapping[str, Any]) -> User:
    first = item.get("FirstName") or None
    last = item.get("LastName") or None
    email = item.get("Email") or email_of_login(item.get("LoginName"))
    active = item.get("IsActive")
    return User(
        id=_str(item.get("Id")),
        vendor=VENDOR,
        remote_id=_str(item.get("Id")),
        first_name=first,
        last_name=last,
        name=item.get("FullName") or " ".join(p for p in (first, last) if p) or None,
        username=item.get("LoginName") or None,
        emails=(Email(email=email, type="work", is_primary=True),) if email else (),
        status=None if active is None else ("active" if active else "inactive"),
        created_at=wire.parse_datetime(item.get("Created")),
        updated_at=wire.parse_datetime(item.get("Modified")),
        remote_data=raw_payload(item),
    )


def map_course(item: Mapping[str, Any]) -> Course:
    raw_type = item.get("CourseType")
    published = item.get("IsPublished")
    minutes = _number(item.get("Duration"))
    return Course(
        id=_str(item.get("Id")),
        vendor=VENDOR,
        remote_id=_str(item.get("Id")),
        title=_str(item.get("Title")),
        code=item.get("Code") or None,
        description=item.get("Description") or None,
        type=COURSE_TYPES.get(str(raw_type).lower(), str(raw_type)) if raw_type else None,
        status=None if published is None else ("published" if published else "unpublished"),
        language=item.get("Language") or None,
        duration_seconds=round(minutes * 60) if minutes is not None else None,
        created_at=wire.parse_datetime(item.get("Created")),
        updated_at=wire.parse_datetime(item.get("Modified")),
        remote_data=raw_payload(item),
    )


def map_session(item: Mapping[str, Any]) -> Session:
    return Session(
        id=_str(item.get("Id")),
        vendor=VENDOR,
        remote_id=_str(item.get("Id")),
        course_id=_str(item.get("CourseId")),
        name=_str(item.get("Title")),
        description=item.get("Description") or None,
        starts_at=wire.parse_datetime(item.get("StartDate")),
        ends_at=wire.parse_datetime(item.get("EndDate")),
        min_enrollments=_int(item.get("MinAttendees")),
        max_enrollments=_int(item.get("MaxAttendees")),
        location=item.get("Location") or None,
        webinar_tool=item.get("MeetingTool") or None,
        timezone=item.get("TimeZoneName") or None,
        remote_data=raw_payload(item),
    )


def map_enrollment(
    item: Mapping[str, Any], *, now: datetime | None = None, refs: Refs | None = None
) -> Enrollment:
    """An ``Enrollments`` entity (listed, or answered by Enroll and PATCH); ``now`` decides
    ``overdue`` (see the table); ``refs``, a listing's, shares the user and course refs."""
    if refs is None:
        refs = Refs()
    email = email_of_login(item.get("UserLoginName"))
    sessions = item.get("CourseSessionIds")
    due_at = wire.parse_datetime(item.get("DueDate"))
    enrollment_id = _str(item.get("Id"))
    return Enrollment(
        id=enrollment_id,
        vendor=VENDOR,
        remote_id=enrollment_id,
        user=refs.user(
            _str(item.get("UserId")),
            emails=(Email(email=email, type="work", is_primary=True),) if email else (),
        ),
        course=refs.course(_str(item.get("CourseId"))),
        status=map_status(item.get("CoursePassingStatus"), due_at, now=now),
        due_at=due_at,
        enrolled_at=wire.parse_datetime(item.get("RegistrationDate")),
        started_at=wire.parse_datetime(item.get("StartDate")),
        completed_at=wire.parse_datetime(item.get("CompletionDate")),
        progress_percent=_number(item.get("Progress")),
        score=_number(item.get("Score")),
        updated_at=wire.parse_datetime(item.get("Modified")),
        custom_fields={
            "ceu": _number(item.get("CEU")),
            "course_duration_minutes": _int(item.get("CourseDuration")),
            "course_session_ids": [str(s) for s in sessions] if isinstance(sessions, list) else [],
        },
        remote_data=raw_payload(item),
    )


# -- $filter -----------------------------------------------------------------------------------


def in_clause(prop: str, guids: Sequence[str]) -> str:
    """``Prop eq <guid>`` for one GUID, ``Prop in (<guid>, ...)`` for several."""
    if len(guids) == 1:
        return f"{prop} eq {guids[0]}"
    return f"{prop} in ({', '.join(guids)})"


def string_clause(prop: str, values: Sequence[str]) -> str:
    """``Prop eq 'x'`` or ``Prop in ('x', 'y')``, quotes doubled inside the literals."""
    literals = [wire.string_literal(v) for v in values]
    if len(literals) == 1:
        return f"{prop} eq {literals[0]}"
    return f"{prop} in ({', '.join(literals)})"


def guids(values: Iterable[Any]) -> list[str]:
    """The values that are GUIDs, canonical and without repeats; the rest can name nothing."""
    found = (wire.guid(v) for v in values)
    return list(dict.fromkeys(g for g in found if g))


def status_clause(statuses: Iterable[EnrollmentStatus], now: datetime) -> str | None:
    """The ``$filter`` that selects the enrollments ``map_status`` gives any of ``statuses``
    at ``now``; None when no row of the table yields any of them (nothing can match)."""
    moment = wire.format_datetime(now)
    not_due = f"(DueDate eq null or DueDate ge {moment})"
    parts: list[str] = []
    wanted = set(statuses)
    for code, status in STATUS_MAP.items():
        if status not in wanted:
            continue
        if code in OPEN_STATUSES:
            parts.append(f"(CoursePassingStatus eq {code} and {not_due})")
        else:
            parts.append(f"CoursePassingStatus eq {code}")
    if EnrollmentStatus.OVERDUE in wanted:
        codes = ", ".join(str(c) for c in OPEN_STATUSES)
        parts.append(f"(CoursePassingStatus in ({codes}) and DueDate lt {moment})")
    if EnrollmentStatus.UNKNOWN in wanted:
        codes = ", ".join(str(c) for c in STATUS_MAP)
        parts.append(f"(CoursePassingStatus eq null or not (CoursePassingStatus in ({codes})))")
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else "(" + " or ".join(parts) + ")"


def and_filter(clauses: Iterable[str | None]) -> str | None:
    """The clauses joined by ``and``; None when there are none."""
    present = [c for c in clauses if c]
    return " and ".join(present) or None
