"""Docebo wire records to normalized models: pure functions, one status table.

Docebo statuses (the vocabulary of its enrollment import; ``not_started`` is the list filter's
name for ``subscribed``) map to the normalized enum through ``STATUS_MAP``:

==============  ===========  =====================================================
Docebo          normalized   why
==============  ===========  =====================================================
waiting         assigned     on the waiting list: assigned, not yet admitted
to_confirm      assigned     awaiting an administrator's approval
overbooking     assigned     over the session's capacity, not yet admitted
subscribed      enrolled     enrolled, not started (``not_started`` in filters)
in_progress     in_progress
completed       completed    Docebo reports no pass/fail on course enrollments
suspended       withdrawn    access suspended by an administrator
anything else   unknown
==============  ===========  =====================================================

Then, for an enrollment that is ``enrolled`` or ``in_progress`` whose validity end date has
passed: ``overdue`` when the course has a soft deadline (the learner keeps access after the date),
``expired`` otherwise (access ended). ``due_at`` is the validity end date.

Learning-plan enrollments have statuses of their own, mapped through ``PLAN_STATUS_MAP``. They
are taken as they are: a plan has no soft deadline, and its validity end date is only ``due_at``.

==============  ===========  =====================================================
Docebo (plan)   normalized   why
==============  ===========  =====================================================
not_started     enrolled     enrolled in the plan, no course started
subscribed      enrolled     tolerated: the course vocabulary for the same state
in_progress     in_progress  at least one of the plan's courses started
completed       completed    every course of the plan completed
anything else   unknown
==============  ===========  =====================================================

The learner view (``GET /learn/v1/enrollments``) lists course and plan enrollments together:
an item whose ``type`` is ``learning_plan`` is a ``LearningPlanEnrollment`` (its ``id`` is the
plan), any other an ``Enrollment`` (its ``id`` is the course). Course ids and plan ids are
separate numberings, so a plan enrollment's normalized id is ``lp:<plan>:<user>``.

Levels: 3 student, 4 tutor, 6 instructor, 7 coach (``LEVELS``). The wire carries the number or
a name; Docebo's published schema says ``learner`` where older answers say ``student``, and both
read as 3. The connector always sends the number.

Sessions: ``date_begin``/``date_end`` are UTC like every Docebo date; an event's ``date``,
``time_begin`` and ``time_end`` are wall-clock times in the event's ``timezone`` (the
session's when the event has none, UTC when neither has one), so an event's datetimes are
aware and kept in that zone. An event ending before it begins ends the next day. A zone that
``zoneinfo`` does not know leaves the event's datetimes unset rather than guessing.

RSVP answers on the wire: 1 attending, 0 not attending, 2 maybe (``RSVP_VALUES``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.connectors.docebo import wire
from core.models import (
    Assigner,
    Course,
    CourseRef,
    Email,
    Enrollment,
    EnrollmentStatus,
    ItemResult,
    LearningPlan,
    LearningPlanEnrollment,
    LearningPlanRef,
    Refs,
    RsvpResponse,
    Session,
    SessionEvent,
    User,
    UserRef,
    raw_payload,
)

VENDOR = "docebo"

STATUS_MAP: Mapping[str, EnrollmentStatus] = {
    "waiting": EnrollmentStatus.ASSIGNED,
    "waiting_list": EnrollmentStatus.ASSIGNED,
    "to_confirm": EnrollmentStatus.ASSIGNED,
    "overbooking": EnrollmentStatus.ASSIGNED,
    "subscribed": EnrollmentStatus.ENROLLED,
    "not_started": EnrollmentStatus.ENROLLED,
    "in_progress": EnrollmentStatus.IN_PROGRESS,
    "completed": EnrollmentStatus.COMPLETED,
    "suspended": EnrollmentStatus.WITHDRAWN,
}

#: The Docebo statuses to ask the server for, per normalized status (``expired`` and ``overdue``
#: are derived from dates, so they ask for the statuses they can come from).
SERVER_STATUSES: Mapping[EnrollmentStatus, tuple[str, ...]] = {
    EnrollmentStatus.ASSIGNED: ("waiting", "to_confirm", "overbooking"),
    EnrollmentStatus.ENROLLED: ("subscribed",),
    EnrollmentStatus.IN_PROGRESS: ("in_progress",),
    EnrollmentStatus.COMPLETED: ("completed",),
    EnrollmentStatus.WITHDRAWN: ("suspended",),
    EnrollmentStatus.EXPIRED: ("subscribed", "in_progress"),
    EnrollmentStatus.OVERDUE: ("subscribed", "in_progress"),
}

USER_STATUSES: Mapping[str, str] = {"1": "active", "0": "suspended"}

PLAN_STATUS_MAP: Mapping[str, EnrollmentStatus] = {
    "not_started": EnrollmentStatus.ENROLLED,
    "subscribed": EnrollmentStatus.ENROLLED,
    "in_progress": EnrollmentStatus.IN_PROGRESS,
    "completed": EnrollmentStatus.COMPLETED,
}

#: The plan statuses to ask the server for, per normalized status.
PLAN_SERVER_STATUSES: Mapping[EnrollmentStatus, tuple[str, ...]] = {
    EnrollmentStatus.ENROLLED: ("not_started",),
    EnrollmentStatus.IN_PROGRESS: ("in_progress",),
    EnrollmentStatus.COMPLETED: ("completed",),
}

LEVELS: Mapping[int, str] = {3: "student", 4: "tutor", 6: "instructor", 7: "coach"}
LEVEL_NUMBERS: Mapping[str, int] = {
    "student": 3,
    "learner": 3,
    "tutor": 4,
    "instructor": 6,
    "coach": 7,
}

RSVP_VALUES: Mapping[RsvpResponse, int] = {
    RsvpResponse.ATTENDING: 1,
    RsvpResponse.NOT_ATTENDING: 0,
    RsvpResponse.MAYBE: 2,
}


def parse_date(value: Any) -> datetime | None:
    """A Docebo date (``YYYY-MM-DD HH:MM:SS``, ISO 8601 or ``YYYY-MM-DD``) as aware UTC."""
    if value is None:
        return None
    if value.__class__ is str and len(value) == 19 and value[13] == ":" and value[16] == ":":
        # Docebo's own form, UTC: parsed aware at once (a ``replace`` costs as much again,
        # and a full sync parses four dates an enrollment)
        try:
            return _fromisoformat(value + "+00:00")
        except ValueError:
            return None
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


_fromisoformat = datetime.fromisoformat


def format_date(value: datetime) -> str:
    """A datetime in Docebo's wire format, UTC."""
    if value.tzinfo:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M:%S")


