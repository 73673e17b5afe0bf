"""Scenario loading and the deterministic, vendor-neutral world the sandbox is seeded from."""

from __future__ import annotations

import hashlib
import itertools
import os
import shutil
import subprocess
import sys
import zoneinfo
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from sandbox.app import REFERENCE_VENDOR, SandboxConfig, create_app, sandbox_of
from sandbox.seeding import (
    PLAN_STATES,
    SEED_DATA_DIR,
    SESSION_KINDS,
    STATES,
    WEBINAR_TOOLS,
    Assignment,
    Scenario,
    ScenarioError,
    Session,
    World,
    build_world,
    drift_world,
    load_scenario,
)

ROOT = Path(__file__).resolve().parents[2]
UNSTARTED = {"waiting", "pending_approval", "not_started"}
FINISHED = {"completed", "passed", "failed"}
UNFINISHED = {*UNSTARTED, "in_progress"}
NO_SESSION = {"waiting", "pending_approval"}
STARTED = {"in_progress", *FINISHED}
HOUR = timedelta(hours=1)

# The canonical dump, in this process and in a fresh one: keep the two in step.
DUMP = "[w.people, w.courses, w.assignments, w.sessions, w.learning_plans, w.plan_enrollments]"
DIGEST_CODE = (
    "import hashlib, orjson\n"
    "from sandbox.seeding import build_world, load_scenario\n"
    "w = build_world(load_scenario('default'))\n"
    f"print(hashlib.sha256(orjson.dumps({DUMP})).hexdigest())\n"
)


def world_digest(world: World) -> str:
    w = world
    dump = orjson.dumps(
        [w.people, w.courses, w.assignments, w.sessions, w.learning_plans, w.plan_enrollments]
    )
    return hashlib.sha256(dump).hexdigest()


@pytest.fixture(scope="module")
def default_world() -> World:
    return build_world(load_scenario("default"))


@pytest.fixture(scope="module")
def large_world() -> World:
    return build_world(load_scenario("large"))


@pytest.fixture(params=["default", "large"])
def world(request: pytest.FixtureRequest) -> World:
    fixture: World = request.getfixturevalue(f"{request.param}_world")
    return fixture


# --- loading ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "counts"),
    [("default", (300, 40, 3000)), ("large", (20_000, 400, 100_000))],
)
def test_load_scenario_bundled_ok(name: str, counts: tuple[int, int, int]) -> None:
    scenario = load_scenario(name)
    assert scenario.name == name
    assert (scenario.users, scenario.courses, scenario.enrollments) == counts
    assert scenario.locale == "en_US"
    assert scenario.reference_date == datetime(2026, 11, 1, tzinfo=UTC)
    assert scenario.source == SEED_DATA_DIR / f"{name}.toml"
    assert len(scenario.catalog) >= 60


def test_load_scenario_seed_override_applies() -> None:
    assert load_scenario("default", seed=42).seed == 42
    assert load_scenario("default").seed != 42


def test_load_scenario_path_uses_file_stem(tmp_path: Path) -> None:
    copy = tmp_path / "my-demo.toml"
    shutil.copy(SEED_DATA_DIR / "default.toml", copy)
    scenario = load_scenario(str(copy))
    assert scenario.name == "my-demo"
    assert scenario.catalog == load_scenario("default").catalog


def test_load_catalog_entries_unique_and_complete() -> None:
    catalog = load_scenario("default").catalog
    assert len({entry.title for entry in catalog}) == len(catalog) >= 60
    assert {entry.kind for entry in catalog} == {"elearning", "classroom", "webinar"}
    assert all(entry.duration_minutes > 0 and entry.description for entry in catalog)


# --- determinism -----------------------------------------------------------------------------


def test_build_world_same_seed_identical(default_world: World) -> None:
    again = build_world(load_scenario("default"))
    assert world_digest(again) == world_digest(default_world)
    assert repr(again) == repr(default_world)


def test_world_digest_covers_sessions_and_plans(default_world: World) -> None:
    dump = orjson.loads(orjson.dumps(default_world.sessions[:1]))
    assert dump[0]["events"][0]["session"] == 0
    assert default_world.sessions and default_world.learning_plans
    assert default_world.plan_enrollments
    assert "w.sessions, w.learning_plans, w.plan_enrollments" in DIGEST_CODE


