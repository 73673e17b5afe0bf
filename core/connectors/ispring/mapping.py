"""iSpring Learn wire records to normalized models: pure functions, one status table.

An iSpring ``Enrollment`` says who is enrolled in what and on which schedule; the learner's
progress is a separate ``LearnerResult`` (``GET /learners/results``), one per enrollment, joined
here by ``enrollmentId`` (by the (learner, course) pair when a result carries no id: a pair has
at most one enrollment). The status comes from the result's ``completionStatus`` through
``STATUS_MAP``:

=================  ===========  ======================================================
completionStatus   normalized   why
=================  ===========  ======================================================
not_started        enrolled     enrolled, not opened yet
in_progress        in_progress
pending            in_progress  waiting for an instructor's review: not finished
incomplete         in_progress  opened, the completion criteria not met yet
complete           completed    finished, no pass/fail
accepted           completed    an assignment the reviewer accepted
passed             passed
failed             failed
declined           failed       an assignment the reviewer declined
anything else      unknown
no result          unknown      iSpring returned no result for the enrollment
=================  ===========  ======================================================

An unfinished enrollment (``not_started``, ``in_progress``, ``pending``, ``incomplete``) whose
result says ``isOverdue`` is ``overdue``; a finished one keeps its status whatever its due
date. The raw status stays in ``remote_data["result"]["completionStatus"]``.

Enrollment fields: ``enrolled_at`` is the start of access (``accessDate``: iSpring's enrollment
date, "now" unless the admin scheduled it later; the result's date-time, else the enrollment's
date); ``started_at`` stays unset (iSpring does not say when a learner first opened a course);
``due_at`` is the result's ``dueDate``, else the enrollment's date at the end of that day;
``completed_at`` is ``completionDate``; ``progress_percent`` is ``progress`` (0-100);
``score`` is ``awardedScore``; ``time_spent_seconds`` is ``timeSpent`` (seconds, as the
document's ``LearnerResult`` says); ``course.title`` is the result's ``courseTitle``.
``remote_data`` is ``{"enrollment": <Enrollment>, "result": <LearnerResult or None>}``.

Users: ``id`` and ``remote_id`` are the ``userId``; names, login and email come from
``fields``; ``status`` is ``active``, ``inactive`` or ``terminated`` after ``USER_STATUSES``
(v2 answers: 1, 3, 5). Courses: every content item (courses, learning tracks, standalone
materials) is a ``Course``; ``type`` is ``contentItemType`` (else the deprecated ``type``),
and the whole item, both type fields included, stays in ``remote_data``.

Schedules: ``schedule`` builds the ``dueDateType``/``dueDate``/``duePeriod``/``accessDate``/
``lockAfterDueDate`` fields shared by enrolling, changing and re-enrolling, and refuses a
contradictory or incomplete one before any request (``ValueError``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Final

from core.capabilities import EnrollOption
from core.connectors.ispring import wire
from core.models import (
    Course,
    Email,
    Enrollment,
    EnrollmentStatus,
    Refs,
    User,
    raw_payload,
)

VENDOR: Final = "ispring"

STATUS_MAP: Final[Mapping[str, EnrollmentStatus]] = {
    "not_started": EnrollmentStatus.ENROLLED,
    "in_progress": EnrollmentStatus.IN_PROGRESS,
    "pending": EnrollmentStatus.IN_PROGRESS,
    "incomplete": EnrollmentStatus.IN_PROGRESS,
    "complete": EnrollmentStatus.COMPLETED,
    "accepted": EnrollmentStatus.COMPLETED,
    "passed": EnrollmentStatus.PASSED,
    "failed": EnrollmentStatus.FAILED,
    "declined": EnrollmentStatus.FAILED,
}
#: the statuses a due date can still make overdue
UNFINISHED: Final = frozenset({"not_started", "in_progress", "pending", "incomplete"})
USER_STATUSES: Final[Mapping[int, str]] = {1: "active", 3: "inactive", 5: "terminated"}

#: ``dueDateType``: the course's own default, none, a date, a number of hours after access
DUE_DATE_TYPES: Final = ("default", "unlimited", "due_date", "due_period")
DEFAULT_DUE_DATE_TYPE: Final = "default"

Moment = datetime | date | str


def _str(value: Any) -> str:
    if value.__class__ is str:  # most values: no call to str()
        return value
    return "" if value is None else str(value)


def _number(value: Any) -> float | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _whole(value: Any) -> int | None:
    number = _number(value)
    return None if number is None else int(number)


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return bool(value)


def _object(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def map_status(completion_status: Any, is_overdue: Any = False) -> EnrollmentStatus:
    """A result's status (see the table); an unfinished overdue one is ``overdue``."""
    raw = _str(completion_status).strip().lower()
    status = STATUS_MAP.get(raw, EnrollmentStatus.UNKNOWN)
    if raw in UNFINISHED and _truthy(is_overdue):
        return EnrollmentStatus.OVERDUE
    return status