def _str_id(value: Any) -> str:
    if value.__class__ is str:
        return value
    return "" if value is None else str(value)


def _number(value: Any) -> float | None:
    if value.__class__ is int or value.__class__ is float:  # most values: no comparisons
        return float(value)
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _int(value: Any) -> int | None:
    if value.__class__ is int:  # most values: no round trip through float
        return value
    number = _number(value)
    return None if number is None else int(number)


def map_status(
    raw: Any, *, due_at: datetime | None, soft_deadline: bool, now: datetime
) -> EnrollmentStatus:
    status = STATUS_MAP.get(str(raw).lower(), EnrollmentStatus.UNKNOWN) if raw else None
    if status is None:
        return EnrollmentStatus.UNKNOWN
    if (
        status in (EnrollmentStatus.ENROLLED, EnrollmentStatus.IN_PROGRESS)
        and due_at is not None
        and due_at < now
    ):
        return EnrollmentStatus.OVERDUE if soft_deadline else EnrollmentStatus.EXPIRED
    return status


def level_number(value: Any) -> int | None:
    """A level as Docebo numbers it, from the number, its digits or a name; None if unknown."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value in LEVELS else None
    if isinstance(value, str):
        text = value.strip().lower()
        if text.isdigit():
            return int(text) if int(text) in LEVELS else None
        return LEVEL_NUMBERS.get(text)
    return None


def map_plan_status(raw: Any) -> EnrollmentStatus:
    if not raw:
        return EnrollmentStatus.UNKNOWN
    return PLAN_STATUS_MAP.get(str(raw).lower(), EnrollmentStatus.UNKNOWN)


def enrollment_id(course_id: Any, user_id: Any) -> str:
    """Docebo keys an enrollment by (course, user); the normalized id is ``<course>:<user>``."""
    return f"{course_id}:{user_id}"


def plan_enrollment_id(learning_plan_id: Any, user_id: Any) -> str:
    """A plan enrollment's normalized id, ``lp:<plan>:<user>`` (apart from course ids)."""
    return f"lp:{learning_plan_id}:{user_id}"


