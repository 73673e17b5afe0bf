"""The real Docebo connector against the real sandbox, in process: learning plans, the learner
view, instructor-led sessions, RSVPs, and the webhook events each action fires."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from core.connectors.docebo import DoceboConnector, mapping
from core.errors import BadRequestError, ConflictError, NotFoundError
from core.models import (
    Enrollment,
    EnrollmentStatus,
    LearningPlan,
    LearningPlanEnrollment,
    Rsvp,
    RsvpResponse,
    Session,
)
from tests.conftest import in_process_client
from tests.contract.test_docebo_connector import Answer, Rerouting, connector_over

LearnerItem = Enrollment | LearningPlanEnrollment


# -- helpers: the raw API, the event log, and picking records from the scenario ----------------


async def raw(connector: DoceboConnector, path: str, **params: Any) -> Any:
    """The ``data`` of a raw Docebo GET."""
    response = await connector.request("GET", path, params=list(params.items()))
    return response.json()["data"]


async def total_count(connector: DoceboConnector, path: str) -> int:
    count = (await raw(connector, path, page_size=1))["total_count"]
    assert isinstance(count, int)
    return count


async def roster(connector: DoceboConnector, session_id: str) -> dict[str, dict[str, Any]]:
    """A session's roster by user id."""
    data = await raw(connector, f"/course/v1/sessions/{session_id}/enrollments", page_size=200)
    assert not data["has_more_data"]
    return {str(entry["user_id"]): entry for entry in data["items"]}


async def events_after(app: Starlette, after: int) -> list[dict[str, Any]]:
    """Docebo's webhook bodies recorded after event ``after``, oldest first."""
    async with in_process_client(app) as client:
        answer = await client.get("/_sandbox/events", params={"vendor": "docebo", "after": after})
    answer.raise_for_status()
    return [event["body"] for event in answer.json()["events"]]


async def last_event(app: Starlette) -> int:
    async with in_process_client(app) as client:
        answer = await client.get("/_sandbox/events", params={"vendor": "docebo"})
    return max((int(event["id"]) for event in answer.json()["events"]), default=0)


async def ilt_sessions(connector: DoceboConnector) -> list[Session]:
    courses = [c async for c in connector.list_courses() if c.type in ("classroom", "webinar")]
    return [s for course in courses async for s in connector.list_sessions(course_id=course.id)]


async def open_session(connector: DoceboConnector) -> Session:
    """A session with at least two learners and free seats."""
    for session in await ilt_sessions(connector):
        seats = session.max_enrollments or 0
        if 2 <= (session.enrolled_count or 0) < seats:
            return session
    raise AssertionError("no session with free seats")


async def full_session(connector: DoceboConnector) -> dict[str, Any]:
    """A session every seat of which is taken, found through the raw API."""
    for course in [c async for c in connector.list_courses() if c.type != "elearning"]:
        path = f"/course/v1/courses/{course.id}/sessions"
        for item in (await raw(connector, path, page_size=200))["items"]:
            if item["enrolled_count"] == item["max_enrollments"]:
                return dict(item)
    raise AssertionError("the scenario has no full session")


async def outsider(connector: DoceboConnector, course_id: str) -> str:
    """A user not enrolled in the course."""
    inside = {e.user.id async for e in connector.list_enrollments(course_ids=[course_id])}
    async for user in connector.list_users():
        if user.id not in inside:
            return user.id
    raise AssertionError(f"every user is enrolled in course {course_id}")


async def outsiders(connector: DoceboConnector, course_id: str, count: int) -> list[str]:
    inside = {e.user.id async for e in connector.list_enrollments(course_ids=[course_id])}
    found = [u.id async for u in connector.list_users() if u.id not in inside]
    assert len(found) >= count
    return found[:count]


@dataclass(frozen=True)
class PlanPick:
    """A user's plan enrollment whose courses the user takes and no other plan of theirs holds."""

    user_id: str
    plan: LearningPlan
    course_ids: tuple[str, ...]


async def plan_pick(connector: DoceboConnector) -> PlanPick:
    plans = {p.id: p async for p in connector.list_learning_plans()}
    plan_enrollments = [e async for e in connector.list_learning_plan_enrollments()]
    plans_of: dict[str, set[str]] = {}
    for enrollment in plan_enrollments:
        plans_of.setdefault(enrollment.user.id, set()).add(enrollment.learning_plan.id)
    for enrollment in plan_enrollments:
        user_id, plan = enrollment.user.id, plans[enrollment.learning_plan.id]
        elsewhere = {c for other in plans_of[user_id] - {plan.id} for c in plans[other].course_ids}
        own = {e.course.id async for e in connector.list_enrollments(user_ids=[user_id])}
        courses = tuple(c for c in plan.course_ids if c in own and c not in elsewhere)
        started = [
            e
            async for e in connector.list_enrollments(user_ids=[user_id], course_ids=courses)
            if (e.progress_percent or 0) > 0
        ]
        if len(courses) >= 2 and started:
            return PlanPick(user_id=user_id, plan=plan, course_ids=courses)
    raise AssertionError("no plan enrollment with started courses of its own")


def wire_level(enrollment: Enrollment) -> int | None:
    return mapping.level_number(enrollment.remote_data.get("enrollment_level"))


# -- learning plans ----------------------------------------------------------------------------


async def test_list_learning_plans_returns_every_plan_with_its_courses(
    docebo: DoceboConnector,
) -> None:
    plans = [p async for p in docebo.list_learning_plans()]
    assert len(plans) == await total_count(docebo, "/learningplan/v1/learningplans")
    course_ids = {c.id async for c in docebo.list_courses()}
    for plan in plans:
        assert plan.title and plan.code
        assert plan.course_ids, plan.id
        assert len(plan.course_ids) == plan.remote_data["courses_count"]
        assert set(plan.course_ids) <= course_ids