def completion_statuses_for(wanted: Iterable[EnrollmentStatus]) -> list[str] | None:
    """The ``completionStatuses`` that can give the ``wanted`` normalized statuses, for the
    results filter; None when no server filter can select them all (``unknown`` comes from
    results iSpring does not have) and the caller must read every result."""
    statuses = set(wanted)
    if not statuses or EnrollmentStatus.UNKNOWN in statuses:
        return None
    found = {raw for raw, status in STATUS_MAP.items() if status in statuses}
    if EnrollmentStatus.OVERDUE in statuses:
        found |= UNFINISHED
    return sorted(found)


def map_user(item: Mapping[str, Any]) -> User:
    fields = _object(item.get("fields"))
    first = fields.get("first_name") or None
    last = fields.get("last_name") or None
    email = fields.get("email") or None
    user_id = _str(item.get("userId"))
    return User(
        id=user_id,
        vendor=VENDOR,
        remote_id=user_id,
        first_name=first,
        last_name=last,
        name=" ".join(p for p in (first, last) if p) or None,
        username=fields.get("login") or None,
        emails=(Email(email=str(email), is_primary=True),) if email else (),
        status=USER_STATUSES.get(_whole(item.get("status")) or 0),
        created_at=wire.parse_datetime(item.get("addedDate")),
        remote_data=dict(item),
    )


def map_course(item: Mapping[str, Any]) -> Course:
    content_id = _str(item.get("contentItemId"))
    return Course(
        id=content_id,
        vendor=VENDOR,
        remote_id=content_id,
        title=_str(item.get("title")),
        description=item.get("description") or None,
        type=item.get("contentItemType") or item.get("type") or None,
        created_at=wire.parse_datetime(item.get("addedDate")),
        remote_data=dict(item),
    )


def _pair(user_id: Any, course_id: Any) -> tuple[str, str]:
    return _str(user_id).lower(), _str(course_id).lower()


#: a result as decoded, and what a record keeps of it (its JSON text, or the result itself)
Kept = tuple[Mapping[str, Any], Mapping[str, Any]]