def _assigner(value: Any, refs: Refs | None = None) -> Assigner | None:
    """Who assigned, from Docebo's creator id (none for an empty one or 0), shared through
    ``refs`` when a listing gives one."""
    if value in (None, "", 0, "0"):
        return None
    return Assigner(id=str(value)) if refs is None else refs.assigner(str(value))


def map_user(item: Mapping[str, Any]) -> User:
    first = item.get("first_name") or None
    last = item.get("last_name") or None
    name = item.get("fullname") or " ".join(p for p in (first, last) if p) or None
    email = item.get("email")
    status = item.get("status")
    user_id = _str_id(item.get("user_id"))
    return User(
        id=user_id,
        vendor=VENDOR,
        remote_id=user_id,
        first_name=first,
        last_name=last,
        name=name,
        username=item.get("username"),
        emails=(Email(email=email, type="work", is_primary=True),) if email else (),
        status=USER_STATUSES.get(str(status)) if status is not None else None,
        created_at=parse_date(item.get("creation_date")),
        updated_at=parse_date(item.get("last_update")),
        remote_data=raw_payload(item),
    )


def map_course(item: Mapping[str, Any]) -> Course:
    course_id = _str_id(item.get("id_course", item.get("id")))
    duration = _int(item.get("duration"))
    return Course(
        id=course_id,
        vendor=VENDOR,
        remote_id=course_id,
        title=str(item.get("name") or ""),
        code=item.get("code") or None,
        description=item.get("description") or None,
        type=item.get("course_type") or item.get("type"),
        status=item.get("status"),
        language=item.get("lang_code") or item.get("language"),
        duration_seconds=duration,
        created_at=parse_date(item.get("date_created")),
        updated_at=parse_date(item.get("date_last_updated")),
        remote_data=raw_payload(item),
    )


def map_course_enrollment(
    item: Mapping[str, Any],
    *,
    now: datetime,
    soft_deadline_courses: Collection[str] = (),
    refs: Refs | None = None,
) -> Enrollment:
    """An item of ``GET /course/v1/courses/enrollments`` as a normalized enrollment (its refs
    shared through ``refs``, a listing's)."""
    if refs is None:
        refs = Refs()
    course_id = _str_id(item.get("course_id"))
    user_id = _str_id(item.get("user_id"))
    due_at = parse_date(item.get("enrollment_validity_end_date"))
    created = parse_date(item.get("enrollment_created_at"))
    fields = item.get("enrollment_fields")
    if fields.__class__ is not dict:  # as decoded, skip the slower ABC check
        fields = dict(fields) if isinstance(fields, Mapping) else {}
    key = f"{course_id}:{user_id}"  # enrollment_id(), inlined: twice a record
    return Enrollment(
        id=key,
        vendor=VENDOR,
        remote_id=key,
        # Docebo's course-enrollment items name the learner only by username.
        user=refs.user(user_id, item.get("username")),
        course=refs.course(course_id, item.get("course_name")),
        status=map_status(
            item.get("enrollment_status"),
            due_at=due_at,
            soft_deadline=course_id in soft_deadline_courses,
            now=now,
        ),
        assigned_at=created,
        due_at=due_at,
        enrolled_at=created,
        completed_at=parse_date(item.get("enrollment_completion_date")),
        progress_percent=_number(item.get("enrollment_completion_percentage")),
        time_spent_seconds=_int(item.get("enrollment_time_spent")),
        score=_number(item.get("enrollment_score")),
        assigned_by=_assigner(item.get("enrollment_created_by"), refs),
        created_at=created,
        updated_at=parse_date(item.get("enrollment_date_last_updated")),
        custom_fields=dict(fields),
        remote_data=raw_payload(item),
    )


