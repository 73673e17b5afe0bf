"""Docebo's documents: built from the seeded world, and rendered for answers.

Course enrollments are stored as the ``/course/v1/courses/enrollments`` item and learning-plan
enrollments as the ``/learningplan/v1/learningplans/enrollments`` item, in one table (one id
space, as Docebo's enrollment ids); a plan enrollment is the one with ``learning_plan_id``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from sandbox.seeding import (
    Assignment,
    LearningPlan,
    Offering,
    Person,
    PlanEnrollment,
    Session,
)
from sandbox.store import Doc
from sandbox.vendors.docebo.exceptions import BadRequest

DATE_FORMAT: Final = "%Y-%m-%d %H:%M:%S"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}:\d{2})?")

USER_BASE: Final = 10001
#: the tenant's own host, as webhooks (``original_domain``) and the learner view's links name it
DOMAIN: Final = "lmsbridge-sandbox.docebosaas.com"
TENANT_URL: Final = f"https://{DOMAIN}"
#: why a learner cannot enter a course, by enrollment status (the others can enter) [I]
CAN_ENTER_REASONS: Final[Mapping[str, str]] = {
    "waiting": "waiting_list",
    "to_confirm": "subscription_to_confirm",
    "suspended": "subscription_suspended",
}
LEVELS: Final[Mapping[int, str]] = {3: "learner", 4: "tutor", 6: "instructor", 7: "coach"}
LEVEL_NUMBERS: Final[Mapping[str, int]] = {
    "learner": 3,
    "student": 3,
    "tutor": 4,
    "instructor": 6,
    "coach": 7,
}
#: the scenario's neutral levels as Docebo names them
WORLD_LEVELS: Final[Mapping[str, str]] = {"student": "learner"}
#: neutral seeding states to Docebo statuses (Docebo has no "failed": a learner who failed the
#: final test is still in progress; a withdrawn learner is suspended)
STATE_STATUS: Final[Mapping[str, str]] = {
    "waiting": "waiting",
    "pending_approval": "to_confirm",
    "not_started": "subscribed",
    "in_progress": "in_progress",
    "completed": "completed",
    "passed": "completed",
    "failed": "in_progress",
    "withdrawn": "suspended",
}
LANGUAGES: Final[Mapping[str, str]] = {
    "en": "english",
    "de": "german",
    "fr": "french",
    "es": "spanish",
    "it": "italian",
    "nl": "dutch",
    "pt": "portuguese",
}
WEBINAR_TOOLS: Final[Mapping[str, str]] = {
    "zoom": "zoom",
    "msteams": "microsoft-teams",
    "webex": "webex",
    "gotomeeting": "gotomeeting",
}


def wire_date(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime(DATE_FORMAT) if value is not None else None


def parse_wire_date(value: Any, field: str) -> str | None:
    """A Docebo date (``YYYY-MM-DD HH:MM:SS``, ``YYYY-MM-DD`` or ISO with ``T``) in the long
    form."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _DATE.fullmatch(value.strip()):
        raise BadRequest(f"Invalid {field}: expected a date as YYYY-MM-DD or YYYY-MM-DD HH:MM:SS")
    text = value.strip().replace("T", " ")
    try:
        parsed = datetime.strptime(text, DATE_FORMAT if " " in text else "%Y-%m-%d")
    except ValueError:
        raise BadRequest(f"Invalid {field}: {text!r} is not a calendar date") from None
    return parsed.strftime(DATE_FORMAT)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def is_plan(doc: Doc) -> bool:
    return "learning_plan_id" in doc


# -- seeding -----------------------------------------------------------------------------------


def user_doc(person: Person) -> Doc:
    return {
        "user_id": str(USER_BASE + person.index),
        "username": person.username,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "fullname": f"{person.first_name} {person.last_name}",
        "email": person.email,
        "status": "1" if person.active else "0",
        "level": "godadmin" if person.is_admin else "user",
        "creation_date": wire_date(person.created_at),
        "last_access_date": wire_date(person.last_access_at),
        "last_update": wire_date(person.last_access_at or person.created_at),
        "language": LANGUAGES.get(person.language, "english"),
        "timezone": person.timezone,
        "expired": False,
    }


