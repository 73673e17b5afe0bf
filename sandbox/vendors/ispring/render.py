"""iSpring's documents: built from the seeded world, and rendered for answers.

Stored documents keep every date as an ISO 8601 UTC timestamp (``2026-11-01T09:30:00+00:00``,
so they compare as strings) and a few fields the wire does not show (a course's default due
period, a learner's department and status on each enrollment, for the scope and filter indexes).
The ``*_item`` functions render the wire objects of the document's schemas from them.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sandbox.seeding import Assignment, LearningPlan, Offering, Person, PlanEnrollment, World
from sandbox.store import Doc

#: neutral seeding states to ``completionStatus``; ``withdrawn`` has no enrollment at all (iSpring
#: lists no archived or deleted enrollments)
STATE_STATUS: Final[Mapping[str, str]] = {
    "waiting": "not_started",
    "pending_approval": "not_started",
    "not_started": "not_started",
    "in_progress": "in_progress",
    "completed": "complete",
    "passed": "passed",
    "failed": "failed",
}
PLAN_STATUS: Final[Mapping[str, str]] = {
    "not_started": "not_started",
    "in_progress": "in_progress",
    "completed": "complete",
}
COMPLETION_STATUSES: Final = (
    "not_started",
    "in_progress",
    "pending",
    "complete",
    "passed",
    "accepted",
    "incomplete",
    "failed",
    "declined",
)
#: statuses after which a due date no longer makes an enrollment overdue
FINISHED: Final = frozenset({"complete", "passed", "accepted", "failed", "declined"})
CONTENT_TYPES: Final = (
    "iSpringSuiteModule", "Audio", "Video", "Image", "Quiz", "Survey", "SCORM", "Course",
    "LearningTrack", "WordDocument", "PowerPointPresentation", "PDFDocument", "ExcelSpreadsheet",
    "RolePlay", "Link", "Assignment", "Book", "Interaction", "Page", "OnlineQuiz", "ExternalCourse",
)  # fmt: skip
ROLES: Final = ("learner", "administrator", "department_administrator", "publisher", "custom")
#: user status (v2): 1 active, 3 inactive, 5 terminated; v1 answers 3 for both of the last
ACTIVE, INACTIVE, TERMINATED = 1, 3, 5
#: ``ContentItemInformation.viewType`` (required, undescribed) [I]
VIEW_TYPE: Final = "default"
#: the account's host in view URLs
ACCOUNT_HOST: Final = "lmsbridge-sandbox.ispring.com"
#: the default due period of a course, by ``course index % 4`` (hours; None: no due date) [I]
DEFAULT_DUE_PERIODS: Final = (None, 7 * 24, 14 * 24, 30 * 24)
REGIONS: Final = ("North", "South")
SPLIT_DEPARTMENTS: Final = 3


def stable_uuid(seed: int, kind: str, key: object) -> str:
    """A UUID derived from (seed, kind, key): the same seed gives the same ids, byte for byte."""
    digest = hashlib.sha256(f"lmsbridge:ispring:{seed}:{kind}:{key}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).replace(microsecond=0).isoformat()


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value)


def wire_date(value: str | None) -> str | None:
    """A stored timestamp as ``format: date`` (``YYYY-MM-DD``)."""
    return value[:10] if value else None


def code_of(name: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "-", name.upper()).strip("-")


def company_name(domain: str) -> str:
    return " ".join(part.capitalize() for part in re.split(r"[-_]", domain.split(".")[0]))


# -- seeding -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tree:
    """The seeded department tree: the root, the world's departments, a few sub-departments."""

    docs: list[Doc]
    root_id: str
    #: world department name -> its department id
    by_name: Mapping[str, str]
    #: world department name -> the ids of its regional sub-departments (when split)
    regions: Mapping[str, tuple[str, ...]]
    #: the world departments split into regions, largest first (their admins manage them)
    split: tuple[str, ...]

    def of(self, person: Person) -> str:
        regions = self.regions.get(person.department)
        if not regions or person.index % 3 == 0:
            return self.by_name[person.department]
        return regions[person.index % 3 - 1]


def department_tree(world: World, seed: int) -> Tree:
    sizes = Counter(person.department for person in world.people)
    names = sorted(sizes)
    split = tuple(sorted(names, key=lambda n: (-sizes[n], n))[:SPLIT_DEPARTMENTS])
    root_name = company_name(world.scenario.company_domain)
    root_id = stable_uuid(seed, "department", "")
    docs: list[Doc] = [_department(root_id, root_name, None, "no_supervisor")]
    by_name: dict[str, str] = {}
    regions: dict[str, tuple[str, ...]] = {}
    for name in names:
        dept_id = by_name[name] = stable_uuid(seed, "department", name)
        docs.append(_department(dept_id, name, root_id, "inherit"))
        if name in split:
            subs = []
            for region in REGIONS:
                sub_id = stable_uuid(seed, "department", f"{name}/{region}")
                docs.append(_department(sub_id, f"{name} {region}", dept_id, "inherit"))
                subs.append(sub_id)
            regions[name] = tuple(subs)
    return Tree(docs=docs, root_id=root_id, by_name=by_name, regions=regions, split=split)