def test_build_world_same_seed_identical_in_subprocess(default_world: World) -> None:
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    result = subprocess.run(
        [sys.executable, "-c", DIGEST_CODE],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert result.stdout.strip() == world_digest(default_world)


def test_build_world_other_seed_differs(default_world: World) -> None:
    other = build_world(load_scenario("default", seed=7))
    assert world_digest(other) != world_digest(default_world)
    assert [p.username for p in other.people] != [p.username for p in default_world.people]


# --- shape -----------------------------------------------------------------------------------


def test_build_world_counts_exact(world: World) -> None:
    scenario = world.scenario
    assert len(world.people) == scenario.users
    assert len(world.courses) == scenario.courses
    assert len(world.assignments) == scenario.enrollments
    assert [p.index for p in world.people] == list(range(scenario.users))
    assert [c.index for c in world.courses] == list(range(scenario.courses))
    assert [a.index for a in world.assignments] == list(range(scenario.enrollments))


def test_build_world_identifiers_unique(world: World) -> None:
    people, courses = world.people, world.courses
    assert len({p.username for p in people}) == len(people)
    assert len({p.email for p in people}) == len(people)
    assert all(p.email == p.email.lower() and p.email.endswith("@example-corp.com") for p in people)
    assert len({c.title for c in courses}) == len(courses)
    assert len({c.code for c in courses}) == len(courses)
    pairs = {(a.person, a.course) for a in world.assignments}
    assert len(pairs) == len(world.assignments)
    assert all(
        0 <= a.person < len(people) and 0 <= a.course < len(courses) for a in world.assignments
    )


def test_build_world_assignments_ordered_by_assigned_at(world: World) -> None:
    times = [a.assigned_at for a in world.assignments]
    assert times == sorted(times)


def test_build_world_default_every_state_present(default_world: World) -> None:
    counts = Counter(a.state for a in default_world.assignments)
    assert set(counts) == set(STATES)
    assert all(counts[state] >= 30 for state in STATES)


def test_build_world_default_levels_and_admins_plausible(default_world: World) -> None:
    levels = Counter(a.level for a in default_world.assignments)
    assert set(levels) <= {"student", "tutor", "instructor"}
    assert levels["student"] > 0.9 * len(default_world.assignments)
    admins = {p.index for p in default_world.people if p.is_admin}
    assert 1 <= len(admins) <= 12
    assert all(a.assigned_by in admins for a in default_world.assignments if a.assigned_by)
    assert any(a.assigned_by is None for a in default_world.assignments)
    inactive = sum(not p.active for p in default_world.people)
    assert 0 < inactive < len(default_world.people) // 4
    soft = sum(c.soft_deadline for c in default_world.courses)
    assert 0 < soft < len(default_world.courses)


def test_build_world_default_due_dates_overdue_and_future(default_world: World) -> None:
    reference = default_world.scenario.reference_date
    overdue = [
        a for a in default_world.assignments
        if a.due_at is not None and a.due_at < reference and a.state in UNFINISHED
    ]  # fmt: skip
    future = [a for a in default_world.assignments if a.due_at is not None and a.due_at > reference]
    assert len(overdue) >= 50
    assert len(future) >= 300
    assert any(a.mandatory for a in default_world.assignments)


# --- dates and progress ----------------------------------------------------------------------


def assignment_problem(a: Assignment, reference: datetime) -> str | None:
    """The first inconsistency of one assignment, or None."""
    started = a.state == "in_progress" or a.state in FINISHED
    past = [a.assigned_at, a.started_at, a.last_activity_at, a.completed_at, a.updated_at]
    checks = [
        ((a.completed_at is not None) == (a.state in FINISHED), "completed_at"),
        (not started or a.started_at is not None, "started_at"),
        (a.state not in UNSTARTED or a.started_at is None, "started_at unstarted"),
        (all(d is None or d < reference for d in past), "date not before reference"),
        (all(d is None or d.tzinfo == UTC for d in [*past, a.due_at, a.valid_from]), "tz"),
        (all(d is None or d <= a.updated_at for d in past), "updated_at"),
        (a.valid_from is None or a.valid_from >= reference or a.valid_from <= a.updated_at, "vf"),
        (all(d is None or d >= a.assigned_at for d in past), "before assigned_at"),
        (a.due_at is None or a.due_at >= a.assigned_at, "due_at before assigned_at"),
        (a.started_at is None or a.completed_at is None or a.started_at <= a.completed_at, "done"),
        ((a.started_at is None) == (a.last_activity_at is None), "last_activity_at"),
        (a.state not in UNSTARTED or a.progress_percent == 0, "progress unstarted"),
        (a.state != "in_progress" or 1 <= a.progress_percent <= 99, "progress in_progress"),
        (a.state not in {"completed", "passed"} or a.progress_percent == 100, "progress done"),
        (0 <= a.progress_percent <= 100, "progress range"),
        ((a.started_at is None) == (a.attempts == 0), "attempts"),
        ((a.started_at is None) == (a.time_spent_seconds == 0), "time_spent_seconds"),
        (a.score is None or (a.state in FINISHED and 0 <= a.score <= 100), "score"),
        (a.state not in {"passed", "failed"} or a.score is not None, "score missing"),
    ]
    return next((name for ok, name in checks if not ok), None)


def test_build_world_default_dates_consistent(default_world: World) -> None:
    reference = default_world.scenario.reference_date
    people = default_world.people
    courses = default_world.courses
    problems = [
        (a.index, problem)
        for a in default_world.assignments
        if (problem := assignment_problem(a, reference)) is not None
    ]
    assert problems == []
    for a in default_world.assignments:
        assert people[a.person].created_at < a.assigned_at
        assert courses[a.course].created_at < a.assigned_at
        access = people[a.person].last_access_at
        assert a.last_activity_at is None or (access is not None and access >= a.last_activity_at)
    for p in people:
        assert p.created_at < reference
        assert p.last_access_at is None or p.created_at <= p.last_access_at < reference
    for c in courses:
        assert c.created_at <= c.updated_at < reference


def test_build_world_dense_scenario_every_pair_once() -> None:
    scenario = Scenario(
        name="tiny",
        seed=3,
        locale="de_DE",
        reference_date=datetime(2026, 1, 1, tzinfo=UTC),
        users=4,
        courses=3,
        enrollments=12,
    )
    world = build_world(scenario)
    pairs = {(a.person, a.course) for a in world.assignments}
    assert pairs == {(p, c) for p in range(4) for c in range(3)}
    assert all(p.username.isascii() for p in world.people)
    assert world_digest(world) == world_digest(build_world(scenario))


# --- scenario keys for sessions and plans ----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [("default", (8, 0.2, (2, 4))), ("large", (60, 0.2, (4, 8)))],
)
def test_load_scenario_plan_and_session_keys_ok(
    name: str, expected: tuple[int, float, tuple[int, int]]
) -> None:
    scenario = load_scenario(name)
    got = (scenario.plan_count, scenario.plan_enrollment_share, scenario.sessions_per_course)
    assert got == expected