async def test_list_learning_plans_course_order_follows_positions(
    docebo: DoceboConnector,
) -> None:
    plan = await anext(aiter(docebo.list_learning_plans()))
    detail = await raw(docebo, f"/learningplan/v1/learningplans/{plan.id}")
    by_position = sorted(detail["courses"], key=lambda c: c["position"])
    assert plan.course_ids == tuple(str(c["id_course"]) for c in by_position)


async def test_list_learning_plan_enrollments_returns_every_enrollment_once(
    docebo: DoceboConnector,
) -> None:
    enrollments = [e async for e in docebo.list_learning_plan_enrollments()]
    path = "/learningplan/v1/learningplans/enrollments"
    assert len(enrollments) == await total_count(docebo, path)
    assert len({e.id for e in enrollments}) == len(enrollments)
    assert {e.status for e in enrollments} == {
        EnrollmentStatus.ENROLLED,
        EnrollmentStatus.IN_PROGRESS,
        EnrollmentStatus.COMPLETED,
    }


async def test_list_learning_plan_enrollments_filter_by_user(docebo: DoceboConnector) -> None:
    everyone = [e async for e in docebo.list_learning_plan_enrollments()]
    user_id = everyone[-1].user.id
    mine = [e async for e in docebo.list_learning_plan_enrollments(user_ids=[user_id])]
    assert mine
    assert [e.id for e in mine] == [e.id for e in everyone if e.user.id == user_id]


async def test_list_learning_plan_enrollments_filter_by_plan(docebo: DoceboConnector) -> None:
    everyone = [e async for e in docebo.list_learning_plan_enrollments()]
    plan_ids = sorted({e.learning_plan.id for e in everyone})[:2]
    theirs = [e async for e in docebo.list_learning_plan_enrollments(learning_plan_ids=plan_ids)]
    assert theirs
    assert sorted(e.id for e in theirs) == sorted(
        e.id for e in everyone if e.learning_plan.id in plan_ids
    )


@pytest.mark.parametrize(
    "statuses",
    [
        [EnrollmentStatus.ENROLLED],
        [EnrollmentStatus.IN_PROGRESS],
        [EnrollmentStatus.COMPLETED],
        [EnrollmentStatus.ENROLLED, EnrollmentStatus.COMPLETED],
    ],
)
async def test_list_learning_plan_enrollments_filter_by_status(
    docebo: DoceboConnector, statuses: list[EnrollmentStatus]
) -> None:
    everyone = [e async for e in docebo.list_learning_plan_enrollments()]
    filtered = [e async for e in docebo.list_learning_plan_enrollments(statuses=statuses)]
    assert filtered
    assert [e.id for e in filtered] == [e.id for e in everyone if e.status in statuses]


async def test_list_learning_plan_enrollments_status_plans_never_have_is_empty(
    docebo: DoceboConnector,
) -> None:
    statuses = [EnrollmentStatus.ASSIGNED]
    assert [e async for e in docebo.list_learning_plan_enrollments(statuses=statuses)] == []


async def test_list_learning_plan_course_enrollments_returns_the_plan_courses(
    docebo: DoceboConnector,
) -> None:
    plan = await anext(aiter(docebo.list_learning_plans()))
    found = [
        e async for e in docebo.list_learning_plan_course_enrollments(learning_plan_id=plan.id)
    ]
    expected = [e async for e in docebo.list_enrollments(course_ids=plan.course_ids)]
    assert found
    assert sorted(e.id for e in found) == sorted(e.id for e in expected)
    assert {e.course.id for e in found} <= set(plan.course_ids)


async def test_list_learning_plan_course_enrollments_filters_users_courses_statuses(
    docebo: DoceboConnector,
) -> None:
    plan = await anext(aiter(docebo.list_learning_plans()))
    every = [
        e async for e in docebo.list_learning_plan_course_enrollments(learning_plan_id=plan.id)
    ]
    users = sorted({e.user.id for e in every})[:5]
    course = plan.course_ids[0]
    status = EnrollmentStatus.COMPLETED
    found = [
        e
        async for e in docebo.list_learning_plan_course_enrollments(
            learning_plan_id=plan.id, user_ids=users, course_ids=[course], statuses=[status]
        )
    ]
    expected = [
        e.id for e in every if e.user.id in users and e.course.id == course and e.status is status
    ]
    assert sorted(e.id for e in found) == sorted(expected)


async def plan_with_mixed_courses(connector: DoceboConnector) -> tuple[str, list[Enrollment]]:
    """A plan whose course enrollments span several course types and levels, and those."""
    async for plan in connector.list_learning_plans():
        every = [
            e
            async for e in connector.list_learning_plan_course_enrollments(learning_plan_id=plan.id)
        ]
        types = {e.remote_data["course_type"] for e in every}
        levels = {wire_level(e) for e in every}
        if len(types) >= 2 and len(levels) >= 2:
            return plan.id, every
    raise AssertionError("no plan mixes course types and levels")


async def test_list_learning_plan_course_enrollments_filter_by_course_type(
    docebo: DoceboConnector,
) -> None:
    plan_id, every = await plan_with_mixed_courses(docebo)
    course_type = every[-1].remote_data["course_type"]
    found = [
        e.id
        async for e in docebo.list_learning_plan_course_enrollments(
            learning_plan_id=plan_id, course_types=[course_type.upper()]
        )
    ]
    expected = [e.id for e in every if e.remote_data["course_type"] == course_type]
    assert found == expected
    assert 0 < len(found) < len(every)


@pytest.mark.parametrize("levels", [["tutor", "instructor"], [3]])
async def test_list_learning_plan_course_enrollments_filter_by_level(
    docebo: DoceboConnector, levels: list[str | int]
) -> None:
    plan_id, every = await plan_with_mixed_courses(docebo)
    numbers = {mapping.level_number(level) for level in levels}
    found = [
        e.id
        async for e in docebo.list_learning_plan_course_enrollments(
            learning_plan_id=plan_id, levels=levels
        )
    ]
    expected = [e.id for e in every if wire_level(e) in numbers]
    assert found == expected
    assert 0 < len(found) < len(every)


