"""Kombo's documents: ids, timestamps, and the tenant built from the seeded world.

Users and skills are stored exactly as Kombo renders them. A course is stored as
``{"item": <the course as rendered, revisions embedded>, "updated": <timestamp>, ...}`` where
``updated`` is the latest change of the course or of its revisions (what ``updated_after``
compares). A progression is stored as ``{"item": <its own fields>, "course_id", "score"}``; its
``user`` and ``course_revision`` objects are joined in when it is rendered, so they always show
the linked records as they are now.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

from sandbox.seeding import Assignment, Offering, Person, World
from sandbox.store import Doc

TOOL: Final = "sandbox"
"""The tool slug of the LMS behind the integration: Kombo's own LMS sandbox."""
PROVIDER_NAME: Final = "lmsbridge Content"

#: the scenario's neutral enrollment states as Kombo progression statuses
STATE_STATUS: Final[Mapping[str, str]] = {
    "waiting": "ENROLLED",
    "pending_approval": "ENROLLED",
    "not_started": "ENROLLED",
    "in_progress": "IN_PROGRESS",
    "failed": "IN_PROGRESS",
    "completed": "COMPLETED",
    "passed": "COMPLETED",
    "withdrawn": "DROPPED",
}

_ALPHABET: Final = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_TIMESTAMP: Final = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?)?Z?$")
ID_LENGTH: Final = 24
#: byte -> base58 character (``byte % 58``: a slight bias, irrelevant for opaque ids)
_BASE58: Final = bytes(ord(_ALPHABET[b % 58]) for b in range(256))


def opaque_id(text: str) -> str:
    """A Kombo-style id: 24 base58 characters drawn from a SHA-256 of ``text``."""
    return hashlib.sha256(text.encode()).digest()[:ID_LENGTH].translate(_BASE58).decode()


def kombo_id(seed: int, kind: str, key: object) -> str:
    """The Kombo id of record ``key`` (an index or sequence number) of ``kind``."""
    return opaque_id(f"kombo:{seed}:{kind}:{key}")