def test_load_scenario_plan_and_session_keys_default(tmp_path: Path) -> None:
    scenario = load_scenario(str(write_scenario(tmp_path, {"courses": "12"})))
    assert scenario.learning_plans is None
    assert scenario.plan_count == 2
    assert (scenario.plan_enrollment_share, scenario.sessions_per_course) == (0.2, (2, 4))
    two = load_scenario(str(write_scenario(tmp_path, {"courses": "2"})))
    assert two.plan_count == 0
    assert build_world(two).learning_plans == ()


@pytest.mark.parametrize(
    ("changes", "needle"),
    [
        ({"sessions_per_course": (0, 2)}, "'sessions_per_course' must be [min, max]"),
        ({"learning_plans": -2}, "'learning_plans' must be a whole number >= 0"),
        ({"plan_enrollment_share": 2.0}, "'plan_enrollment_share' must be a share"),
        ({"drift_status_share": -0.1}, "'drift_status_share' must be a share"),
    ],
)
def test_scenario_bad_plan_or_session_values_one_line_error(
    changes: dict[str, object], needle: str
) -> None:
    with pytest.raises(ScenarioError) as error:
        Scenario(
            name="tiny",
            seed=1,
            locale="en_US",
            reference_date=datetime(2026, 1, 1, tzinfo=UTC),
            users=5,
            courses=5,
            enrollments=5,
            **changes,  # type: ignore[arg-type]
        )
    assert_one_line(error, "scenario 'tiny': ", needle)


# --- sessions --------------------------------------------------------------------------------


OFFICE_ZONES = {
    "America/Chicago", "America/Los_Angeles", "America/Toronto", "Europe/London",
    "Europe/Paris", "Europe/Madrid", "Europe/Warsaw", "America/Sao_Paulo", "Asia/Singapore",
    "Asia/Kolkata", "Australia/Sydney", "America/New_York",
}  # fmt: skip


def session_loads(world: World) -> Counter[int]:
    return Counter(a.session for a in world.assignments if a.session is not None)


def groupby_course(world: World) -> dict[int, list[Session]]:
    groups: dict[int, list[Session]] = {}
    for session in world.sessions:
        groups.setdefault(session.course, []).append(session)
    return groups


def test_build_world_sessions_only_instructor_led(world: World) -> None:
    low, high = world.scenario.sessions_per_course
    per_course = Counter(session.course for session in world.sessions)
    for course in world.courses:
        if course.kind in SESSION_KINDS:
            assert low <= per_course[course.index] <= high, course
        else:
            assert per_course[course.index] == 0, course
    assert [s.index for s in world.sessions] == list(range(len(world.sessions)))
    events = [event for session in world.sessions for event in session.events]
    assert [e.index for e in events] == list(range(len(events)))
    assert all(e.session == s.index for s in world.sessions for e in s.events)
    for index, group in groupby_course(world).items():
        assert len({s.name for s in group}) == len(group), index
        assert all(s.name.startswith(world.courses[index].title + " \u2013 ") for s in group)


def test_build_world_sessions_past_and_upcoming(world: World) -> None:
    reference = world.scenario.reference_date
    for course, group in groupby_course(world).items():
        starts = [s.starts_at for s in group]
        assert starts == sorted(starts), course
        if len(group) >= 2:
            assert any(s.ends_at < reference for s in group), course
            assert any(s.starts_at > reference for s in group), course
        assert all(s.ends_at < reference or s.starts_at > reference for s in group), course
        created = world.courses[course].created_at
        assert all(s.starts_at > created for s in group), course