def _department(dept_id: str, name: str, parent: str | None, subordination: str) -> Doc:
    doc: Doc = {"departmentId": dept_id, "name": name}
    if parent is not None:
        doc["parentDepartmentId"] = parent
    doc["code"] = code_of(name)
    doc["subordination"] = {"subordinationType": subordination}
    doc["coSubordination"] = {"subordinationType": "no_supervisor"}
    return doc


def user_doc(
    *,
    user_id: str,
    role: str,
    role_id: str,
    department_id: str,
    status: int,
    fields: Mapping[str, str],
    added: datetime,
    last_login: datetime | None,
    manages: Sequence[str] = (),
) -> Doc:
    user_role: Doc = {"roleId": role_id, "roleType": role}
    doc: Doc = {
        "userId": user_id,
        "role": role,
        "roleId": role_id,
        "departmentId": department_id,
        "status": status,
        "fields": dict(fields),
        "addedDate": iso(added),
        # required by the document even for users who never logged in: empty then [I]
        "lastLoginDate": iso(last_login) or "",
    }
    if manages:
        doc["manageableDepartmentIds"] = list(manages)
        user_role["manageableDepartmentIds"] = list(manages)
    doc["userRoles"] = [user_role]
    doc["subordination"] = {"subordinationType": "inherit"}
    doc["coSubordination"] = {"subordinationType": "no_supervisor"}
    return doc


def person_fields(person: Person) -> dict[str, str]:
    return {
        "login": person.username,
        "email": person.email,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "job_title": person.job_title,
    }


def person_status(person: Person) -> int:
    if person.active:
        return ACTIVE
    return TERMINATED if person.index % 2 == 0 else INACTIVE


def view_url(content_id: str) -> str:
    return f"https://{ACCOUNT_HOST}/view/{content_id}"


def course_doc(course: Offering, content_id: str, author: str, passing_score: float | None) -> Doc:
    return {
        "contentItemId": content_id,
        "title": course.title,
        "subtitle": course.category,
        "description": course.description,
        "userId": author,
        "addedDate": iso(course.created_at),
        "viewUrl": view_url(content_id),
        "type": "Course",
        "contentItemType": "Course",
        "defaultDuePeriod": DEFAULT_DUE_PERIODS[course.index % len(DEFAULT_DUE_PERIODS)],
        "passingScore": passing_score,
        "duration": course.duration_seconds,
    }


def track_doc(plan: LearningPlan, content_id: str, author: str, courses: Sequence[str]) -> Doc:
    return {
        "contentItemId": content_id,
        "title": plan.title,
        "subtitle": f"Learning track of {len(courses)} courses",
        "description": plan.description,
        "userId": author,
        "addedDate": iso(plan.created_at),
        "viewUrl": view_url(content_id),
        "type": "LearningTrack",
        "contentItemType": "LearningTrack",
        "defaultDuePeriod": None,
        "passingScore": None,
        "duration": None,
        "courseIds": list(courses),
    }


def enrollment_doc(
    assignment: Assignment,
    *,
    enrollment_id: str,
    course: Doc,
    offering: Offering,
    user: Doc,
    certificate_id: str,
) -> Doc:
    status = STATE_STATUS[assignment.state]
    due = iso(assignment.due_at)
    started = assignment.started_at is not None
    completed = iso(assignment.completed_at) if status in FINISHED else None
    certificate = None
    if status in ("complete", "passed") and completed and offering.index % 2 == 0:
        issued = assignment.completed_at
        assert issued is not None
        certificate = {
            "issuedCertificateId": certificate_id,
            "issueDate": iso(issued),
            "expiryDate": iso(issued + timedelta(days=365)) if offering.index % 4 == 0 else None,
        }
    return {
        "enrollmentId": enrollment_id,
        "courseId": course["contentItemId"],
        "courseTitle": course["title"],
        "learnerId": user["userId"],
        "departmentId": user["departmentId"],
        "userStatus": user["status"],
        "accessDate": iso(assignment.valid_from or assignment.assigned_at),
        "dueDateType": "due_date" if due else "unlimited",
        "dueDate": due,
        "lockAfterDueDate": bool(due) and not offering.soft_deadline,
        "enrollmentTypeGroup": 1 if assignment.assigned_by is None else 0,
        "certificate": certificate,
        "completionStatus": status,
        "progress": float(assignment.progress_percent),
        "awardedScore": assignment.score,
        "passingScore": course["passingScore"] if assignment.score is not None else None,
        "timeSpent": assignment.time_spent_seconds,
        "completionDate": completed,
        "viewsCount": max(assignment.attempts, 1) if started else 0,
        "duration": course["duration"],
    }


