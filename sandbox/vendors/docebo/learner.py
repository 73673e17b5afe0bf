"""The filters of the learner view (``GET /learn/v1/enrollments``) as one predicate.

Course and plan enrollments are listed together. A course filter (``id_course[]``,
``code_course[]``) selects course items and a plan filter (``id_learning_plan[]``,
``code_learning_plan[]``) plan items; with both, either kind that matches its own filter; with
neither, both kinds. Every other filter applies to both kinds where it has a meaning. The
predicate is computed once per query and store version (``Collection.select`` caches it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.datastructures import QueryParams

from sandbox.store import Doc
from sandbox.vendors.docebo.models import DoceboBackend
from sandbox.vendors.docebo.params import csv, date_param, flag, ids, levels, statuses, whole
from sandbox.vendors.docebo.render import is_plan, wire_date

#: the learner view's course statuses: Docebo's filter values, then the stored ones
LEARNER_STATUS = {"not_started": "subscribed"}
TYPES = ("elearning", "classroom", "webinar", "learning_plan")


def learner_filter(
    backend: DoceboBackend, params: QueryParams
) -> tuple[Callable[[Doc], bool] | None, Any]:
    """The predicate and its cache key. ``deadline`` and ``show_upcoming_sessions`` compare with
    the time the listing's first page was asked (the selection is reused, and its cursors stay
    valid, until the next write or ``volatile_key`` changes)."""
    course_ids = set(ids(params, "id_course", "course_id"))
    course_ids |= set(backend.course_ids_for_codes(csv(params, "code_course")))
    if csv(params, "code_course") and not course_ids:
        course_ids = {0}
    plan_ids = set(ids(params, "id_learning_plan", "learning_plan_id"))
    plan_codes = csv(params, "code_learning_plan")
    plan_ids |= set(backend.plan_ids_for_codes(plan_codes))
    if plan_codes and not plan_ids:
        plan_ids = {0}
    wanted_statuses = set(statuses(params)) | {
        s for s in csv(params, "status") if s.lower() == "not_started"
    }
    course_statuses = {LEARNER_STATUS.get(s, s) for s in wanted_statuses}
    types = {t.lower() for t in csv(params, "type")}
    for kind in types:
        if kind not in TYPES:
            raise_bad("type", kind, TYPES)
    level_set = set(levels(csv(params, "level")))
    deadline = date_param(params, "deadline")
    since, until = date_param(params, "updated_from"), date_param(params, "updated_to")
    rating = whole(params.get("rating"), "rating", default=0, minimum=0)
    search = (params.get("search") or params.get("search_text") or "").lower() or None
    languages = {code.lower() for code in csv(params, "language")}
    duration_from = whole(params.get("duration_from_seconds"), "duration", default=0, minimum=0)
    duration_to = params.get("duration_to_seconds")
    duration_max = whole(duration_to, "duration_to_seconds", minimum=0) if duration_to else None
    exclude_in_lp = flag(params, "exclude_courses_in_lp")
    upcoming = flag(params, "show_upcoming_sessions")
    nothing = bool(
        params.get("channel")
        or csv(params, "skills")
        or csv(params, "content_partners")
        or flag(params, "is_paid")
        or any(key.startswith("field_") for key in params)
    )
    now = wire_date(backend.clock.now()) or ""  # fixed for this selection
    key = (
        frozenset(course_ids), frozenset(plan_ids), frozenset(course_statuses),
        frozenset(types), frozenset(level_set), deadline, since, until, rating, search,
        frozenset(languages), duration_from, duration_max, exclude_in_lp, upcoming, nothing,
    )  # fmt: skip
    if not any(key):
        return None, key
    courses, plans = backend.courses.docs, backend.plans.docs
    sessions = backend.sessions

    def match(doc: Doc) -> bool:
        if nothing:
            return False
        plan = is_plan(doc)
        if course_ids or plan_ids:
            if plan and doc["learning_plan_id"] not in plan_ids:
                return False
            if not plan and doc["course_id"] not in course_ids:
                return False
        status = doc["enrollment_status"]
        if wanted_statuses and (
            status not in wanted_statuses if plan else status not in course_statuses
        ):
            return False
        kind = "learning_plan" if plan else doc["course_type"]
        if types and kind not in types:
            return False
        if level_set and ("learner" if plan else doc["enrollment_level"]) not in level_set:
            return False
        end = doc["enrollment_validity_end_date"]
        if deadline and not (end and now <= end <= deadline):
            return False
        updated = doc["enrollment_date_last_updated"] or ""
        if (since and updated < since) or (until and updated > until):
            return False
        owner = (
            plans.get(doc["learning_plan_id"], {}) if plan else courses.get(doc["course_id"], {})
        )
        if rating and (plan or (backend.rating(_id_of(backend, doc)) or 0) < rating):
            return False
        if search and not _contains(owner, search, plan):
            return False
        if languages and (plan or (owner.get("lang_code") or "").lower() not in languages):
            return False
        if duration_from or duration_max is not None:
            duration = 0 if plan else int(owner.get("duration") or 0)
            if duration < duration_from or (duration_max is not None and duration > duration_max):
                return False
        if exclude_in_lp and not plan and doc["course_id"] in backend.plans_of_course:
            return False
        if upcoming:
            if plan:
                return False
            course_sessions = sessions.lookup("course_id", doc["course_id"])
            if not any(sessions.docs[s]["date_begin"] > now for s in course_sessions):
                return False
        return True

    return match, key


def _contains(owner: Doc, needle: str, plan: bool) -> bool:
    fields = ("title", "code", "description") if plan else ("name", "code", "description")
    return any(needle in str(owner.get(field) or "").lower() for field in fields)


def _id_of(backend: DoceboBackend, doc: Doc) -> int:
    """The enrollment id of a course enrollment document (for its rating)."""
    found = backend.find_enrollment(doc["course_id"], doc["user_id"])
    return found if found is not None else 0


def raise_bad(name: str, value: str, allowed: tuple[str, ...]) -> None:
    from sandbox.vendors.docebo.exceptions import BadRequest

    raise BadRequest(f"Invalid value for {name}: {value!r}; use one of {', '.join(allowed)}")


def volatile_key(backend: DoceboBackend, params: QueryParams) -> str | None:
    """What a learner selection depends on besides the store: the clock's hour, for the
    time-relative filters (a listing started within the hour pages on consistently)."""
    if params.get("deadline") or flag(params, "show_upcoming_sessions"):
        return backend.clock.now().strftime("%Y-%m-%d %H")
    return None