def test_build_world_session_events_ordered_inside_session(world: World) -> None:
    for session in world.sessions:
        course = world.courses[session.course]
        events = session.events
        assert 1 <= len(events) <= 3
        assert session.starts_at == events[0].starts_at
        assert session.ends_at == events[-1].ends_at
        for before, after in itertools.pairwise(events):
            assert before.ends_at < after.starts_at
        for event in events:
            assert event.starts_at.tzinfo == UTC
            assert timedelta(hours=1) <= event.ends_at - event.starts_at <= timedelta(hours=8)
            assert event.timezone == session.timezone
        if course.kind == "classroom":
            assert session.webinar_tool is None
            assert session.location is not None and session.location.endswith(
                ("Office", "Headquarters")
            )
            assert all(e.location == session.location and e.classroom for e in events)
            assert [e.name for e in events] == [f"Day {n}" for n in range(1, len(events) + 1)]
            if course.duration_seconds > 8 * 3600:
                assert len(events) >= 2
        else:
            assert session.webinar_tool in WEBINAR_TOOLS
            assert session.location is None
            assert [(e.name, e.location, e.classroom) for e in events] == [
                ("Live session", None, None)
            ]
        assert 0 <= session.min_enrollments <= session.max_enrollments


def test_build_world_session_local_times_match_tz_database(world: World) -> None:
    try:
        zones = {s.timezone: zoneinfo.ZoneInfo(s.timezone) for s in world.sessions}
    except zoneinfo.ZoneInfoNotFoundError:
        pytest.skip("no time zone database on this machine")
    for session in world.sessions:
        zone = zones[session.timezone]
        for event in session.events:
            start = event.starts_at.astimezone(zone)
            end = event.ends_at.astimezone(zone)
            assert start.date() == end.date(), session.name
            assert start.weekday() < 5, session.name
            if session.webinar_tool is None:
                assert (start.hour, start.minute) == (9, 0), session.name
            else:
                assert 9 <= start.hour <= 16 and start.minute in {0, 30}, session.name
            assert end.hour < 21 or (end.hour, end.minute) == (21, 0), session.name


def test_build_world_session_capacity_respected_and_some_full(world: World) -> None:
    loads = session_loads(world)
    reference = world.scenario.reference_date
    assert all(loads[s.index] <= s.max_enrollments for s in world.sessions)
    full = [s for s in world.sessions if loads[s.index] == s.max_enrollments > 0]
    assert 1 <= len(full) < len(world.sessions) // 3
    assert any(s.starts_at > reference for s in full)


def test_build_world_session_assignments_match_course(world: World) -> None:
    courses, sessions = world.courses, world.sessions
    for a in world.assignments:
        if courses[a.course].kind in SESSION_KINDS and a.state not in NO_SESSION:
            assert a.session is not None, a
            assert sessions[a.session].course == a.course, a
        else:
            assert a.session is None, a


def test_build_world_session_dates_fit_assignments(world: World) -> None:
    reference = world.scenario.reference_date
    upcoming = {s.course for s in world.sessions if s.starts_at > reference}
    for a in world.assignments:
        if a.session is None:
            continue
        session = world.sessions[a.session]
        assert a.assigned_at <= session.starts_at - HOUR, a
        if a.started_at is not None:
            assert a.started_at == session.starts_at < reference, a
        if a.completed_at is not None:
            assert a.completed_at >= session.ends_at, a
        if a.state in STARTED:
            assert session.ends_at < reference, a
        if a.state == "not_started" and a.course in upcoming:
            assert session.starts_at > reference, a


def test_build_world_single_session_per_course_still_consistent() -> None:
    scenario = Scenario(
        name="single",
        seed=11,
        locale="de_DE",
        reference_date=datetime(2026, 3, 30, tzinfo=UTC),
        users=80,
        courses=20,
        enrollments=600,
        sessions_per_course=(1, 1),
    )
    world = build_world(scenario)
    assert len(world.assignments) == 600
    assert Counter(s.course for s in world.sessions) == {
        c.index: 1 for c in world.courses if c.kind in SESSION_KINDS
    }
    loads = session_loads(world)
    assert all(loads[s.index] <= s.max_enrollments for s in world.sessions)
    for a in world.assignments:
        has_session = world.courses[a.course].kind in SESSION_KINDS and a.state not in NO_SESSION
        assert (a.session is not None) == has_session
        assert a.session is None or world.sessions[a.session].course == a.course
    assert {s.timezone for s in world.sessions} <= {"Europe/Berlin", *OFFICE_ZONES}


# --- learning plans --------------------------------------------------------------------------


def test_build_world_learning_plans_unique_and_focused(world: World) -> None:
    plans = world.learning_plans
    reference = world.scenario.reference_date
    assert len(plans) == world.scenario.plan_count
    assert [p.index for p in plans] == list(range(len(plans)))
    assert len({p.title for p in plans}) == len(plans)
    assert len({p.code for p in plans}) == len(plans)
    for plan in plans:
        assert plan.code.startswith("LP-") and plan.description
        assert 3 <= len(plan.courses) <= 6
        assert len(set(plan.courses)) == len(plan.courses)
        categories = Counter(world.courses[c].category for c in plan.courses)
        assert 2 * max(categories.values()) >= len(plan.courses), plan
        newest = max(world.courses[c].created_at for c in plan.courses)
        assert newest < plan.created_at <= plan.updated_at < reference