def course_doc(course: Offering, max_enrollments: int | None) -> Doc:
    digest = hashlib.sha256(course.code.encode()).hexdigest()[:6].upper()
    prefix = {"elearning": "E", "classroom": "C", "webinar": "W"}.get(course.kind, "E")
    return {
        "id_course": course.index + 1,
        "name": course.title,
        "code": course.code,
        "description": course.description,
        "course_type": course.kind,
        "uidCourse": f"{prefix}-{digest}",
        "slug_name": slug(course.title),
        "language": LANGUAGES.get(course.language, "english"),
        "lang_code": course.language,
        "status": "published",
        "duration": course.duration_seconds,
        "date_created": wire_date(course.created_at),
        "date_last_updated": wire_date(course.updated_at),
        "soft_deadline": course.soft_deadline,
        "max_enrollments": max_enrollments,
    }


def course_fields(course: Doc) -> Doc:
    """The course's part of a course-enrollment item."""
    return {
        "course_id": course["id_course"],
        "course_uid": course["uidCourse"],
        "course_code": course["code"],
        "course_name": course["name"],
        "course_type": course["course_type"],
        "course_begin_date": None,
        "course_end_date": None,
    }


def enrollment_doc(assignment: Assignment, person: Person, offering: Offering, course: Doc) -> Doc:
    status = STATE_STATUS[assignment.state]
    if status == "waiting" and offering.kind != "elearning" and assignment.index % 3 == 0:
        status = "overbooking"  # a session over capacity, for classroom and webinar courses
    assigner = assignment.assigned_by
    progress = assignment.progress_percent
    return {
        "user_id": USER_BASE + person.index,
        "username": person.username,
        **course_fields(course),
        "enrollment_level": WORLD_LEVELS.get(assignment.level, assignment.level),
        "enrollment_status": status,
        "enrollment_created_by": USER_BASE + (assigner if assigner is not None else person.index),
        "enrollment_created_at": wire_date(assignment.assigned_at),
        "enrollment_validity_begin_date": wire_date(assignment.valid_from),
        "enrollment_validity_end_date": wire_date(assignment.due_at),
        "enrollment_date_last_updated": wire_date(assignment.updated_at),
        "enrollment_completion_date": wire_date(assignment.completed_at)
        if status == "completed"
        else None,
        "enrollment_score": assignment.score,
        "enrollment_time_spent": assignment.time_spent_seconds,
        # a learner who failed the final test is in progress again: below 100%
        "enrollment_completion_percentage": min(progress, 99)
        if status == "in_progress"
        else progress,
        "enrollment_fields": {},
    }


def plan_doc(plan: LearningPlan) -> Doc:
    return {
        "learning_plan_id": plan.index + 1,
        "uuid": hashlib.sha256(f"lp:{plan.code}".encode()).hexdigest()[:32],
        "code": plan.code,
        "title": plan.title,
        "description": plan.description,
        "is_published": True,
        "courses_count": len(plan.courses),
        "created_on": wire_date(plan.created_at),
        "updated_on": wire_date(plan.updated_at),
        "courses": [index + 1 for index in plan.courses],
    }


def plan_enrollment_doc(enrollment: PlanEnrollment, person: Person, plan: Doc) -> Doc:
    assigner = enrollment.assigned_by
    return {
        "user_id": USER_BASE + person.index,
        "username": person.username,
        "learning_plan_id": plan["learning_plan_id"],
        "learning_plan_name": plan["title"],
        "learning_plan_code": plan["code"],
        "enrollment_status": enrollment.state,
        "enrollment_created_by": USER_BASE + (assigner if assigner is not None else person.index),
        "enrollment_created_at": wire_date(enrollment.assigned_at),
        "enrollment_validity_begin_date": None,
        "enrollment_validity_end_date": wire_date(enrollment.due_at),
        "enrollment_date_last_updated": wire_date(enrollment.updated_at),
        "enrollment_completion_date": wire_date(enrollment.completed_at),
        "enrollment_completion_percentage": enrollment.progress_percent,
        "enrollment_time_spent": enrollment.time_spent_seconds,
    }