async def test_list_learning_plan_course_enrollments_unknown_plan_raises_not_found(
    docebo: DoceboConnector,
) -> None:
    with pytest.raises(NotFoundError) as info:
        await anext(aiter(docebo.list_learning_plan_course_enrollments(learning_plan_id="9999")))
    assert info.value.status == 404


# -- course enrollments: Docebo's other filters ------------------------------------------------


@pytest.mark.parametrize("course_types", [["webinar"], ["classroom", "webinar"], ["elearning"]])
async def test_list_course_enrollments_filter_by_course_type(
    docebo: DoceboConnector, course_types: list[str]
) -> None:
    everyone = [e async for e in docebo.list_enrollments()]
    found = [e async for e in docebo.list_course_enrollments(course_types=course_types)]
    assert found
    assert [e.id for e in found] == [
        e.id for e in everyone if e.remote_data["course_type"] in course_types
    ]


@pytest.mark.parametrize("levels", [["tutor"], ["student"], ["learner"], [6], ["tutor", 6]])
async def test_list_course_enrollments_filter_by_level(
    docebo: DoceboConnector, levels: list[str | int]
) -> None:
    numbers = {mapping.level_number(level) for level in levels}
    everyone = [e async for e in docebo.list_enrollments()]
    found = [e async for e in docebo.list_course_enrollments(levels=levels)]
    assert found
    assert [e.id for e in found] == [e.id for e in everyone if wire_level(e) in numbers]


# -- the admin listings' sorting ---------------------------------------------------------------


def created_at(e: Enrollment | LearningPlanEnrollment) -> str:
    return str(e.remote_data["enrollment_created_at"] or "")


def wire_user(e: Enrollment | LearningPlanEnrollment) -> int:
    return int(e.remote_data["user_id"])


def assert_sorted_by(
    found: list[Any],
    default: list[Any],
    key: Callable[[Any], Any],
    direction: str,
) -> None:
    """``found`` is ``default`` in the order of ``key`` (``default`` is not in that order)."""
    assert sorted(e.id for e in found) == sorted(e.id for e in default)
    keys = [key(e) for e in found]
    assert keys == sorted(keys, reverse=direction == "desc")
    default_keys = [key(e) for e in default]
    assert default_keys != sorted(default_keys, reverse=direction == "desc")


SORTS = [("enrollment_created_at", created_at, "desc"), ("user_id", wire_user, "asc")]
SORT_IDS = ["created_at-desc", "user_id-asc"]


@pytest.mark.parametrize(("sort_by", "key", "direction"), SORTS, ids=SORT_IDS)
async def test_list_course_enrollments_sorted(
    docebo: DoceboConnector,
    sort_by: str,
    key: Callable[[Enrollment], Any],
    direction: str,
) -> None:
    types = ["webinar"]  # one course type keeps the listing short
    default = [e async for e in docebo.list_course_enrollments(course_types=types)]
    found = [
        e
        async for e in docebo.list_course_enrollments(
            course_types=types, sort_by=sort_by, sort_direction=direction
        )
    ]
    assert_sorted_by(found, default, key, direction)


@pytest.mark.parametrize(("sort_by", "key", "direction"), SORTS, ids=SORT_IDS)
async def test_list_learning_plan_enrollments_sorted(
    docebo: DoceboConnector,
    sort_by: str,
    key: Callable[[LearningPlanEnrollment], Any],
    direction: str,
) -> None:
    default = [e async for e in docebo.list_learning_plan_enrollments()]
    found = [
        e
        async for e in docebo.list_learning_plan_enrollments(
            sort_by=sort_by, sort_direction=direction
        )
    ]
    assert_sorted_by(found, default, key, direction)


@pytest.mark.parametrize(("sort_by", "key", "direction"), SORTS, ids=SORT_IDS)
async def test_list_learning_plan_course_enrollments_sorted(
    docebo: DoceboConnector,
    sort_by: str,
    key: Callable[[Enrollment], Any],
    direction: str,
) -> None:
    plan = await anext(aiter(docebo.list_learning_plans()))
    default = [
        e async for e in docebo.list_learning_plan_course_enrollments(learning_plan_id=plan.id)
    ]
    found = [
        e
        async for e in docebo.list_learning_plan_course_enrollments(
            learning_plan_id=plan.id, sort_by=sort_by, sort_direction=direction
        )
    ]
    assert_sorted_by(found, default, key, direction)


async def test_list_course_enrollments_unknown_sort_raises_bad_request(
    docebo: DoceboConnector,
) -> None:
    with pytest.raises(BadRequestError, match="sort_attr") as info:
        await anext(aiter(docebo.list_course_enrollments(sort_by="shoe_size")))
    assert info.value.status == 400


async def test_list_course_enrollments_unknown_level_raises_bad_request(
    docebo: DoceboConnector,
) -> None:
    with pytest.raises(BadRequestError, match="unknown level 'boss'"):
        await anext(aiter(docebo.list_course_enrollments(levels=["boss"])))


# -- the learner view --------------------------------------------------------------------------


async def test_list_learner_enrollments_returns_courses_and_plans(docebo: DoceboConnector) -> None:
    items = [e async for e in docebo.list_learner_enrollments()]
    assert len(items) == await total_count(docebo, "/learn/v1/enrollments")
    assert len({e.id for e in items}) == len(items)
    courses = {e.id for e in items if isinstance(e, Enrollment)}
    plans = {e.id for e in items if isinstance(e, LearningPlanEnrollment)}
    assert courses == {e.id async for e in docebo.list_enrollments()}
    assert plans == {e.id async for e in docebo.list_learning_plan_enrollments()}


@dataclass(frozen=True)
class World:
    """What the filter predicates need to know beyond one item."""

    items: list[LearnerItem]
    plan_courses: frozenset[str]
    upcoming_courses: frozenset[str]
    now: datetime


