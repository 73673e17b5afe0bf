"""Scenario loading and the deterministic, vendor-neutral world the sandbox is seeded from."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from sandbox.seeding import (
    SEED_DATA_DIR,
    STATES,
    Assignment,
    Scenario,
    ScenarioError,
    World,
    build_world,
    load_scenario,
)

ROOT = Path(__file__).resolve().parents[2]
UNSTARTED = {"waiting", "pending_approval", "not_started"}
FINISHED = {"completed", "passed", "failed"}
UNFINISHED = {*UNSTARTED, "in_progress"}

# The canonical dump, in this process and in a fresh one: keep the two in step.
DIGEST_CODE = (
    "import hashlib, orjson\n"
    "from sandbox.seeding import build_world, load_scenario\n"
    "w = build_world(load_scenario('default'))\n"
    "print(hashlib.sha256(orjson.dumps([w.people, w.courses, w.assignments])).hexdigest())\n"
)


def world_digest(world: World) -> str:
    dump = orjson.dumps([world.people, world.courses, world.assignments])
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