def session_doc(session: Session, course: Doc, event_base: int = 1) -> Doc:
    """A session in the shape of the Connect doc's "enrolled sessions" output."""
    dates = []
    for event in session.events:
        local_start = event.starts_at.astimezone(ZoneInfo(event.timezone))
        local_end = event.ends_at.astimezone(ZoneInfo(event.timezone))
        dates.append(
            {
                "id_event": event.index + event_base,
                "date": local_start.strftime("%Y-%m-%d"),
                "name": event.name,
                "time_begin": local_start.strftime("%H:%M:%S"),
                "time_end": local_end.strftime("%H:%M:%S"),
                "timezone": event.timezone,
                "id_classroom": None
                if event.classroom is None
                else 1 + _stable(f"{event.location}/{event.classroom}"),
                "id_location": None if event.location is None else 1 + _stable(event.location),
                "classroom_name": event.classroom,
                "location_name": event.location,
            }
        )
    tool = WEBINAR_TOOLS.get(session.webinar_tool or "", session.webinar_tool)
    return {
        "id": session.index + 1,
        "course_id": course["id_course"],
        "name": session.name,
        "description": session.description,
        "other_info": "",
        "date_begin": wire_date(session.starts_at),
        "date_end": wire_date(session.ends_at),
        "timezone": session.timezone,
        "min_enrollments": session.min_enrollments,
        "max_enrollments": session.max_enrollments,
        "score_base": 100,
        "tool": tool,
        "location_name": session.location,
        "dates": dates,
    }


def _stable(name: str) -> int:
    return int(hashlib.sha256(name.encode()).hexdigest()[:6], 16) % 900


def roster_doc(
    user: Doc,
    session: Doc,
    *,
    status: str,
    enrolled_at: str | None,
    level: str,
    attendance: Mapping[int, str] | None = None,
) -> Doc:
    """A user's place in a session; ``attendance``: the marked events, by event id."""
    marked = attendance or {}
    return {
        "user_id": int(user["user_id"]),
        "username": user["username"],
        "course_id": session["course_id"],
        "session_id": session["id"],
        "status": status,
        "enrollment_date": enrolled_at,
        "level": level,
        "events": [
            {
                "id_event": date["id_event"],
                "rsvp": None,
                "rsvp_updated_at": None,
                "attendance_status": marked.get(date["id_event"]),
            }
            for date in session["dates"]
        ],
    }


def seeded_attendance(state: str, session: Session, reference: datetime) -> dict[int, str]:
    """A seeded learner's attendance of a session's events that ended before ``reference``
    (by event id): ``present`` for one who has started the course, ``absent`` for one who has
    not or has withdrawn. Events still to come are not marked [I]."""
    mark = "present" if state in ("in_progress", "completed", "passed", "failed") else "absent"
    return {event.index + 1: mark for event in session.events if event.ends_at <= reference}


# -- the learner view --------------------------------------------------------------------------


def learner_links(kind: str, item_id: int, name: str) -> Doc:
    """The learner view's ``image_url`` and ``url`` (the tenant's learner pages) [I]."""
    path = "course" if kind == "course" else "lp"
    return {
        "image_url": f"{TENANT_URL}/files/thumbnails/{path}-{item_id}.png",
        "url": f"{TENANT_URL}/learn/{path}/{item_id}/{slug(name)}",
    }