def is_plan(item: LearnerItem) -> bool:
    return isinstance(item, LearningPlanEnrollment)


def first_course(world: World) -> Enrollment:
    return next(e for e in world.items if isinstance(e, Enrollment))


def first_plan(world: World) -> LearningPlanEnrollment:
    return next(e for e in world.items if isinstance(e, LearningPlanEnrollment))


def text_has(item: LearnerItem, needle: str) -> bool:
    fields = ("name", "code", "description")
    return any(needle in str(item.remote_data.get(f) or "").lower() for f in fields)


def updated_between(item: LearnerItem, since: datetime, until: datetime) -> bool:
    return item.updated_at is not None and since <= item.updated_at <= until


SINCE = datetime(2026, 6, 1, tzinfo=UTC)
UNTIL = datetime(2026, 9, 1, tzinfo=UTC)

Kwargs = Callable[[World], dict[str, Any]]
Keep = Callable[[LearnerItem, World, dict[str, Any]], bool]

LEARNER_FILTERS: dict[str, tuple[Kwargs, Keep]] = {
    "user_ids": (
        lambda w: {"user_ids": [w.items[0].user.id, w.items[-1].user.id]},
        lambda e, w, kw: e.user.id in kw["user_ids"],
    ),
    "course_ids": (
        lambda w: {"course_ids": [first_course(w).course.id]},
        lambda e, w, kw: isinstance(e, Enrollment) and e.course.id in kw["course_ids"],
    ),
    "course_codes": (
        lambda w: {"course_codes": [first_course(w).remote_data["code"]]},
        lambda e, w, kw: not is_plan(e) and e.remote_data["code"] in kw["course_codes"],
    ),
    "learning_plan_ids": (
        lambda w: {"learning_plan_ids": [first_plan(w).learning_plan.id]},
        lambda e, w, kw: (
            isinstance(e, LearningPlanEnrollment) and e.learning_plan.id in kw["learning_plan_ids"]
        ),
    ),
    "learning_plan_codes": (
        lambda w: {"learning_plan_codes": [first_plan(w).remote_data["code"]]},
        lambda e, w, kw: is_plan(e) and e.remote_data["code"] in kw["learning_plan_codes"],
    ),
    "course_and_plan_ids": (
        lambda w: {
            "course_ids": [first_course(w).course.id],
            "learning_plan_ids": [first_plan(w).learning_plan.id],
        },
        lambda e, w, kw: (
            e.learning_plan.id in kw["learning_plan_ids"]
            if isinstance(e, LearningPlanEnrollment)
            else e.course.id in kw["course_ids"]
        ),
    ),
    "statuses": (
        lambda w: {"statuses": ["completed", "waiting"]},
        lambda e, w, kw: e.remote_data["status"] in kw["statuses"],
    ),
    "statuses_not_started": (
        lambda w: {"statuses": ["not_started"]},
        lambda e, w, kw: e.remote_data["status"] in ("not_started", "subscribed"),
    ),
    "types": (
        lambda w: {"types": ["webinar", "learning_plan"]},
        lambda e, w, kw: e.remote_data["type"] in kw["types"],
    ),
    "deadline": (
        lambda w: {"deadline": w.now + timedelta(days=60)},
        lambda e, w, kw: e.due_at is not None and w.now <= e.due_at <= kw["deadline"],
    ),
    "updated_from_to": (
        lambda w: {"updated_from": SINCE, "updated_to": UNTIL},
        lambda e, w, kw: updated_between(e, SINCE, UNTIL),
    ),
    "rating": (
        lambda w: {"rating": 4},
        lambda e, w, kw: not is_plan(e) and (e.remote_data["rating"] or 0) >= 4,
    ),
    "search": (
        lambda w: {"search": "Security"},
        lambda e, w, kw: text_has(e, "security"),
    ),
    "level": (
        lambda w: {"level": "tutor"},
        lambda e, w, kw: not is_plan(e) and mapping.level_number(e.remote_data["level"]) == 4,
    ),
    "exclude_courses_in_lp": (
        lambda w: {"exclude_courses_in_lp": True},
        lambda e, w, kw: not isinstance(e, Enrollment) or e.course.id not in w.plan_courses,
    ),
    "show_upcoming_sessions": (
        lambda w: {"show_upcoming_sessions": True},
        lambda e, w, kw: isinstance(e, Enrollment) and e.course.id in w.upcoming_courses,
    ),
    "duration": (
        lambda w: {"duration_from_seconds": 1800, "duration_to_seconds": 3600},
        lambda e, w, kw: 1800 <= (e.remote_data["duration"] or 0) <= 3600,
    ),
    "languages": (
        lambda w: {"languages": ["en"]},
        lambda e, w, kw: not is_plan(e) and e.remote_data["lang_code"] == "en",
    ),
    "languages_unknown": (
        lambda w: {"languages": ["de"]},
        lambda e, w, kw: False,
    ),
}


@pytest.fixture
async def world(docebo: DoceboConnector) -> World:
    now = datetime.now(UTC)
    items = [e async for e in docebo.list_learner_enrollments()]
    plan_courses = frozenset({c async for p in docebo.list_learning_plans() for c in p.course_ids})
    upcoming = frozenset(
        s.course_id
        for s in await ilt_sessions(docebo)
        if s.starts_at is not None and s.starts_at > now
    )
    return World(items=items, plan_courses=plan_courses, upcoming_courses=upcoming, now=now)


@pytest.mark.parametrize("name", list(LEARNER_FILTERS))
async def test_list_learner_enrollments_filter_matches_python(
    docebo: DoceboConnector, world: World, name: str
) -> None:
    kwargs_of, keep = LEARNER_FILTERS[name]
    kwargs = kwargs_of(world)
    found = [e.id async for e in docebo.list_learner_enrollments(**kwargs)]
    expected = [e.id for e in world.items if keep(e, world, kwargs)]
    if name != "languages_unknown":
        assert expected, "the filter should select something in the scenario"
    assert found == expected


