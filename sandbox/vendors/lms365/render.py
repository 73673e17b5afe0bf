"""LMS365's entity types, GUIDs, date-times, and the tenant built from the seeded world.

Every entity is stored exactly as it renders (wire property names, in wire order), so the
``$filter`` interpreter reads the stored document. A group also stores ``_Members`` (its
members' user ids), which no entity type declares, so it never renders.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

from sandbox.seeding import SESSION_KINDS, Assignment, Offering, Person, Session, World
from sandbox.store import Doc
from sandbox.vendors.lms365.odata import (
    BOOLEAN,
    DATETIME,
    DECIMAL,
    GUID,
    GUIDS,
    INT,
    STRING,
    EntityType,
    Navigation,
)

USER: Final = EntityType(
    "User",
    {
        "Id": GUID,
        "LoginName": STRING,
        "Email": STRING,
        "FirstName": STRING,
        "LastName": STRING,
        "FullName": STRING,
        "JobTitle": STRING,
        "Department": STRING,
        "Language": STRING,
        "IsActive": BOOLEAN,
        "IsExternal": BOOLEAN,
        "Created": DATETIME,
        "Modified": DATETIME,
    },
    non_filterable=frozenset({"IsExternal"}),
)
COURSE: Final = EntityType(
    "Course",
    {
        "Id": GUID,
        "Title": STRING,
        "Description": STRING,
        "Code": STRING,
        "CourseType": STRING,
        "EnrollmentType": STRING,
        "Category": STRING,
        "Language": STRING,
        "Duration": INT,
        "CEU": DECIMAL,
        "TimeZone": STRING,
        "IsPublished": BOOLEAN,
        "Created": DATETIME,
        "Modified": DATETIME,
    },
    non_filterable=frozenset({"TimeZone"}),
    navigations={"CourseSessions": Navigation("CourseSessions", many=True, key="CourseId")},
)
COURSE_SESSION: Final = EntityType(
    "CourseSession",
    {
        "Id": GUID,
        "CourseId": GUID,
        "Title": STRING,
        "Description": STRING,
        "StartDate": DATETIME,
        "EndDate": DATETIME,
        "TimeZoneName": STRING,
        "Location": STRING,
        "Room": STRING,
        "MeetingTool": STRING,
        "MinAttendees": INT,
        "MaxAttendees": INT,
        "Created": DATETIME,
        "Modified": DATETIME,
    },
    non_filterable=frozenset({"TimeZoneName", "Room"}),
    navigations={"Course": Navigation("Courses", many=False, key="CourseId")},
)
ENROLLMENT: Final = EntityType(
    "Enrollment",
    {
        "Id": GUID,
        "CourseId": GUID,
        "UserId": GUID,
        "UserLoginName": STRING,
        "RegistrationDate": DATETIME,
        "StartDate": DATETIME,
        "CompletionDate": DATETIME,
        "DueDate": DATETIME,
        "CoursePassingStatus": INT,
        "Progress": INT,
        "Score": DECIMAL,
        "CEU": DECIMAL,
        "CourseDuration": INT,
        "CourseSessionIds": GUIDS,
        "Modified": DATETIME,
    },
    navigations={
        "User": Navigation("Users", many=False, key="UserId"),
        "Course": Navigation("Courses", many=False, key="CourseId"),
    },
)
GROUP: Final = EntityType(
    "Group",
    {
        "Id": GUID,
        "LoginName": STRING,
        "Title": STRING,
        "Email": STRING,
        "MemberCount": INT,
        "Created": DATETIME,
    },
)
#: entity set name -> entity type
ENTITY_SETS: Final[Mapping[str, EntityType]] = {
    "Users": USER,
    "Courses": COURSE,
    "CourseSessions": COURSE_SESSION,
    "Enrollments": ENROLLMENT,
    "Groups": GROUP,
}

# CoursePassingStatus
COMPLETED: Final = 0
NOT_STARTED: Final = 1
IN_PROGRESS: Final = 2
PASSING_STATUS_NAMES: Final = {
    COMPLETED: "Completed",
    NOT_STARTED: "Not Started",
    IN_PROGRESS: "In Progress",
}
#: the neutral states as CoursePassingStatus; ``withdrawn`` has no enrollment (unenrolled)
STATE_STATUS: Final[Mapping[str, int]] = {
    "waiting": NOT_STARTED,
    "pending_approval": NOT_STARTED,
    "not_started": NOT_STARTED,
    "in_progress": IN_PROGRESS,
    "failed": IN_PROGRESS,
    "completed": COMPLETED,
    "passed": COMPLETED,
}

E_LEARNING: Final = "ELearning"
INSTRUCTOR_LED: Final = "InstructorLed"
SINGLE_SESSION: Final = "SingleSession"
MULTIPLE_SESSIONS: Final = "MultipleSessions"
ALL_SESSIONS: Final = "AllSessions"
ENROLLMENT_TYPES: Final = (SINGLE_SESSION, MULTIPLE_SESSIONS, ALL_SESSIONS)

USER_CLAIM: Final = "i:0#.f|membership|"
GROUP_CLAIM: Final = "c:0o.c|federateddirectoryclaimprovider|"


def guid(seed: int, kind: str, key: object) -> str:
    """The GUID of record ``key`` of ``kind``: 128 bits of a SHA-256 of (seed, kind, key),
    stamped as a version-4 UUID (same seed, same GUIDs; never a random source)."""
    digest = hashlib.sha256(f"lms365:{seed}:{kind}:{key}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def timestamp(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` in UTC, whole seconds (fixed width, so it sorts as text)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def maybe_timestamp(moment: datetime | None) -> str | None:
    return timestamp(moment) if moment is not None else None


def user_login(email: str) -> str:
    return USER_CLAIM + email.lower()


def ceu(duration_seconds: int) -> float:
    """Continuing-education units: one per ten contact hours, to two decimals."""
    return round(duration_seconds / 36_000, 2)


# -- the seeded tenant -------------------------------------------------------------------------


def user_doc(seed: int, person: Person) -> Doc:
    created = timestamp(person.created_at)
    return {
        "Id": guid(seed, "user", person.index + 1),
        "LoginName": user_login(person.email),
        "Email": person.email,
        "FirstName": person.first_name,
        "LastName": person.last_name,
        "FullName": f"{person.first_name} {person.last_name}",
        "JobTitle": person.job_title,
        "Department": person.department,
        "Language": person.language,
        "IsActive": person.active,
        "IsExternal": False,
        "Created": created,
        "Modified": timestamp(person.last_access_at or person.created_at),
    }


def enrollment_type(course: Offering, ordinal: int) -> str | None:
    """The ILT enrollment type of a course: the instructor-led courses take the three types in
    turn (``ordinal`` counts them); e-learning courses have none."""
    if course.kind not in SESSION_KINDS:
        return None
    return ENROLLMENT_TYPES[ordinal % len(ENROLLMENT_TYPES)]


def course_doc(seed: int, course: Offering, kind: str | None, sessions: Sequence[Session]) -> Doc:
    return {
        "Id": guid(seed, "course", course.index + 1),
        "Title": course.title,
        "Description": course.description,
        "Code": course.code,
        "CourseType": E_LEARNING if kind is None else INSTRUCTOR_LED,
        "EnrollmentType": kind,
        "Category": course.category,
        "Language": course.language,
        "Duration": course.duration_seconds // 60,
        "CEU": ceu(course.duration_seconds),
        "TimeZone": sessions[0].timezone if sessions else None,
        "IsPublished": True,
        "Created": timestamp(course.created_at),
        "Modified": timestamp(course.updated_at),
    }


def session_doc(seed: int, session: Session, course: Doc) -> Doc:
    first = session.events[0] if session.events else None
    return {
        "Id": guid(seed, "session", session.index + 1),
        "CourseId": course["Id"],
        "Title": session.name,
        "Description": session.description,
        "StartDate": timestamp(session.starts_at),
        "EndDate": timestamp(session.ends_at),
        "TimeZoneName": session.timezone,
        "Location": session.location,
        "Room": first.classroom if first else None,
        "MeetingTool": session.webinar_tool,
        "MinAttendees": session.min_enrollments,
        "MaxAttendees": session.max_enrollments,
        "Created": course["Created"],
        "Modified": course["Modified"],
    }


def enrollment_doc(
    seed: int,
    assignment: Assignment,
    user: Doc,
    course: Doc,
    session_ids: Sequence[str],
) -> Doc:
    status = STATE_STATUS[assignment.state]
    return {
        "Id": guid(seed, "enrollment", assignment.index + 1),
        "CourseId": course["Id"],
        "UserId": user["Id"],
        "UserLoginName": user["LoginName"],
        "RegistrationDate": timestamp(assignment.assigned_at),
        "StartDate": maybe_timestamp(assignment.started_at),
        "CompletionDate": maybe_timestamp(assignment.completed_at) if status == COMPLETED else None,
        "DueDate": maybe_timestamp(assignment.due_at),
        "CoursePassingStatus": status,
        "Progress": assignment.progress_percent,
        "Score": assignment.score,
        "CEU": course["CEU"],
        "CourseDuration": course["Duration"],
        "CourseSessionIds": list(session_ids),
        "Modified": timestamp(assignment.updated_at),
    }


def group_doc(seed: int, number: int, department: str, members: Sequence[Doc], domain: str) -> Doc:
    group_id = guid(seed, "group", number)
    slug = re.sub(r"[^a-z0-9]+", "-", department.lower()).strip("-")
    return {
        "Id": group_id,
        "LoginName": GROUP_CLAIM + group_id,
        "Title": department,
        "Email": f"{slug}@{domain}",
        "MemberCount": len(members),
        "Created": min(m["Created"] for m in members),
        "_Members": [m["Id"] for m in members],
    }


def seed_docs(seed: int, world: World) -> dict[str, dict[int, Doc]]:
    """Every table of the tenant, by entity set name, each by doc id."""
    users = {p.index + 1: user_doc(seed, p) for p in world.people}
    by_course: dict[int, list[Session]] = {}
    for session in world.sessions:
        by_course.setdefault(session.course, []).append(session)
    courses: dict[int, Doc] = {}
    ordinal = 0
    for offering in world.courses:
        kind = enrollment_type(offering, ordinal)
        ordinal += kind is not None
        courses[offering.index + 1] = course_doc(
            seed, offering, kind, by_course.get(offering.index, [])
        )
    sessions = {s.index + 1: session_doc(seed, s, courses[s.course + 1]) for s in world.sessions}
    session_guids: dict[int, list[str]] = {}
    for s in sorted(world.sessions, key=lambda s: (s.starts_at, sessions[s.index + 1]["Id"])):
        session_guids.setdefault(s.course, []).append(sessions[s.index + 1]["Id"])
    enrollments: dict[int, Doc] = {}
    for a in world.assignments:
        if a.state not in STATE_STATUS:
            continue  # withdrawn: unenrolled, so LMS365 lists no enrollment
        course = courses[a.course + 1]
        registered: list[str] = []
        if a.session is not None:
            if course["EnrollmentType"] == ALL_SESSIONS:
                registered = session_guids.get(a.course, [])
            else:
                registered = [sessions[a.session + 1]["Id"]]
        enrollments[a.index + 1] = enrollment_doc(seed, a, users[a.person + 1], course, registered)
    departments: dict[str, list[Doc]] = {}
    for person in world.people:
        if person.active:
            departments.setdefault(person.department, []).append(users[person.index + 1])
    domain = world.scenario.company_domain
    groups = {
        n: group_doc(seed, n, name, members, domain)
        for n, (name, members) in enumerate(sorted(departments.items()), start=1)
    }
    return {
        "Users": users,
        "Courses": courses,
        "CourseSessions": sessions,
        "Enrollments": enrollments,
        "Groups": groups,
    }


def notification(
    kind: str, user: Doc, course: Doc, enrollment: Doc, session_ids: Sequence[str]
) -> dict[str, Any]:
    """The e-mail LMS365 sends a learner, as recorded in the event log."""
    subjects = {
        "enrollment": f"You have been enrolled in {course['Title']}",
        "session_selection_required": (
            f"You have been enrolled in {course['Title']}: select a session"
        ),
        "session_registration": f"You have been registered for a session of {course['Title']}",
        "unenrollment": f"You have been unenrolled from {course['Title']}",
    }
    return {
        "Notification": kind,
        "To": user["Email"],
        "Subject": subjects[kind],
        "UserId": user["Id"],
        "UserLoginName": user["LoginName"],
        "CourseId": course["Id"],
        "EnrollmentId": enrollment["Id"],
        "CourseSessionIds": list(session_ids),
    }