def learner_course_item(
    doc: Doc,
    course: Doc,
    rating: int | None,
    sessions: Sequence[tuple[Doc, Doc]],
    details: bool,
    total_users: int = 0,
) -> Doc:
    """A course enrollment as ``GET /learn/v1/enrollments`` renders it (``id`` is the course).

    ``sessions``: (session, the user's roster entry) for the user's sessions of the course;
    ``total_users``: the course's enrollments."""
    first = sessions[0][0] if sessions else None
    first_date = first["dates"][0] if first and first["dates"] else None
    status = doc["enrollment_status"]
    return {
        "id": doc["course_id"],
        "user_id": doc["user_id"],
        "username": doc["username"],
        "name": doc["course_name"],
        "code": doc["course_code"],
        "type": doc["course_type"],
        "status": doc["enrollment_status"],
        "level": doc["enrollment_level"],
        "slug": course.get("slug_name"),
        "description": course.get("description"),
        "lang_code": course.get("lang_code"),
        "enroll_begin_date": doc["enrollment_validity_begin_date"],
        "enroll_end_date": doc["enrollment_validity_end_date"],
        "enroll_date_of_enrollment": doc["enrollment_created_at"],
        "course_complete_date": doc["enrollment_completion_date"],
        "total_time": doc["enrollment_time_spent"],
        "score": doc["enrollment_score"],
        "rating": rating,
        "complete_percent": doc["enrollment_completion_percentage"],
        "date_last_updated": doc["enrollment_date_last_updated"],
        "subscribed_by": doc["enrollment_created_by"],
        "duration": course.get("duration"),
        **learner_links("course", doc["course_id"], doc["course_name"]),
        # the sandbox rates completed enrollments only (its seeded ratings are theirs)
        "rating_option": "only_completed",
        "can_enter": status not in CAN_ENTER_REASONS,
        "can_enter_reason": CAN_ENTER_REASONS.get(status),
        "is_new": status == "subscribed",
        "soft_deadline": course.get("soft_deadline"),
        "course_end_date": doc["course_end_date"],
        "hidden": False,
        "subscription": {"subscribed": False, "is_active": False},
        "outdated": {"total_users": total_users, "already_marked": False},
        "location_name": first_date["location_name"] if first_date else None,
        "webinar_tool": first["tool"] if first else None,
        "session_begin_date": first_date["date"] if first_date else None,
        "session_time_begin": first_date["time_begin"] if first_date else None,
        "session_timezone": first_date["timezone"] if first_date else None,
        "enrolled_sessions": [_enrolled_session(session, entry) for session, entry in sessions]
        if details
        else [],
    }


def _enrolled_session(session: Doc, entry: Doc) -> Doc:
    """One of the user's sessions: the session, the user's ``status`` in it, and per event the
    user's ``attendance_status`` (null until marked)."""
    keys = (
        "id", "name", "description", "other_info", "date_begin", "date_end",
        "min_enrollments", "max_enrollments", "score_base", "tool",
    )  # fmt: skip
    attendance = {event["id_event"]: event["attendance_status"] for event in entry["events"]}
    dates = [
        {**date, "attendance_status": attendance.get(date["id_event"])} for date in session["dates"]
    ]
    return {**{key: session[key] for key in keys}, "dates": dates, "status": entry["status"]}


def learner_plan_item(doc: Doc, plan: Doc, total_users: int = 0) -> Doc:
    """A learning-plan enrollment as ``GET /learn/v1/enrollments`` renders it;
    ``total_users``: the plan's enrollments."""
    return {
        "id": doc["learning_plan_id"],
        "user_id": doc["user_id"],
        "username": doc["username"],
        "name": doc["learning_plan_name"],
        "code": doc["learning_plan_code"],
        "type": "learning_plan",
        "status": doc["enrollment_status"],
        "level": "learner",
        "slug": slug(doc["learning_plan_name"]),
        "description": plan.get("description"),
        "lang_code": None,
        "enroll_begin_date": doc["enrollment_validity_begin_date"],
        "enroll_end_date": doc["enrollment_validity_end_date"],
        "enroll_date_of_enrollment": doc["enrollment_created_at"],
        "course_complete_date": doc["enrollment_completion_date"],
        "total_time": doc["enrollment_time_spent"],
        "score": None,
        "rating": None,
        "complete_percent": doc["enrollment_completion_percentage"],
        "date_last_updated": doc["enrollment_date_last_updated"],
        "subscribed_by": doc["enrollment_created_by"],
        "duration": None,
        **learner_links("plan", doc["learning_plan_id"], doc["learning_plan_name"]),
        "rating_option": "disabled",
        "can_enter": True,
        "can_enter_reason": None,
        "is_new": doc["enrollment_status"] == "not_started",
        "soft_deadline": None,
        "course_end_date": None,
        "hidden": False,
        "subscription": {"subscribed": False, "is_active": False},
        "outdated": {"total_users": total_users, "already_marked": False},
        "courses_count": plan.get("courses_count"),
        "enrolled_sessions": [],
    }