def map_learner_course_item(item: Mapping[str, Any], *, now: datetime) -> Enrollment:
    """A course item of the learner view ``GET /learn/v1/enrollments`` (``id`` is the course).

    The item says itself whether the course has a soft deadline. ``enrolled_sessions`` (filled
    with ``get_session_details=1``) stays in ``remote_data`` with the rest of the item."""
    course_id = _str_id(item.get("id"))
    user_id = _str_id(item.get("user_id"))
    due_at = parse_date(item.get("enroll_end_date"))
    enrolled = parse_date(item.get("enroll_date_of_enrollment"))
    return Enrollment(
        id=enrollment_id(course_id, user_id),
        vendor=VENDOR,
        remote_id=enrollment_id(course_id, user_id),
        user=UserRef(id=user_id, name=item.get("username")),
        course=CourseRef(id=course_id, title=item.get("name")),
        status=map_status(
            item.get("status"),
            due_at=due_at,
            soft_deadline=bool(item.get("soft_deadline")),
            now=now,
        ),
        assigned_at=enrolled,
        due_at=due_at,
        enrolled_at=enrolled,
        completed_at=parse_date(item.get("course_complete_date")),
        progress_percent=_number(item.get("complete_percent")),
        time_spent_seconds=_int(item.get("total_time")),
        score=_number(item.get("score")),
        assigned_by=_assigner(item.get("subscribed_by")),
        created_at=enrolled,
        updated_at=parse_date(item.get("date_last_updated")),
        remote_data=raw_payload(item),
    )


def map_learner_plan_item(item: Mapping[str, Any]) -> LearningPlanEnrollment:
    """A ``learning_plan`` item of the learner view (``id`` is the plan)."""
    plan_id = _str_id(item.get("id"))
    user_id = _str_id(item.get("user_id"))
    enrolled = parse_date(item.get("enroll_date_of_enrollment"))
    return LearningPlanEnrollment(
        id=plan_enrollment_id(plan_id, user_id),
        vendor=VENDOR,
        remote_id=plan_enrollment_id(plan_id, user_id),
        user=UserRef(id=user_id, name=item.get("username")),
        learning_plan=LearningPlanRef(id=plan_id, title=item.get("name")),
        status=map_plan_status(item.get("status")),
        assigned_at=enrolled,
        due_at=parse_date(item.get("enroll_end_date")),
        enrolled_at=enrolled,
        completed_at=parse_date(item.get("course_complete_date")),
        progress_percent=_number(item.get("complete_percent")),
        time_spent_seconds=_int(item.get("total_time")),
        assigned_by=_assigner(item.get("subscribed_by")),
        created_at=enrolled,
        updated_at=parse_date(item.get("date_last_updated")),
        remote_data=raw_payload(item),
    )


def map_learner_item(
    item: Mapping[str, Any], *, now: datetime
) -> Enrollment | LearningPlanEnrollment:
    """Any item of the learner view: a plan enrollment or a course enrollment, by ``type``."""
    if str(item.get("type") or "").lower() == "learning_plan":
        return map_learner_plan_item(item)
    return map_learner_course_item(item, now=now)


def map_plan_enrollment(item: Mapping[str, Any]) -> LearningPlanEnrollment:
    """An item of ``GET /learningplan/v1/learningplans/enrollments``."""
    plan_id = _str_id(item.get("learning_plan_id"))
    user_id = _str_id(item.get("user_id"))
    created = parse_date(item.get("enrollment_created_at"))
    return LearningPlanEnrollment(
        id=plan_enrollment_id(plan_id, user_id),
        vendor=VENDOR,
        remote_id=plan_enrollment_id(plan_id, user_id),
        user=UserRef(id=user_id, name=item.get("username")),
        learning_plan=LearningPlanRef(id=plan_id, title=item.get("learning_plan_name")),
        status=map_plan_status(item.get("enrollment_status")),
        assigned_at=created,
        due_at=parse_date(item.get("enrollment_validity_end_date")),
        enrolled_at=created,
        completed_at=parse_date(item.get("enrollment_completion_date")),
        progress_percent=_number(item.get("enrollment_completion_percentage")),
        time_spent_seconds=_int(item.get("enrollment_time_spent")),
        assigned_by=_assigner(item.get("enrollment_created_by")),
        created_at=created,
        updated_at=parse_date(item.get("enrollment_date_last_updated")),
        remote_data=raw_payload(item),
    )


