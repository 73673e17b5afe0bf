"""Compare the enrollments of two connections: the same people and courses, across vendors.

People are matched by email (case-insensitive, any of their addresses), courses by code, else by
title (case-insensitive; a code or title that several courses of one side share is not used to
match). For every matched person and course enrolled on at least one side, a difference is:

    missing_in_b / missing_in_a   enrolled on one side only (a withdrawn enrollment counts as none)
    status                        both enrolled, with different normalized statuses
    due_date                      both enrolled, with due dates on different days (or one none)

People and courses that have no match on the other side are counted, not listed as differences:
nothing on the other side can be compared with them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from core.models import Course, Enrollment, EnrollmentStatus, User
from core.view import LocalView


class DifferenceKind(StrEnum):
    MISSING_IN_A = "missing_in_a"
    MISSING_IN_B = "missing_in_b"
    STATUS = "status"
    DUE_DATE = "due_date"


@dataclass(frozen=True, slots=True)
class Difference:
    kind: DifferenceKind
    email: str
    course: str
    a: Enrollment | None
    b: Enrollment | None

    def describe(self) -> str:
        if self.kind is DifferenceKind.MISSING_IN_A:
            return f"enrolled only in B ({_status(self.b)})"
        if self.kind is DifferenceKind.MISSING_IN_B:
            return f"enrolled only in A ({_status(self.a)})"
        if self.kind is DifferenceKind.STATUS:
            return f"status {_status(self.a)} in A, {_status(self.b)} in B"
        return f"due {_day(self.a)} in A, {_day(self.b)} in B"

    def as_dict(self) -> dict[str, str | None]:
        return {
            "kind": str(self.kind),
            "email": self.email,
            "course": self.course,
            "a_status": _status(self.a) if self.a else None,
            "b_status": _status(self.b) if self.b else None,
            "a_due": _day(self.a) if self.a else None,
            "b_due": _day(self.b) if self.b else None,
            "a_enrollment_id": self.a.id if self.a else None,
            "b_enrollment_id": self.b.id if self.b else None,
        }


@dataclass(slots=True)
class Reconciliation:
    differences: list[Difference] = field(default_factory=list)
    matched_people: int = 0
    matched_courses: int = 0
    compared_pairs: int = 0
    unmatched_people: tuple[int, int] = (0, 0)
    unmatched_courses: tuple[int, int] = (0, 0)

    def counts(self) -> dict[DifferenceKind, int]:
        counts = dict.fromkeys(DifferenceKind, 0)
        for difference in self.differences:
            counts[difference.kind] += 1
        return counts


def reconcile(a: LocalView, b: LocalView) -> Reconciliation:
    people_a, people_b = _people(a.users.values()), _people(b.users.values())
    people = {email: (people_a[email], people_b[email]) for email in people_a.keys() & people_b}
    courses = _match_courses(a.courses.values(), b.courses.values())
    result = Reconciliation(
        matched_people=len(people),
        matched_courses=len(courses),
        unmatched_people=(
            len({u for k, u in people_a.items() if k not in people}),
            len({u for k, u in people_b.items() if k not in people}),
        ),
        unmatched_courses=(len(a.courses) - len(courses), len(b.courses) - len(courses)),
    )
    person_of_a = {uid: email for email, (uid, _) in people.items()}
    person_of_b = {uid: email for email, (_, uid) in people.items()}
    course_of_a = {cid: key for key, (cid, _) in courses.items()}
    course_of_b = {cid: key for key, (_, cid) in courses.items()}
    titles = {key: a.courses[cid].title for key, (cid, _) in courses.items()}
    pairs_a = _pairs(a.enrollments.values(), person_of_a, course_of_a)
    pairs_b = _pairs(b.enrollments.values(), person_of_b, course_of_b)
    for pair in sorted(pairs_a.keys() | pairs_b.keys()):
        result.compared_pairs += 1
        email, course = pair[0], titles[pair[1]]
        left, right = pairs_a.get(pair), pairs_b.get(pair)
        if left is None:
            result.differences.append(
                Difference(DifferenceKind.MISSING_IN_A, email, course, None, right)
            )
        elif right is None:
            result.differences.append(
                Difference(DifferenceKind.MISSING_IN_B, email, course, left, None)
            )
        else:
            if left.status is not right.status:
                result.differences.append(
                    Difference(DifferenceKind.STATUS, email, course, left, right)
                )
            if _day(left) != _day(right):
                result.differences.append(
                    Difference(DifferenceKind.DUE_DATE, email, course, left, right)
                )
    return result


def _people(users: Iterable[User]) -> dict[str, str]:
    """email -> user id, leaving out an address that several users of one side share."""
    found: dict[str, str] = {}
    shared: set[str] = set()
    for user in users:
        for email in {e.email.casefold() for e in user.emails if e.email}:
            if email in found and found[email] != user.id:
                shared.add(email)
            found[email] = user.id
    return {email: uid for email, uid in found.items() if email not in shared}


def _match_courses(a: Iterable[Course], b: Iterable[Course]) -> dict[str, tuple[str, str]]:
    """match key -> (course id in A, course id in B): by code where each side has exactly one
    course with it, then the rest by title where each side has exactly one."""
    listed_a, listed_b = list(a), list(b)
    matched: dict[str, tuple[str, str]] = {}
    taken_a: set[str] = set()
    taken_b: set[str] = set()
    for kind in ("code", "title"):
        index_a = _unique(listed_a, kind, taken_a)
        index_b = _unique(listed_b, kind, taken_b)
        for key in sorted(index_a.keys() & index_b.keys()):
            matched[f"{kind}:{key}"] = (index_a[key], index_b[key])
            taken_a.add(index_a[key])
            taken_b.add(index_b[key])
    return matched


def _unique(courses: list[Course], kind: str, taken: set[str]) -> dict[str, str]:
    found: dict[str, list[str]] = {}
    for course in courses:
        value = course.code if kind == "code" else course.title
        if value and course.id not in taken:
            found.setdefault(value.casefold(), []).append(course.id)
    return {key: ids[0] for key, ids in found.items() if len(ids) == 1}


def _pairs(
    enrollments: Iterable[Enrollment], people: dict[str, str], courses: dict[str, str]
) -> dict[tuple[str, str], Enrollment]:
    pairs: dict[tuple[str, str], Enrollment] = {}
    for enrollment in enrollments:
        if enrollment.status is EnrollmentStatus.WITHDRAWN:
            continue
        email = people.get(enrollment.user.id)
        course = courses.get(enrollment.course.id)
        if email is not None and course is not None:
            pairs[(email, course)] = enrollment
    return pairs


def _status(enrollment: Enrollment | None) -> str:
    return str(enrollment.status) if enrollment is not None else "none"


def _day(enrollment: Enrollment | None) -> str:
    due: datetime | None = enrollment.due_at if enrollment is not None else None
    return due.date().isoformat() if due is not None else "none"