class ResultIndex:
    """Learner results by enrollment id, and by (learner, course) for a result without one;
    each with what an enrollment's ``remote_data`` keeps of it (``core.remote``)."""

    __slots__ = ("_by_id", "_by_pair")

    def __init__(self, results: Sequence[Mapping[str, Any]] = ()) -> None:
        self._by_id: dict[str, Kept] = {}
        self._by_pair: dict[tuple[str, str], Kept] = {}
        self.add(results)

    def add(
        self, results: Sequence[Mapping[str, Any]], texts: Sequence[Mapping[str, Any]] | None = None
    ) -> None:
        """Index ``results``; ``texts``, when given, are their JSON texts, in the same order."""
        for result, kept in zip(results, results if texts is None else texts, strict=True):
            enrollment_id = result.get("enrollmentId")
            if enrollment_id:
                self._by_id[_str(enrollment_id).lower()] = (result, kept)
            else:
                self._by_pair[_pair(result.get("userId"), result.get("courseId"))] = (result, kept)

    def __len__(self) -> int:
        return len(self._by_id) + len(self._by_pair)

    def lookup(self, enrollment: Mapping[str, Any]) -> Kept | None:
        """The result of an enrollment and what to keep of it; None when iSpring returned none."""
        found = self._by_id.get(_str(enrollment.get("enrollmentId")).lower())
        if found is not None or not self._by_pair:
            return found
        return self._by_pair.get(_pair(enrollment.get("learnerId"), enrollment.get("courseId")))

    def find(self, enrollment: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """The result of an enrollment, or None when iSpring returned none."""
        found = self.lookup(enrollment)
        return None if found is None else found[0]


def map_enrollment(
    item: Mapping[str, Any], result: Mapping[str, Any] | None, refs: Refs | None = None
) -> Enrollment:
    """An ``Enrollment`` joined with its ``LearnerResult`` (see the module docstring); ``refs``,
    a listing's, shares the user and course refs."""
    if refs is None:
        refs = Refs()
    found = result or {}
    enrollment_id = _str(item.get("enrollmentId"))
    status = (
        map_status(found.get("completionStatus"), found.get("isOverdue"))
        if result is not None
        else EnrollmentStatus.UNKNOWN
    )
    return Enrollment(
        id=enrollment_id,
        vendor=VENDOR,
        remote_id=enrollment_id,
        user=refs.user(_str(item.get("learnerId") or found.get("userId"))),
        course=refs.course(
            _str(item.get("courseId") or found.get("courseId")),
            found.get("courseTitle") or None,
        ),
        status=status,
        enrolled_at=wire.parse_datetime(found.get("accessDate"))
        or wire.parse_datetime(item.get("accessDate")),
        due_at=wire.parse_datetime(found.get("dueDate"), end_of_day=True)
        or wire.parse_datetime(item.get("dueDate"), end_of_day=True),
        completed_at=wire.parse_datetime(found.get("completionDate")),
        progress_percent=_number(found.get("progress")),
        score=_number(found.get("awardedScore")),
        time_spent_seconds=_whole(found.get("timeSpent")),
        # the decoded payloads themselves, not copies (read-only, as every record's)
        remote_data={
            "enrollment": raw_payload(item),
            "result": raw_payload(result) if result else None,
        },
    )


def is_pair(item: Mapping[str, Any], user_id: str, course_id: str) -> bool:
    """Whether a wire ``Enrollment`` is ``user_id``'s in ``course_id`` (ids compared ignoring
    case)."""
    return pair_of(item) == pair_key(user_id, course_id)


def pair_of(item: Mapping[str, Any]) -> tuple[str, str]:
    """A wire ``Enrollment``'s (learner, course): ids as text, case ignored (to index many)."""
    return _pair(item.get("learnerId"), item.get("courseId"))


def pair_key(user_id: str, course_id: str) -> tuple[str, str]:
    """(learner, course) as ``pair_of`` gives a wire enrollment's."""
    return _pair(user_id, course_id)


# -- schedules ---------------------------------------------------------------------------------


def schedule(
    *,
    due_date_type: str | None = None,
    due_date: Moment | None = None,
    due_period_hours: int | None = None,
    access_date: Moment | None = None,
    lock_after_due_date: bool | None = None,
) -> dict[str, Any]:
    """The schedule fields of an enroll, change or reenroll body. Without ``due_date_type`` it
    is ``due_date`` when a due date is given, ``due_period`` when hours are, else
    ``default`` (the course's own default due period). ``ValueError`` for an unknown type, a
    type without what it needs, or a date or hours the type would ignore."""
    kind = due_date_type
    if kind is None:
        kind = (
            "due_date"
            if due_date is not None
            else "due_period"
            if due_period_hours is not None
            else DEFAULT_DUE_DATE_TYPE
        )
    if kind not in DUE_DATE_TYPES:
        raise ValueError(f"unknown due date type {kind!r}; use one of {', '.join(DUE_DATE_TYPES)}")
    if kind == "due_date" and due_date is None:
        raise ValueError("the due date type due_date needs a due date")
    if kind != "due_date" and due_date is not None:
        raise ValueError(f"a due date is only used with the due date type due_date, not {kind}")
    if kind == "due_period":
        if (
            isinstance(due_period_hours, bool)
            or not isinstance(due_period_hours, int)
            or due_period_hours < 1
        ):
            raise ValueError("the due date type due_period needs a whole number of hours, >= 1")
    elif due_period_hours is not None:
        raise ValueError(f"due period hours are only used with due_period, not {kind}")
    if lock_after_due_date is not None and not isinstance(lock_after_due_date, bool):
        raise ValueError("lock after due date must be true or false")
    body: dict[str, Any] = {"dueDateType": kind}
    if due_date is not None:
        body["dueDate"] = wire.format_moment(due_date)
    if due_period_hours is not None:
        body["duePeriod"] = due_period_hours
    if access_date is not None:
        body["accessDate"] = wire.format_moment(access_date)
    if lock_after_due_date is not None:
        body["lockAfterDueDate"] = lock_after_due_date
    return body


#: the enroll options iSpring honours, and the ``schedule`` argument each one fills
ENROLL_OPTIONS: Final[Mapping[EnrollOption, str]] = {
    EnrollOption.DUE_AT: "due_date",
    EnrollOption.VALID_FROM: "access_date",
    EnrollOption.DUE_DATE_TYPE: "due_date_type",
    EnrollOption.DUE_PERIOD_HOURS: "due_period_hours",
    EnrollOption.LOCK_AFTER_DUE: "lock_after_due_date",
}


def schedule_arguments(options: Mapping[EnrollOption, Any] | None) -> dict[str, Any]:
    """``enroll`` options as ``schedule`` arguments (options iSpring lacks are checked before)."""
    return {
        ENROLL_OPTIONS[option]: value
        for option, value in (options or {}).items()
        if option in ENROLL_OPTIONS and value is not None
    }