@pytest.mark.parametrize(
    ("sort_by", "key"),
    [
        # names compare without case, as a database collation does
        ("name", lambda e: str(e.remote_data["name"]).casefold()),
        ("date_last_updated", lambda e: str(e.remote_data["date_last_updated"] or "")),
    ],
)
@pytest.mark.parametrize("direction", ["asc", "desc"])
async def test_list_learner_enrollments_sorted(
    docebo: DoceboConnector,
    world: World,
    sort_by: str,
    key: Callable[[LearnerItem], str],
    direction: str,
) -> None:
    found = [
        e async for e in docebo.list_learner_enrollments(sort_by=sort_by, sort_direction=direction)
    ]
    assert sorted(e.id for e in found) == sorted(e.id for e in world.items)
    keys = [key(e) for e in found]
    assert keys == sorted(keys, reverse=direction == "desc")


async def test_list_learner_enrollments_session_details_list_sessions(
    docebo: DoceboConnector,
) -> None:
    plain = [e async for e in docebo.list_learner_enrollments(types=["classroom"])]
    detailed = [
        e
        async for e in docebo.list_learner_enrollments(
            types=["classroom"], get_session_details=True
        )
    ]
    assert [e.id for e in plain] == [e.id for e in detailed]
    assert all(e.remote_data["enrolled_sessions"] == [] for e in plain)
    with_sessions = [e for e in detailed if e.remote_data["enrolled_sessions"]]
    assert with_sessions
    for enrollment in with_sessions:
        for session in enrollment.remote_data["enrolled_sessions"]:
            assert session["status"] in ("subscribed", "waiting")
            assert session["dates"]


# -- instructor-led sessions -------------------------------------------------------------------


async def test_list_sessions_returns_sessions_of_an_ilt_course(docebo: DoceboConnector) -> None:
    course = await anext(c async for c in docebo.list_courses() if c.type == "classroom")
    sessions = [s async for s in docebo.list_sessions(course_id=course.id)]
    assert len(sessions) == await total_count(docebo, f"/course/v1/courses/{course.id}/sessions")
    for session in sessions:
        assert session.course_id == course.id and session.name and session.events
        assert session.location and session.webinar_tool is None
        # date_begin is UTC, the first event a wall-clock time in its zone: the same instant
        assert session.starts_at == session.events[0].starts_at


async def test_list_sessions_webinar_has_tool(docebo: DoceboConnector) -> None:
    course = await anext(c async for c in docebo.list_courses() if c.type == "webinar")
    sessions = [s async for s in docebo.list_sessions(course_id=course.id)]
    assert sessions and all(s.webinar_tool for s in sessions)
    assert all(s.starts_at == s.events[0].starts_at for s in sessions)


async def test_list_sessions_every_event_starts_at_session_start_or_later(
    docebo: DoceboConnector,
) -> None:
    for session in await ilt_sessions(docebo):
        starts = [e.starts_at for e in session.events]
        assert all(s is not None and s.tzinfo is not None for s in starts)
        assert session.starts_at == min(s for s in starts if s is not None)
        assert session.ends_at == max(e.ends_at for e in session.events if e.ends_at is not None)


async def test_list_sessions_elearning_course_is_empty(docebo: DoceboConnector) -> None:
    course = await anext(c async for c in docebo.list_courses() if c.type == "elearning")
    assert [s async for s in docebo.list_sessions(course_id=course.id)] == []


async def test_list_sessions_unknown_course_raises_not_found(docebo: DoceboConnector) -> None:
    with pytest.raises(NotFoundError):
        await anext(aiter(docebo.list_sessions(course_id="999999")))


async def test_enroll_session_adds_user_to_roster(docebo: DoceboConnector) -> None:
    session = await open_session(docebo)
    user_id = await outsider(docebo, session.course_id)
    enrollment = await docebo.enroll_session(
        user_id=user_id, course_id=session.course_id, session_id=session.id
    )
    assert (enrollment.user.id, enrollment.course.id) == (user_id, session.course_id)
    assert enrollment.status is EnrollmentStatus.ENROLLED
    assert (await roster(docebo, session.id))[user_id]["status"] == "subscribed"
    (item,) = [
        e
        async for e in docebo.list_learner_enrollments(
            user_ids=[user_id], course_ids=[session.course_id], get_session_details=True
        )
    ]
    assert [str(s["id"]) for s in item.remote_data["enrolled_sessions"]] == [session.id]


async def test_enroll_session_with_level_sends_level(docebo: DoceboConnector) -> None:
    session = await open_session(docebo)
    user_id = await outsider(docebo, session.course_id)
    enrollment = await docebo.enroll_session(
        user_id=user_id, course_id=session.course_id, session_id=session.id, level="tutor"
    )
    assert wire_level(enrollment) == 4


async def test_enroll_session_full_session_puts_user_on_waiting_list(
    docebo: DoceboConnector,
) -> None:
    full = await full_session(docebo)
    course_id, session_id = str(full["course_id"]), str(full["id"])
    user_id = await outsider(docebo, course_id)
    enrollment = await docebo.enroll_session(
        user_id=user_id, course_id=course_id, session_id=session_id
    )
    assert enrollment.status is EnrollmentStatus.ASSIGNED
    assert (await roster(docebo, session_id))[user_id]["status"] == "waiting"
    after = await raw(docebo, f"/course/v1/sessions/{session_id}")
    assert after["enrolled_count"] == full["enrolled_count"]
    assert after["waiting_count"] == full["waiting_count"] + 1


async def test_enroll_session_twice_raises_conflict(docebo: DoceboConnector) -> None:
    session = await open_session(docebo)
    user_id = next(iter(await roster(docebo, session.id)))
    with pytest.raises(ConflictError) as info:
        await docebo.enroll_session(
            user_id=user_id, course_id=session.course_id, session_id=session.id
        )
    assert "already enrolled" in info.value.message.lower()