def test_build_world_plan_enrollments_cascade_to_courses(world: World) -> None:
    by_pair = {(a.person, a.course): a for a in world.assignments}
    enrollments = world.plan_enrollments
    assert [e.index for e in enrollments] == list(range(len(enrollments)))
    times = [e.assigned_at for e in enrollments]
    assert times == sorted(times)
    assert len({(e.person, e.plan) for e in enrollments}) == len(enrollments)
    people = world.people
    admins = {p.index for p in people if p.is_admin}
    for e in enrollments:
        plan = world.learning_plans[e.plan]
        assert plan.created_at < e.assigned_at < world.scenario.reference_date
        assert people[e.person].created_at < e.assigned_at
        assert e.assigned_by is None or e.assigned_by in admins
        assert e.due_at is None or e.due_at > e.assigned_at
        for course in plan.courses:
            assert (e.person, course) in by_pair, (e, course)
            assert e.assigned_at <= by_pair[e.person, course].assigned_at


def test_build_world_plan_enrollment_state_matches_courses(world: World) -> None:
    by_pair = {(a.person, a.course): a for a in world.assignments}
    for e in world.plan_enrollments:
        members = [by_pair[e.person, c] for c in world.learning_plans[e.plan].courses]
        done = [a for a in members if a.state in {"completed", "passed"}]
        if len(done) == len(members):
            assert e.state == "completed"
            assert e.completed_at == max(a.completed_at for a in done if a.completed_at)
        elif any(a.started_at is not None for a in members):
            assert (e.state, e.completed_at) == ("in_progress", None)
        else:
            assert (e.state, e.completed_at) == ("not_started", None)
        assert e.progress_percent == round(100 * len(done) / len(members))
        assert e.time_spent_seconds == sum(a.time_spent_seconds for a in members)
        assert e.updated_at >= max(e.assigned_at, *(a.updated_at for a in members))
        assert e.updated_at < world.scenario.reference_date


def test_build_world_plan_enrollments_fill_their_share(world: World) -> None:
    scenario = world.scenario
    budget = round(scenario.plan_enrollment_share * scenario.enrollments)
    cascaded = sum(len(world.learning_plans[e.plan].courses) for e in world.plan_enrollments)
    assert budget - 6 < cascaded <= budget
    assert {e.state for e in world.plan_enrollments} == set(PLAN_STATES)
    # every assignment belongs to at most one plan enrollment
    pairs = [
        (e.person, c) for e in world.plan_enrollments for c in world.learning_plans[e.plan].courses
    ]
    assert len(set(pairs)) == len(pairs)


@pytest.mark.parametrize(
    ("changes", "plans"),
    [({"learning_plans": 0}, 0), ({"plan_enrollment_share": 0.0}, 4), ({}, 4)],
)
def test_build_world_plan_settings_keep_counts_exact(
    changes: dict[str, object], plans: int
) -> None:
    scenario = Scenario(
        name="plans",
        seed=5,
        locale="en_GB",
        reference_date=datetime(2026, 6, 15, tzinfo=UTC),
        users=60,
        courses=20,
        enrollments=700,
        **changes,  # type: ignore[arg-type]
    )
    world = build_world(scenario)
    assert len(world.assignments) == 700
    assert len(world.learning_plans) == plans
    assert bool(world.plan_enrollments) == (scenario.plan_enrollment_share > 0 and plans > 0)
    assert len({(a.person, a.course) for a in world.assignments}) == 700
    assert state_count_errors(world) == []


def state_count_errors(world: World) -> list[tuple[str, int]]:
    """The states whose count is not the weighted share of the enrollments (rounded)."""
    scenario = world.scenario
    weights = scenario.status_weight_map
    total = sum(weights.values())
    counts = Counter(a.state for a in world.assignments)
    return [
        (state, counts[state])
        for state in STATES
        if abs(counts[state] - scenario.enrollments * weights[state] / total) >= 1
    ]


def test_build_world_state_counts_follow_weights(world: World) -> None:
    assert state_count_errors(world) == []


# --- drift -----------------------------------------------------------------------------------

DRIFT_KEYS = ("people_share", "missing_share", "status_share", "due_share")
DRIFTED = ("kombo", "ispring", "lms365")
DRIFT_DIGEST_CODE = (
    "import hashlib, orjson\n"
    "from sandbox.seeding import build_world, drift_world, load_scenario\n"
    "w = drift_world(build_world(load_scenario('default')), 'kombo')\n"
    f"print(hashlib.sha256(orjson.dumps({DUMP})).hexdigest())\n"
)


def undrifted(scenario: Scenario) -> Scenario:
    return replace(
        scenario,
        drift_people_share=0.0,
        drift_missing_share=0.0,
        drift_status_share=0.0,
        drift_due_share=0.0,
    )


def plan_pairs(world: World) -> set[tuple[int, int]]:
    return {
        (e.person, course)
        for e in world.plan_enrollments
        for course in world.learning_plans[e.plan].courses
    }