def track_enrollment_doc(
    enrollment: PlanEnrollment, *, enrollment_id: str, track: Doc, user: Doc
) -> Doc:
    status = PLAN_STATUS[enrollment.state]
    due = iso(enrollment.due_at)
    return {
        "enrollmentId": enrollment_id,
        "courseId": track["contentItemId"],
        "courseTitle": track["title"],
        "learnerId": user["userId"],
        "departmentId": user["departmentId"],
        "userStatus": user["status"],
        "accessDate": iso(enrollment.assigned_at),
        "dueDateType": "due_date" if due else "unlimited",
        "dueDate": due,
        "lockAfterDueDate": False,
        "enrollmentTypeGroup": 1 if enrollment.assigned_by is None else 0,
        "certificate": None,
        "completionStatus": status,
        "progress": float(enrollment.progress_percent),
        "awardedScore": None,
        "passingScore": None,
        "timeSpent": enrollment.time_spent_seconds,
        "completionDate": iso(enrollment.completed_at) if status == "complete" else None,
        "viewsCount": 0 if status == "not_started" else 1,
        "duration": None,
    }


# -- wire objects ------------------------------------------------------------------------------


def _present(pairs: Mapping[str, Any]) -> Doc:
    return {key: value for key, value in pairs.items() if value is not None}


def user_item(doc: Doc, *, v2: bool) -> Doc:
    """``User`` (v1: status 3 for inactive and terminated alike) or ``UserV2``."""
    if v2 or doc["status"] != TERMINATED:
        return doc
    return {**doc, "status": INACTIVE}


def department_item(doc: Doc) -> Doc:
    return doc


def content_item(doc: Doc) -> Doc:
    """``ContentItemInformation``. ``viewType`` is required by the document's schema but never
    described: always ``"default"`` [I]."""
    keys = (
        "contentItemId", "title", "subtitle", "description", "userId", "addedDate", "viewUrl",
        "type",
    )  # fmt: skip
    return {
        **{key: doc[key] for key in keys},
        "viewType": VIEW_TYPE,
        "contentItemType": doc["contentItemType"],
    }


def enrollment_item(doc: Doc) -> Doc:
    """``Enrollment``: dates as ``YYYY-MM-DD``; ``expirationDate`` only with a due date and the
    lock on; ``certificate`` only when one was issued."""
    due = wire_date(doc["dueDate"])
    certificate = doc["certificate"]
    return _present(
        {
            "enrollmentId": doc["enrollmentId"],
            "courseId": doc["courseId"],
            "learnerId": doc["learnerId"],
            "accessDate": wire_date(doc["accessDate"]),
            "dueDate": due,
            "expirationDate": due if doc["lockAfterDueDate"] else None,
            "shouldLockAfterDueDate": bool(doc["lockAfterDueDate"]),
            "certificate": _present(
                {
                    "issuedCertificateId": certificate["issuedCertificateId"],
                    "issueDate": wire_date(certificate["issueDate"]),
                    "expiryDate": wire_date(certificate["expiryDate"]),
                }
            )
            if certificate
            else None,
            "enrollmentTypeGroup": doc["enrollmentTypeGroup"],
        }
    )


def is_overdue(doc: Doc, now: str) -> bool:
    due = doc["dueDate"]
    return bool(due) and due < now and doc["completionStatus"] not in FINISHED


def result_item(doc: Doc, now: str) -> Doc:
    """``LearnerResult``; ``now`` is the sandbox clock as a stored timestamp."""
    due = doc["dueDate"]
    return _present(
        {
            "userId": doc["learnerId"],
            "courseId": doc["courseId"],
            "courseTitle": doc["courseTitle"],
            "enrollmentId": doc["enrollmentId"],
            "accessDate": doc["accessDate"],
            "dueDate": due,
            "expirationDate": due if doc["lockAfterDueDate"] else None,
            "completionDate": doc["completionDate"],
            "duration": doc["duration"],
            "timeSpent": doc["timeSpent"],
            "completionStatus": doc["completionStatus"],
            "awardedScore": doc["awardedScore"],
            "passingScore": doc["passingScore"],
            "progress": doc["progress"],
            "isOverdue": is_overdue(doc, now),
            "viewsCount": doc["viewsCount"],
        }
    )