async def test_enroll_session_unknown_user_raises_not_found(docebo: DoceboConnector) -> None:
    session = await open_session(docebo)
    with pytest.raises(NotFoundError) as info:
        await docebo.enroll_session(
            user_id="999999", course_id=session.course_id, session_id=session.id
        )
    assert "not found" in info.value.message.lower()


async def test_enroll_session_of_another_course_raises_bad_request(
    docebo: DoceboConnector,
) -> None:
    sessions = await ilt_sessions(docebo)
    other = next(s for s in sessions if s.course_id != sessions[0].course_id)
    with pytest.raises(BadRequestError) as info:
        await docebo.enroll_session(
            user_id="10001", course_id=other.course_id, session_id=sessions[0].id
        )
    assert sessions[0].id in info.value.message


async def test_unenroll_session_keeps_course_enrollment(docebo: DoceboConnector) -> None:
    session = await open_session(docebo)
    user_id = next(iter(await roster(docebo, session.id)))
    await docebo.unenroll_session(
        user_id=user_id, course_id=session.course_id, session_id=session.id
    )
    assert user_id not in await roster(docebo, session.id)
    kept = [e async for e in docebo.list_enrollments(user_ids=[user_id])]
    assert session.course_id in {e.course.id for e in kept}


async def test_unenroll_session_moves_first_waiting_user_up(docebo: DoceboConnector) -> None:
    full = await full_session(docebo)
    course_id, session_id = str(full["course_id"]), str(full["id"])
    waiting_user, later_user = await outsiders(docebo, course_id, 2)
    for user_id in (waiting_user, later_user):
        await docebo.enroll_session(user_id=user_id, course_id=course_id, session_id=session_id)
    seated = next(
        u for u, e in (await roster(docebo, session_id)).items() if e["status"] == "subscribed"
    )
    await docebo.unenroll_session(user_id=seated, course_id=course_id, session_id=session_id)
    after = await roster(docebo, session_id)
    assert after[waiting_user]["status"] == "subscribed"
    assert after[later_user]["status"] == "waiting"
    (moved,) = [
        e async for e in docebo.list_enrollments(user_ids=[waiting_user], course_ids=[course_id])
    ]
    assert moved.status is EnrollmentStatus.ENROLLED


async def test_unenroll_session_user_not_in_session_raises_not_found(
    docebo: DoceboConnector,
) -> None:
    session = await open_session(docebo)
    user_id = await outsider(docebo, session.course_id)
    with pytest.raises(NotFoundError) as info:
        await docebo.unenroll_session(
            user_id=user_id, course_id=session.course_id, session_id=session.id
        )
    assert info.value.status == 404
    assert user_id in info.value.message


async def test_unenroll_session_of_another_course_raises_not_found(
    docebo: DoceboConnector,
) -> None:
    session = await open_session(docebo)
    user_id = next(iter(await roster(docebo, session.id)))
    with pytest.raises(NotFoundError, match="is not a session of course"):
        await docebo.unenroll_session(user_id=user_id, course_id="1", session_id=session.id)
    assert user_id in await roster(docebo, session.id)


async def test_update_rsvp_reports_each_row(docebo: DoceboConnector) -> None:
    session = await open_session(docebo)
    event_id = session.events[0].id
    seated = list(await roster(docebo, session.id))
    first, second = seated[0], seated[1]
    emails = {u.id: u.primary_email async for u in docebo.list_users()}
    stranger = await outsider(docebo, session.course_id)
    stored_at = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    (done,) = await docebo.update_rsvp(
        event_id=event_id,
        responses=[Rsvp(user_id=first, response=RsvpResponse.ATTENDING)],
        synchronized_at=stored_at,
    )
    assert done.success

    results = await docebo.update_rsvp(
        event_id=event_id,
        responses=[
            Rsvp(email=emails[second], response=RsvpResponse.NOT_ATTENDING),
            Rsvp(email="nobody@nowhere.example", response=RsvpResponse.MAYBE),
            Rsvp(user_id=stranger, response=RsvpResponse.ATTENDING),
            Rsvp(user_id=first, response=RsvpResponse.MAYBE),
        ],
        synchronized_at=stored_at - timedelta(hours=1),
    )
    assert [r.index for r in results] == [0, 1, 2, 3]
    assert [r.success for r in results] == [True, False, False, False]
    assert all(r.message for r in results)
    assert "nobody@nowhere.example" in (results[1].message or "")
    assert stranger in (results[2].message or "")
    after = await roster(docebo, session.id)
    rsvp = {u: {e["id_event"]: e["rsvp"] for e in after[u]["events"]} for u in (first, second)}
    assert rsvp[first][int(event_id)] == 1  # the stale row did not overwrite "attending"
    assert rsvp[second][int(event_id)] == 0


async def test_update_rsvp_unknown_event_raises_not_found(docebo: DoceboConnector) -> None:
    with pytest.raises(NotFoundError):
        await docebo.update_rsvp(
            event_id="999999", responses=[Rsvp(user_id="10001", response=RsvpResponse.MAYBE)]
        )


# -- enroll into a course with a capacity ------------------------------------------------------


async def test_enroll_full_course_returns_assigned(docebo: DoceboConnector) -> None:
    capped = [c async for c in docebo.list_courses() if c.remote_data.get("max_enrollments")]
    course = min(capped, key=lambda c: int(c.remote_data["max_enrollments"]))
    seated = [
        e
        async for e in docebo.list_enrollments(course_ids=[course.id])
        if e.remote_data["enrollment_status"] in ("subscribed", "in_progress", "completed")
    ]
    free = int(course.remote_data["max_enrollments"]) - len(seated)
    users = await outsiders(docebo, course.id, free + 1)
    statuses = [(await docebo.enroll(user_id=u, course_id=course.id)).status for u in users]
    assert statuses == [EnrollmentStatus.ENROLLED] * free + [EnrollmentStatus.ASSIGNED]