def test_load_scenario_drift_only_in_default() -> None:
    default = load_scenario("default")
    assert default.drifts
    shares = [getattr(default, f"drift_{key}") for key in DRIFT_KEYS]
    assert all(0 < share <= 0.05 for share in shares)
    assert not load_scenario("large").drifts
    assert not undrifted(default).drifts


def test_load_scenario_drift_keys_default_to_zero(tmp_path: Path) -> None:
    assert not load_scenario(str(write_scenario(tmp_path, {}))).drifts
    some = load_scenario(str(write_scenario(tmp_path, {}, "[drift]\ndue_share = 0.5\n")))
    assert (some.drift_due_share, some.drift_people_share, some.drifts) == (0.5, 0.0, True)


def test_drift_leaves_the_world_draws_unchanged(default_world: World) -> None:
    """The drift shares change no draw of the world: only the copies the tenants hold."""
    plain = build_world(undrifted(default_world.scenario))
    assert world_digest(plain) == world_digest(default_world)


def test_drift_world_zero_drift_is_the_world(default_world: World, large_world: World) -> None:
    plain = build_world(undrifted(default_world.scenario))
    for world in (plain, large_world):
        for vendor in DRIFTED:
            assert drift_world(world, vendor) is world


def test_drift_world_same_tenant_identical(default_world: World) -> None:
    again = drift_world(build_world(load_scenario("default")), "kombo")
    first = drift_world(default_world, "kombo")
    assert world_digest(again) == world_digest(first) != world_digest(default_world)
    assert repr(again) == repr(first)