def map_learning_plan(item: Mapping[str, Any]) -> LearningPlan:
    """A plan from its list item, or from its detail, whose ``courses`` give ``course_ids`` in
    the plan's order (by ``position`` when every course has one, as listed otherwise)."""
    plan_id = _str_id(item.get("learning_plan_id", item.get("id")))
    courses = [c for c in item.get("courses") or () if isinstance(c, Mapping)]
    if courses and all(_int(c.get("position")) is not None for c in courses):
        courses.sort(key=lambda c: _int(c.get("position")) or 0)
    course_ids = tuple(
        _str_id(c.get("id_course", c.get("id")))
        for c in courses
        if c.get("id_course", c.get("id")) is not None
    )
    return LearningPlan(
        id=plan_id,
        vendor=VENDOR,
        remote_id=plan_id,
        title=str(item.get("title") or item.get("name") or ""),
        code=item.get("code") or None,
        description=item.get("description") or None,
        course_ids=course_ids,
        created_at=parse_date(item.get("created_on")),
        updated_at=parse_date(item.get("updated_on")),
        remote_data=raw_payload(item),
    )


def zone(name: Any) -> tzinfo | None:
    """The zone of a tz database name; None when it is not one ``zoneinfo`` knows."""
    if not isinstance(name, str) or not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _wall_clock(day: Any, clock: Any, where: tzinfo) -> datetime | None:
    if not isinstance(day, str) or not isinstance(clock, str):
        return None
    try:
        return datetime.combine(date.fromisoformat(day[:10]), time.fromisoformat(clock), where)
    except ValueError:
        return None


def map_session_event(item: Mapping[str, Any], *, session_timezone: Any = None) -> SessionEvent:
    """One of a session's ``dates``: wall-clock times in its own zone (see the docstring)."""
    name = item.get("timezone") or session_timezone
    where = zone(name) if name else UTC
    starts = ends = None
    if where is not None:
        starts = _wall_clock(item.get("date"), item.get("time_begin"), where)
        ends = _wall_clock(item.get("date"), item.get("time_end"), where)
        if starts is not None and ends is not None and ends < starts:
            ends += timedelta(days=1)
    return SessionEvent(
        id=_str_id(item.get("id_event", item.get("id"))),
        name=item.get("name") or None,
        starts_at=starts,
        ends_at=ends,
        timezone=str(name) if name else None,
        location=item.get("location_name") or None,
        classroom=item.get("classroom_name") or None,
    )


def map_session(item: Mapping[str, Any], *, course_id: str | None = None) -> Session:
    """A session of ``GET /course/v1/courses/{id}/sessions``; ``course_id`` when the item has
    none. Without ``date_begin``/``date_end`` the session spans its events."""
    session_id = _str_id(item.get("id", item.get("id_session")))
    events = tuple(
        map_session_event(event, session_timezone=item.get("timezone"))
        for event in item.get("dates") or ()
        if isinstance(event, Mapping)
    )
    starts = [e.starts_at for e in events if e.starts_at is not None]
    ends = [e.ends_at for e in events if e.ends_at is not None]
    return Session(
        id=session_id,
        vendor=VENDOR,
        remote_id=session_id,
        course_id=_str_id(item.get("course_id", course_id)),
        name=str(item.get("name") or ""),
        description=item.get("description") or None,
        starts_at=parse_date(item.get("date_begin")) or (min(starts) if starts else None),
        ends_at=parse_date(item.get("date_end")) or (max(ends) if ends else None),
        min_enrollments=_int(item.get("min_enrollments")),
        max_enrollments=_int(item.get("max_enrollments")),
        enrolled_count=_int(item.get("enrolled_count")),
        location=item.get("location_name")
        or next((e.location for e in events if e.location), None),
        webinar_tool=item.get("tool") or item.get("webinar_tool") or None,
        timezone=item.get("timezone") or None,
        events=events,
        remote_data=raw_payload(item),
    )


def map_item_results(rows: Any) -> list[ItemResult]:
    """The per-row outcome of a batch call (``[{"row_index", "success", "message"}]``), in row
    order; a row without ``row_index`` takes its position."""
    results = []
    for position, row in enumerate(rows if isinstance(rows, Sequence) else ()):
        if not isinstance(row, Mapping):
            continue
        index = _int(row.get("row_index"))
        message = row.get("message")
        results.append(
            ItemResult(
                index=position if index is None else index,
                success=wire.truthy(row.get("success")),
                message=str(message) if message not in (None, "") else None,
            )
        )
    return sorted(results, key=lambda result: result.index)