def timestamp(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:mm:ss.sssZ``, as Kombo writes every date-time (lexically ordered)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def maybe_timestamp(moment: datetime | None) -> str | None:
    return timestamp(moment) if moment is not None else None


def parse_timestamp(value: str) -> datetime | None:
    """A date-time in the document's pattern (``YYYY-MM-DD``, optional ``THH:MM:SS``, optional
    fraction, optional ``Z``; always UTC), or None when it does not match or is no calendar
    date."""
    if not _TIMESTAMP.match(value):
        return None
    day, _, rest = value.rstrip("Z").partition("T")
    clock, _, fraction = rest.partition(".")
    try:
        moment = datetime.strptime(f"{day}T{clock or '00:00:00'}", "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None
    micro = int((fraction + "000000")[:6]) if fraction else 0
    return moment.replace(microsecond=micro, tzinfo=UTC)


def midpoint(start: datetime, end: datetime) -> datetime:
    return start + (end - start) / 2 if end > start else start


# -- the seeded tenant -------------------------------------------------------------------------


def user_deleted(person: Person) -> bool:
    """A third of the suspended people were since deleted in the LMS."""
    return not person.active and person.index % 3 == 0


def course_deleted(course: Offering) -> bool:
    """One course in twenty was deleted in the LMS."""
    return course.index % 20 == 19


def revision_count(course: Offering) -> int:
    """A third of the courses that were updated got a second revision then."""
    return 2 if course.index % 3 == 1 and course.updated_at > course.created_at else 1


def user_doc(seed: int, person: Person, reference: datetime) -> Doc:
    deleted = None
    changed = person.created_at
    if user_deleted(person):
        deleted = midpoint(person.last_access_at or person.created_at, reference)
        changed = deleted
    return {
        "id": kombo_id(seed, "user", person.index + 1),
        "remote_id": str(person.index + 1),
        "first_name": person.first_name,
        "last_name": person.last_name,
        "work_email": person.email,
        "status": "ACTIVE" if person.active else "INACTIVE",
        "remote_created_at": timestamp(person.created_at),
        "remote_deleted_at": maybe_timestamp(deleted),
        "changed_at": timestamp(changed),
        "remote_data": None,
        "custom_fields": {"department": person.department, "job_title": person.job_title},
        "integration_fields": [],
    }


def skill_docs(seed: int, courses: Sequence[Offering], reference: datetime) -> dict[int, Doc]:
    """One skill per course category (in the order categories first appear), and one retired
    skill the LMS deleted."""
    first: dict[str, datetime] = {}
    for course in courses:
        created = first.get(course.category)
        if created is None or course.created_at < created:
            first[course.category] = course.created_at
    earliest = min(first.values(), default=reference)
    names = [*first, "Legacy Intranet Publishing"]
    docs: dict[int, Doc] = {}
    for number, name in enumerate(names, start=1):
        created = first.get(name, earliest)
        deleted = midpoint(earliest, reference) if name not in first else None
        docs[number] = {
            "id": kombo_id(seed, "skill", number),
            "remote_id": f"skill-{number}",
            "name": name,
            "remote_created_at": timestamp(created),
            "remote_deleted_at": maybe_timestamp(deleted),
            "changed_at": timestamp(deleted or created),
            "remote_data": None,
            "custom_fields": None,
            "integration_fields": [],
        }
    return docs


def skill_ref(skill: Doc) -> Doc:
    return {"id": skill["id"], "remote_id": skill["remote_id"], "name": skill["name"]}


def revision_doc(
    *,
    revision_id: str,
    remote_id: str,
    course_id: str,
    title: str,
    description: str | None,
    remote_url: str,
    active: bool,
    created: str,
    changed: str,
    deleted: str | None,
    skills: Sequence[Doc],
) -> Doc:
    return {
        "id": revision_id,
        "remote_id": remote_id,
        "course_id": course_id,
        "title": title,
        "description": description,
        "remote_url": remote_url,
        "status": "ACTIVE" if active else "INACTIVE",
        "remote_created_at": created,
        "remote_deleted_at": deleted,
        "changed_at": changed,
        "remote_data": None,
        "custom_fields": None,
        "integration_fields": [],
        "skill_assignments": [{"skill": skill_ref(skill)} for skill in skills],
    }


def course_url(domain: str, remote_id: str, version: int) -> str:
    return f"https://lms.{domain}/courses/{remote_id}/v{version}"


def course_doc(seed: int, course: Offering, skill: Doc, domain: str, reference: datetime) -> Doc:
    course_id = kombo_id(seed, "course", course.index + 1)
    remote = str(course.index + 1)
    deleted = midpoint(course.updated_at, reference) if course_deleted(course) else None
    gone = maybe_timestamp(deleted)
    count = revision_count(course)
    revisions = []
    for version in range(1, count + 1):
        created = course.created_at if version == 1 else course.updated_at
        revisions.append(
            revision_doc(
                revision_id=kombo_id(seed, "revision", f"{course.index + 1}.{version}"),
                remote_id=f"{remote}-v{version}",
                course_id=course_id,
                title=course.title,
                description=course.description,
                remote_url=course_url(domain, remote, version),
                active=version == count,
                created=timestamp(created),
                changed=gone or timestamp(course.updated_at),
                deleted=gone,
                skills=[skill],
            )
        )
    own_change = gone or timestamp(course.created_at)
    item = {
        "id": course_id,
        "remote_id": remote,
        "provider_id": None,
        "origin_id": None,
        "remote_created_at": timestamp(course.created_at),
        "remote_deleted_at": gone,
        "changed_at": own_change,
        "remote_data": None,
        "custom_fields": None,
        "integration_fields": [],
        "provider": None,
        "revisions": revisions,
    }
    return {"item": item, "updated": max([own_change, *(r["changed_at"] for r in revisions)])}


def revision_for(course: Offering, assignment: Assignment) -> int:
    """The version a seeded assignment is in: the one current when it was assigned."""
    if revision_count(course) == 2 and assignment.assigned_at >= course.updated_at:
        return 2
    return 1


def progression_doc(
    seed: int,
    assignment: Assignment,
    user: Doc,
    course: Doc,
    version: int,
) -> Doc:
    status = STATE_STATUS[assignment.state]
    item = course["item"]
    revision = item["revisions"][version - 1]
    user_gone, course_gone = user["remote_deleted_at"], item["remote_deleted_at"]
    gone = max(user_gone, course_gone) if user_gone and course_gone else user_gone or course_gone
    changed = timestamp(assignment.updated_at)
    return {
        "item": {
            "id": kombo_id(seed, "progression", assignment.index + 1),
            "remote_id": f"progress-{assignment.index + 1}",
            "user_id": user["id"],
            "course_revision_id": revision["id"],
            "status": status,
            "enrolled_at": timestamp(assignment.assigned_at),
            "completed_at": maybe_timestamp(assignment.completed_at)
            if status == "COMPLETED"
            else None,
            "changed_at": max(changed, gone) if gone else changed,
            "remote_deleted_at": gone,
            "remote_data": None,
        },
        "course_id": item["id"],
        "score": round(assignment.score)
        if status == "COMPLETED" and assignment.score is not None
        else None,
    }


def seed_docs(seed: int, world: World) -> tuple[dict[int, Doc], dict[int, Doc], dict[int, Doc]]:
    """(users, skills, courses) by doc id."""
    reference = world.scenario.reference_date
    domain = world.scenario.company_domain
    users = {p.index + 1: user_doc(seed, p, reference) for p in world.people}
    skills = skill_docs(seed, world.courses, reference)
    by_name = {skill["name"]: skill for skill in skills.values()}
    courses = {
        c.index + 1: course_doc(seed, c, by_name[c.category], domain, reference)
        for c in world.courses
    }
    return users, skills, courses


def progression_docs(
    seed: int, world: World, users: Mapping[int, Doc], courses: Mapping[int, Doc]
) -> dict[int, Doc]:
    return {
        a.index + 1: progression_doc(
            seed,
            a,
            users[a.person + 1],
            courses[a.course + 1],
            revision_for(world.courses[a.course], a),
        )
        for a in world.assignments
    }


def progression_item(item: Doc, user: Doc, revision: Doc, course: Doc) -> Doc:
    """A progression as Kombo renders it: its own fields plus the linked user and revision."""
    return {
        **item,
        "user": {
            "id": user["id"],
            "remote_id": user["remote_id"],
            "first_name": user["first_name"],
            "last_name": user["last_name"],
            "work_email": user["work_email"],
        },
        "course_revision": {
            "id": revision["id"],
            "remote_id": revision["remote_id"],
            "title": revision["title"],
            "course": {"id": course["id"], "remote_id": course["remote_id"]},
        },
    }


def data_changed(event_id: str, integration_id: str, models: Sequence[str]) -> dict[str, Any]:
    """The body of Kombo's ``data-changed`` webhook."""
    return {
        "id": event_id,
        "type": "data-changed",
        "data": {
            "integration_id": integration_id,
            "integration_tool": TOOL,
            "integration_category": "LMS",
            "changed_models": [{"name": name} for name in models],
        },
    }