def test_drift_world_same_tenant_identical_in_subprocess(default_world: World) -> None:
    env = {**os.environ, "PYTHONHASHSEED": "54321"}
    result = subprocess.run(
        [sys.executable, "-c", DRIFT_DIGEST_CODE],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert result.stdout.strip() == world_digest(drift_world(default_world, "kombo"))


def test_drift_world_differs_per_tenant_and_seed(default_world: World) -> None:
    digests = {world_digest(drift_world(default_world, vendor)) for vendor in DRIFTED}
    assert len(digests) == len(DRIFTED)
    other = build_world(load_scenario("default", seed=7))
    gone = {p.index for p in default_world.people} - {
        p.index for p in drift_world(default_world, "kombo").people
    }
    other_gone = {p.index for p in other.people} - {
        p.index for p in drift_world(other, "kombo").people
    }
    assert gone != other_gone


@pytest.mark.parametrize("vendor", DRIFTED)
def test_drift_world_shares_honoured(default_world: World, vendor: str) -> None:
    world, s = default_world, default_world.scenario
    own = drift_world(world, vendor)
    by_index = {a.index: a for a in world.assignments}
    people = {p.index for p in own.people}
    candidates = [p for p in world.people if not p.is_admin]
    gone = [p for p in world.people if p.index not in people]
    assert gone and all(not p.is_admin for p in gone)
    assert len(gone) == round(s.drift_people_share * len(candidates))

    kept = [a for a in world.assignments if a.person in people]
    in_plan = plan_pairs(world)
    loose = [a for a in kept if (a.person, a.course) not in in_plan]
    present = {a.index for a in own.assignments}
    missing = [a for a in kept if a.index not in present]
    assert missing and all((a.person, a.course) not in in_plan for a in missing)
    assert len(missing) == round(s.drift_missing_share * len(loose))
    assert len(own.assignments) == len(kept) - len(missing)

    flipped = [a for a in own.assignments if a.state != by_index[a.index].state]
    moved = [a for a in own.assignments if a.due_at != by_index[a.index].due_at]
    share = len(flipped) / sum(
        by_index[a.index].state in {"completed", "in_progress"} for a in own.assignments
    )
    assert flipped and 0.5 * s.drift_status_share <= share <= s.drift_status_share
    dated = sum(by_index[a.index].due_at is not None for a in own.assignments)
    assert len(moved) == round(s.drift_due_share * dated)
    # people gone take their enrollments and plan enrollments along
    assert {e.person for e in own.plan_enrollments} <= people
    assert len(own.plan_enrollments) < len(world.plan_enrollments)


@pytest.mark.parametrize("vendor", DRIFTED)
def test_drift_world_changes_only_what_it_says(default_world: World, vendor: str) -> None:
    world = default_world
    own = drift_world(world, vendor)
    by_index = {a.index: a for a in world.assignments}
    people = {p.index: p for p in world.people}
    assert all(people[p.index] is p for p in own.people)
    assert own.courses is world.courses and own.sessions is world.sessions
    assert own.learning_plans is world.learning_plans
    plans = {e.index: e for e in world.plan_enrollments}
    assert all(plans[e.index] is e for e in own.plan_enrollments)
    kinds: Counter[str] = Counter()
    for a in own.assignments:
        before = by_index[a.index]
        if a.state != before.state:
            kinds[f"{before.state}>{a.state}"] += 1
            assert (before.state, a.state) in {
                ("completed", "in_progress"),
                ("in_progress", "completed"),
            }
            assert before.session is None or before.state == "completed"
        if a.due_at != before.due_at:
            assert a.due_at is not None and before.due_at is not None
            shift = a.due_at - before.due_at
            assert shift.seconds == 0 and 1 <= abs(shift.days) <= 14
            kinds["later" if shift.days > 0 else "earlier"] += 1
        unchanged = ("index", "person", "course", "level", "assigned_at", "assigned_by")
        assert all(getattr(a, key) == getattr(before, key) for key in unchanged)
    assert set(kinds) == {"completed>in_progress", "in_progress>completed", "later", "earlier"}


@pytest.mark.parametrize("vendor", DRIFTED)
def test_drift_world_stays_consistent(default_world: World, vendor: str) -> None:
    """The drifted copy holds every rule of a built world, but that indexes may have gaps."""
    own = drift_world(default_world, vendor)
    reference = own.scenario.reference_date
    problems = [
        (a.index, problem)
        for a in own.assignments
        if (problem := assignment_problem(a, reference)) is not None
    ]
    assert problems == []
    people = {p.index: p for p in own.people}
    admins = {p.index for p in own.people if p.is_admin}
    assert admins == {p.index for p in default_world.people if p.is_admin}
    for a in own.assignments:
        assert a.person in people and (a.assigned_by is None or a.assigned_by in admins)
        if a.session is not None:
            session = own.sessions[a.session]
            assert session.course == a.course
            assert a.completed_at is None or a.completed_at >= session.ends_at
            assert a.state not in STARTED or session.ends_at < reference
    by_pair = {(a.person, a.course): a for a in own.assignments}
    for e in own.plan_enrollments:
        members = [by_pair[e.person, c] for c in own.learning_plans[e.plan].courses]
        done = [a for a in members if a.state in {"completed", "passed"}]
        assert e.progress_percent == round(100 * len(done) / len(members))
    times = [a.assigned_at for a in own.assignments]
    assert times == sorted(times)


def test_sandbox_reference_vendor_holds_the_world_as_is(default_world: World) -> None:
    sandbox = sandbox_of(create_app(SandboxConfig(memory=True)))
    tables = sandbox.seed_tables()
    for name, vendor in sandbox.vendors.items():
        own = {table: tables[table] for table in vendor.seed_tables(default_world)}
        if name == REFERENCE_VENDOR:
            assert own == vendor.seed_tables(default_world)
        else:
            assert own != vendor.seed_tables(default_world)
            assert own == vendor.seed_tables(drift_world(default_world, name))


# --- errors ----------------------------------------------------------------------------------

BASE: dict[str, str] = {
    "seed": "7",
    "locale": '"en_US"',
    "reference_date": "2026-11-01",
    "users": "10",
    "courses": "3",
    "enrollments": "20",
}


def write_scenario(tmp_path: Path, changes: dict[str, str | None], extra: str = "") -> Path:
    """A scenario file: BASE with keys replaced (or removed when None), then extra lines."""
    values = {**BASE, **changes}
    lines = [f"{key} = {value}" for key, value in values.items() if value is not None]
    path = tmp_path / "broken.toml"
    path.write_text("\n".join(lines) + "\n" + extra)
    return path


def assert_one_line(error: pytest.ExceptionInfo[ScenarioError], *needles: str) -> None:
    message = str(error.value)
    assert "\n" not in message
    for needle in needles:
        assert needle in message, message


@pytest.mark.parametrize(
    ("changes", "extra", "needle"),
    [
        ({"users": None}, "", "'users' is missing"),
        ({"users": "0"}, "", "'users' must be a positive whole number"),
        ({"users": '"ten"'}, "", "'users' must be a positive whole number"),
        ({"users": "true"}, "", "'users' must be a positive whole number"),
        ({"courses": "2.5"}, "", "'courses' must be a positive whole number"),
        ({"seed": '"abc"'}, "", "'seed' must be a whole number"),
        ({"locale": '"xx_YY"'}, "", "'locale' 'xx_YY' is not a locale"),
        ({"reference_date": '"yesterday"'}, "", "'reference_date' must be a date"),
        ({"reference_date": "2026-11-01T10:00:00"}, "", "'reference_date' must be a date"),
        ({"reference_date": None}, "", "'reference_date' is missing"),
        ({"enrollments": "31"}, "", "'enrollments' (31) must not exceed users x courses"),
        ({"mandatory_share": "1.5"}, "", "'mandatory_share' must be a share between 0 and 1"),
        ({"admins": "11"}, "", "'admins' (11) must not exceed 'users' (10)"),
        ({"history_days": "10"}, "", "'history_days' must be a whole number >= 60"),
        ({"company_domain": '"Not A Domain"'}, "", "'company_domain'"),
        ({"userz": "5"}, "", "unknown key 'userz'"),
        ({"catalog": '"nope.toml"'}, "", "'catalog' file"),
        ({"status_weights": "3"}, "", "'status_weights' must be a table"),
        ({}, "[status_weights]\nbogus = 1\n", "'status_weights.bogus' is not a state"),
        ({}, "[status_weights]\nwaiting = -1\n", "'status_weights.waiting' must be a number >= 0"),
        ({}, "[status_weights]\nwaiting = 0\n", "at least one state a positive weight"),
        ({}, "users = = 3\n", "not valid TOML"),
        ({"learning_plans": "-1"}, "", "'learning_plans' must be a whole number >= 0"),
        ({"learning_plans": '"8"'}, "", "'learning_plans' must be a whole number >= 0"),
        (
            {"courses": "2", "enrollments": "10", "learning_plans": "1"},
            "",
            "'learning_plans' needs at least 3 courses",
        ),
        ({"plan_enrollment_share": "1.2"}, "", "'plan_enrollment_share' must be a share"),
        ({"sessions_per_course": "[3, 2]"}, "", "'sessions_per_course' must be [min, max]"),
        ({"sessions_per_course": "[0, 2]"}, "", "'sessions_per_course' must be [min, max]"),
        ({"sessions_per_course": "[1, 51]"}, "", "'sessions_per_course' must be [min, max]"),
        ({"sessions_per_course": "[1, 2, 3]"}, "", "'sessions_per_course' must be [min, max]"),
        ({"sessions_per_course": "[1.5, 2]"}, "", "'sessions_per_course' must be [min, max]"),
        ({"sessions_per_course": "3"}, "", "'sessions_per_course' must be [min, max]"),
        ({"drift": "0.1"}, "", "'drift' must be a table"),
        ({}, "[drift]\npeople_share = 1.5\n", "'drift.people_share' must be a share"),
        ({}, '[drift]\ndue_share = "a"\n', "'drift.due_share' must be a share"),
        ({}, "[drift]\nstatus = 0.1\n", "unknown key 'drift.status'"),
    ],
)
def test_load_scenario_bad_file_one_line_error(
    tmp_path: Path, changes: dict[str, str | None], extra: str, needle: str
) -> None:
    path = write_scenario(tmp_path, changes, extra)
    with pytest.raises(ScenarioError) as error:
        load_scenario(str(path))
    assert_one_line(error, str(path), needle)


CATALOG_COURSE = (
    '[[course]]\ntitle = "A"\ncategory = "Compliance"\nkind = "elearning"\n'
    'duration_minutes = 30\ndescription = "About A."\n'
)


@pytest.mark.parametrize(
    ("catalog", "needle"),
    [
        (
            '[categories]\n"Compliance" = "CMP"\n' + CATALOG_COURSE.replace("elearning", "pod"),
            "'kind'",
        ),
        ('[categories]\n"Compliance" = "CMP"\n' + CATALOG_COURSE * 2, "'title' 'A' appears twice"),
        ('[categories]\n"Other" = "OTH"\n' + CATALOG_COURSE, "is not listed under [categories]"),
        ('[categories]\n"Compliance" = "cmp"\n' + CATALOG_COURSE, "must be a code prefix"),
        (
            '[categories]\n"Compliance" = "CMP"\n'
            + CATALOG_COURSE.replace('description = "About A."\n', ""),
            "course 1: 'description' is missing",
        ),
        ('[categories]\n"Compliance" = "CMP"\n', "'course' is missing"),
    ],
)
def test_load_scenario_bad_catalog_one_line_error(
    tmp_path: Path, catalog: str, needle: str
) -> None:
    catalog_path = tmp_path / "my-catalog.toml"
    catalog_path.write_text(catalog)
    path = write_scenario(tmp_path, {"catalog": '"my-catalog.toml"'})
    with pytest.raises(ScenarioError) as error:
        load_scenario(str(path))
    assert_one_line(error, str(catalog_path), needle)


def test_load_scenario_unknown_name_lists_known() -> None:
    with pytest.raises(ScenarioError) as error:
        load_scenario("nope")
    assert_one_line(error, "scenario 'nope' not found in seed-data/ (known: default, large)")


@pytest.mark.parametrize(
    ("target", "needle"),
    [("missing.toml", "scenario file"), ("folder.toml", "is a folder")],
)
def test_load_scenario_unreadable_path_one_line_error(
    tmp_path: Path, target: str, needle: str
) -> None:
    (tmp_path / "folder.toml").mkdir()
    with pytest.raises(ScenarioError) as error:
        load_scenario(str(tmp_path / target))
    assert_one_line(error, str(tmp_path / target), needle)


def test_load_scenario_bad_seed_override_one_line_error() -> None:
    with pytest.raises(ScenarioError) as error:
        load_scenario("default", seed=True)
    assert_one_line(error, "the seed must be a whole number")


def test_scenario_inconsistent_counts_one_line_error() -> None:
    with pytest.raises(ScenarioError) as error:
        Scenario(
            name="tiny",
            seed=1,
            locale="en_US",
            reference_date=datetime(2026, 1, 1, tzinfo=UTC),
            users=2,
            courses=2,
            enrollments=5,
        )
    assert_one_line(error, "scenario 'tiny': 'enrollments' (5) must not exceed")
