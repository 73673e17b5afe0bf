"""What a connector can do, declared up front so callers can ask before they try."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Operation(StrEnum):
    LIST_USERS = "list_users"
    LIST_COURSES = "list_courses"
    LIST_ENROLLMENTS = "list_enrollments"
    ENROLL = "enroll"
    UNENROLL = "unenroll"
    LIST_SESSIONS = "list_sessions"
    ENROLL_SESSION = "enroll_session"
    UNENROLL_SESSION = "unenroll_session"
    UPDATE_RSVP = "update_rsvp"
    LIST_LEARNING_PLANS = "list_learning_plans"
    LIST_LEARNING_PLAN_ENROLLMENTS = "list_learning_plan_enrollments"
    UNENROLL_LEARNING_PLAN = "unenroll_learning_plan"
    LIST_SKILLS = "list_skills"


class EnrollOption(StrEnum):
    """Options an enroll call may carry; each connector accepts a subset."""

    LEVEL = "level"
    VALID_FROM = "valid_from"
    VALID_UNTIL = "valid_until"
    DUE_AT = "due_at"
    MANDATORY = "mandatory"
    SESSION = "session"
    #: how the due date is set: one of the connector's ``Capabilities.due_date_types``
    DUE_DATE_TYPE = "due_date_type"
    #: the due date as a number of hours after the start of access (``due_period``)
    DUE_PERIOD_HOURS = "due_period_hours"
    #: lock the course once its due date has passed (a bool)
    LOCK_AFTER_DUE = "lock_after_due"
    #: custom fields of the enrollment itself (a mapping of field id or name to value)
    ENROLLMENT_FIELDS = "enrollment_fields"


@dataclass(frozen=True, slots=True)
class Capabilities:
    operations: frozenset[Operation]
    enroll_options: frozenset[EnrollOption] = frozenset()
    #: enrollment filters applied server-side (``user_ids``, ``course_ids``, ``statuses``)
    enrollment_filters: frozenset[str] = frozenset()
    #: enrollment levels (roles) the vendor knows, for the ``level`` option
    levels: tuple[str, ...] = ()
    #: the ways the vendor sets a due date, for the ``due_date_type`` option (iSpring:
    #: ``default``, ``unlimited``, ``due_date``, ``due_period``); the first is the one used
    #: when an enroll names no type, no due date and no period
    due_date_types: tuple[str, ...] = ()

    def supports(self, operation: Operation) -> bool:
        return operation in self.operations