SINGLE_ENROLL = re.compile(r"/docebo/learn/v1/enrollments/\d+/\d+")


def waiting_answer(*, wrapped: bool) -> Answer:
    """The single enroll's answer with every row ``waiting`` (as for a course whose seats are
    all taken), inside Docebo's ``data`` wrapper or without it."""

    async def answer(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if request.method != "POST" or not SINGLE_ENROLL.fullmatch(request.url.path):
            return response
        await response.aread()
        data = response.json()["data"]
        data["enrolled"] = [{**row, "waiting": True} for row in data["enrolled"]]
        body = {"data": data, "version": "1.0.0", "_links": {}} if wrapped else data
        return httpx.Response(response.status_code, json=body, request=request)

    return answer


@pytest.mark.parametrize("wrapped", [True, False], ids=["wrapped", "unwrapped"])
async def test_enroll_waiting_answer_returns_assigned(
    sandbox_app: Starlette, wrapped: bool
) -> None:
    transport = Rerouting(sandbox_app, answer=waiting_answer(wrapped=wrapped))
    async with connector_over(sandbox_app, transport) as docebo:
        course = await anext(c async for c in docebo.list_courses() if c.type == "elearning")
        user_id = await outsider(docebo, course.id)
        enrollment = await docebo.enroll(user_id=user_id, course_id=course.id)
    assert enrollment.remote_data["enrollment_status"] == "subscribed"
    assert enrollment.status is EnrollmentStatus.ASSIGNED


# -- learning-plan unenrollment ----------------------------------------------------------------


async def course_state(
    connector: DoceboConnector, user_id: str, course_ids: tuple[str, ...]
) -> dict[str, Enrollment]:
    return {
        e.course.id: e
        async for e in connector.list_enrollments(user_ids=[user_id], course_ids=course_ids)
    }


async def plan_enrollment_ids(connector: DoceboConnector, user_id: str) -> set[str]:
    return {
        e.learning_plan.id
        async for e in connector.list_learning_plan_enrollments(user_ids=[user_id])
    }


async def test_unenroll_learning_plan_keeps_course_enrollments(docebo: DoceboConnector) -> None:
    pick = await plan_pick(docebo)
    before = await course_state(docebo, pick.user_id, pick.course_ids)
    await docebo.unenroll_learning_plan(user_id=pick.user_id, learning_plan_id=pick.plan.id)
    assert pick.plan.id not in await plan_enrollment_ids(docebo, pick.user_id)
    after = await course_state(docebo, pick.user_id, pick.course_ids)
    assert {c: (e.status, e.progress_percent) for c, e in after.items()} == {
        c: (e.status, e.progress_percent) for c, e in before.items()
    }


async def test_unenroll_learning_plan_with_cascade_removes_its_courses(
    docebo: DoceboConnector,
) -> None:
    pick = await plan_pick(docebo)
    await docebo.unenroll_learning_plan(
        user_id=pick.user_id, learning_plan_id=pick.plan.id, unenroll_courses=True
    )
    assert pick.plan.id not in await plan_enrollment_ids(docebo, pick.user_id)
    assert await course_state(docebo, pick.user_id, pick.course_ids) == {}


async def test_unenroll_learning_plan_reset_tracks_restarts_its_courses(
    docebo: DoceboConnector,
) -> None:
    pick = await plan_pick(docebo)
    before = await course_state(docebo, pick.user_id, pick.course_ids)
    await docebo.unenroll_learning_plan(
        user_id=pick.user_id, learning_plan_id=pick.plan.id, reset_tracks=True
    )
    after = await course_state(docebo, pick.user_id, pick.course_ids)
    assert set(after) == set(before)
    for enrollment in after.values():
        # subscribed again: enrolled, or expired/overdue when its validity has already ended
        assert enrollment.remote_data["enrollment_status"] == "subscribed"
        assert enrollment.status in (
            EnrollmentStatus.ENROLLED,
            EnrollmentStatus.EXPIRED,
            EnrollmentStatus.OVERDUE,
        )
        assert not enrollment.progress_percent
        assert not enrollment.time_spent_seconds
        assert enrollment.completed_at is None


async def test_unenroll_learning_plan_not_enrolled_raises_not_found(
    docebo: DoceboConnector,
) -> None:
    plan = await anext(aiter(docebo.list_learning_plans()))
    enrolled = {
        e.user.id async for e in docebo.list_learning_plan_enrollments(learning_plan_ids=[plan.id])
    }
    user_id = await anext(u.id async for u in docebo.list_users() if u.id not in enrolled)
    with pytest.raises(NotFoundError) as info:
        await docebo.unenroll_learning_plan(user_id=user_id, learning_plan_id=plan.id)
    assert user_id in info.value.message


async def test_unenroll_learning_plan_unknown_plan_raises_not_found(
    docebo: DoceboConnector,
) -> None:
    with pytest.raises(NotFoundError) as info:
        await docebo.unenroll_learning_plan(user_id="10001", learning_plan_id="9999")
    assert info.value.status == 404


# -- webhook events, in order ------------------------------------------------------------------


def common(body: dict[str, Any], event: str, *, batch: bool) -> dict[str, Any]:
    """Check the properties every Docebo webhook body has; the payload."""
    assert body["event"] == event
    assert body["webhook_id"] == 1
    assert body["original_domain"] == "lmsbridge-sandbox.docebosaas.com"
    assert body["message_id"].startswith("wh-")
    assert body["fired_by_batch_action"] is batch
    payload: dict[str, Any] = body["payload"]
    assert payload["fired_at"]
    return payload


async def test_enroll_session_fires_course_then_session_event(
    docebo: DoceboConnector, sandbox_app: Starlette
) -> None:
    session = await open_session(docebo)
    user_id = await outsider(docebo, session.course_id)
    mark = await last_event(sandbox_app)
    await docebo.enroll_session(user_id=user_id, course_id=session.course_id, session_id=session.id)
    course_body, session_body = await events_after(sandbox_app, mark)
    course_event = common(course_body, "course.enrollment.created", batch=True)
    assert (str(course_event["user_id"]), str(course_event["course_id"])) == (
        user_id,
        session.course_id,
    )
    payload = common(session_body, "ilt.session.enrollment.created", batch=True)
    assert (str(payload["user_id"]), str(payload["session_id"])) == (user_id, session.id)
    assert str(payload["course_id"]) == session.course_id
    assert payload["session_name"] == session.name
    assert not payload["waiting"]


async def test_enroll_session_full_session_fires_waiting_event(
    docebo: DoceboConnector, sandbox_app: Starlette
) -> None:
    full = await full_session(docebo)
    course_id, session_id = str(full["course_id"]), str(full["id"])
    user_id = await outsider(docebo, course_id)
    mark = await last_event(sandbox_app)
    await docebo.enroll_session(user_id=user_id, course_id=course_id, session_id=session_id)
    bodies = await events_after(sandbox_app, mark)
    assert [b["event"] for b in bodies] == [
        "course.enrollment.created",
        "ilt.session.enrollment.created",
    ]
    payload = common(bodies[1], "ilt.session.enrollment.created", batch=True)
    assert wire_truthy(payload["waiting"])


def wire_truthy(value: Any) -> bool:
    return value in (True, 1, "1", "true")


async def test_unenroll_session_fires_no_event(
    docebo: DoceboConnector, sandbox_app: Starlette
) -> None:
    session = await open_session(docebo)
    user_id = next(iter(await roster(docebo, session.id)))
    mark = await last_event(sandbox_app)
    await docebo.unenroll_session(
        user_id=user_id, course_id=session.course_id, session_id=session.id
    )
    assert await events_after(sandbox_app, mark) == []


async def test_update_rsvp_fires_no_event(docebo: DoceboConnector, sandbox_app: Starlette) -> None:
    session = await open_session(docebo)
    user_id = next(iter(await roster(docebo, session.id)))
    mark = await last_event(sandbox_app)
    rows = [Rsvp(user_id=user_id, response=RsvpResponse.ATTENDING)]
    (result,) = await docebo.update_rsvp(event_id=session.events[0].id, responses=rows)
    assert result.success
    assert await events_after(sandbox_app, mark) == []


async def test_enroll_fires_single_course_event(
    docebo: DoceboConnector, sandbox_app: Starlette
) -> None:
    course = await anext(c async for c in docebo.list_courses() if c.type == "elearning")
    user_id = await outsider(docebo, course.id)
    mark = await last_event(sandbox_app)
    await docebo.enroll(user_id=user_id, course_id=course.id)
    (body,) = await events_after(sandbox_app, mark)
    payload = common(body, "course.enrollment.created", batch=False)
    assert (str(payload["user_id"]), str(payload["course_id"])) == (user_id, course.id)
    assert payload["status"] == "subscribed"


async def test_unenroll_fires_single_course_deleted_event(
    docebo: DoceboConnector, sandbox_app: Starlette
) -> None:
    existing = await anext(aiter(docebo.list_enrollments()))
    mark = await last_event(sandbox_app)
    await docebo.unenroll(user_id=existing.user.id, course_id=existing.course.id)
    (body,) = await events_after(sandbox_app, mark)
    payload = common(body, "course.enrollment.deleted", batch=False)
    assert (str(payload["user_id"]), str(payload["course_id"])) == (
        existing.user.id,
        existing.course.id,
    )
    assert payload["username"] == existing.remote_data["username"]
    assert payload["course_name"] == existing.remote_data["course_name"]
    assert payload["unenrollment_date"]


async def test_unenroll_learning_plan_fires_plan_event(
    docebo: DoceboConnector, sandbox_app: Starlette
) -> None:
    pick = await plan_pick(docebo)
    mark = await last_event(sandbox_app)
    await docebo.unenroll_learning_plan(user_id=pick.user_id, learning_plan_id=pick.plan.id)
    (body,) = await events_after(sandbox_app, mark)
    payload = common(body, "learningplan.enrollment.deleted", batch=True)
    assert (str(payload["user_id"]), str(payload["learning_plan_id"])) == (
        pick.user_id,
        pick.plan.id,
    )
    assert payload["learning_plan_name"] == pick.plan.title
    assert payload["learning_plan_code"] == pick.plan.code


async def test_unenroll_learning_plan_reset_tracks_fires_plan_event_only(
    docebo: DoceboConnector, sandbox_app: Starlette
) -> None:
    pick = await plan_pick(docebo)
    mark = await last_event(sandbox_app)
    await docebo.unenroll_learning_plan(
        user_id=pick.user_id, learning_plan_id=pick.plan.id, reset_tracks=True
    )
    bodies = await events_after(sandbox_app, mark)
    assert [b["event"] for b in bodies] == ["learningplan.enrollment.deleted"]


async def test_unenroll_learning_plan_cascade_fires_plan_then_course_events(
    docebo: DoceboConnector, sandbox_app: Starlette
) -> None:
    pick = await plan_pick(docebo)
    mark = await last_event(sandbox_app)
    await docebo.unenroll_learning_plan(
        user_id=pick.user_id, learning_plan_id=pick.plan.id, unenroll_courses=True
    )
    plan_body, *course_bodies = await events_after(sandbox_app, mark)
    common(plan_body, "learningplan.enrollment.deleted", batch=True)
    removed = []
    for body in course_bodies:
        payload = common(body, "course.enrollment.deleted", batch=True)
        assert str(payload["user_id"]) == pick.user_id
        assert payload["unenrollment_date"]
        removed.append(str(payload["course_id"]))
    assert removed == list(pick.course_ids)
