"""Scenarios, and the deterministic, vendor-neutral tenant every vendor emulation is built from.

A scenario is a TOML file in ``seed-data/`` (or anywhere, given by path) that says how big the
tenant is and how its enrollments are spread: ``seed``, ``locale``, ``reference_date``, the counts
``users``, ``courses`` and ``enrollments``, a few shares and the ``status_weights`` of the neutral
enrollment states in :data:`STATES`, and optionally ``learning_plans``,
``plan_enrollment_share`` and ``sessions_per_course``. Courses come from a catalog file
(``seed-data/catalog.toml`` unless the scenario names another one); files named
``catalog*.toml`` are catalogs, never scenarios.

:func:`build_world` turns a scenario into people, courses, the sessions of the classroom and
webinar courses, learning plans, plan enrollments and assignments. It is a pure function of the
scenario: every random draw goes through one ``random.Random(seed)`` and one ``Faker`` seeded
with the same seed, and every date is relative to ``reference_date``, never to the real clock
(local session times use fixed daylight-saving rules, not the machine's tz database), so the
same scenario and seed give the same world byte for byte, in any process, on any day. The
vendor emulations map this world onto their own payloads; nothing here knows a vendor.

Drift: so that tenants can be reconciled against each other, a scenario may let every tenant
but a reference one (the sandbox keeps Docebo's as built) hold a slightly different copy of
the world. :func:`drift_world` makes that copy for a tenant name; its optional ``[drift]`` table
has four shares, each 0 (no drift) when left out:

    people_share    of the people (never admins) the tenant does not have, nor their enrollments
    missing_share   of the remaining enrollments outside learning plans the tenant lacks
    status_share    of the remaining in-progress enrollments without a session and completed
                    ones outside learning plans whose state is flipped (in progress <-> completed)
    due_share       of the remaining enrollments with a due date whose due date is moved by
                    1-14 whole days, earlier or later (never before the enrollment's assignment)

Each share is a fraction of its candidates, rounded to a whole count. The draws go through a
``random.Random`` of their own, seeded with the scenario's seed and the tenant name, so the same
scenario, seed and tenant give the same copy byte for byte and the world's own draws do not
change. A drifted copy keeps the ``index`` of every record it keeps: indexes may have gaps, so
look records up by index, never by position.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import importlib.util
import math
import random
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from faker import Faker


__all__ = [
    "PLAN_STATES",
    "SEED_DATA_DIR",
    "SESSION_KINDS",
    "STATES",
    "WEBINAR_TOOLS",
    "Assignment",
    "CatalogEntry",
    "LearningPlan",
    "Offering",
    "Person",
    "PlanEnrollment",
    "Scenario",
    "ScenarioError",
    "Session",
    "SessionEvent",
    "World",
    "build_world",
    "drift_world",
    "load_scenario",
]

SEED_DATA_DIR: Final[Path] = Path(__file__).resolve().parents[1] / "seed-data"
"""The repository's ``seed-data/`` folder, where bare scenario names are looked up."""

DEFAULT_CATALOG: Final[Path] = SEED_DATA_DIR / "catalog.toml"

STATES: Final[tuple[str, ...]] = (
    "waiting",
    "pending_approval",
    "not_started",
    "in_progress",
    "completed",
    "passed",
    "failed",
    "withdrawn",
)
"""The vendor-neutral enrollment states, in the order of a learner's journey."""

KINDS: Final[tuple[str, ...]] = ("elearning", "classroom", "webinar")
LEVELS: Final[tuple[str, ...]] = ("student", "tutor", "instructor")
SESSION_KINDS: Final = frozenset({"classroom", "webinar"})
"""The course kinds taught in instructor-led sessions."""
PLAN_STATES: Final[tuple[str, ...]] = ("not_started", "in_progress", "completed")
"""The states of a learning-plan enrollment, derived from its course assignments."""
WEBINAR_TOOLS: Final[tuple[str, ...]] = ("zoom", "msteams", "webex", "gotomeeting")

_UNSTARTED: Final = frozenset({"waiting", "pending_approval", "not_started"})
_FINISHED: Final = frozenset({"completed", "passed", "failed"})

_DAY: Final = 86_400
_HOUR: Final = 3_600


class ScenarioError(ValueError):
    """A scenario or catalog that cannot be used; the message is one readable line."""


# --------------------------------------------------------------------------------------------
# The data model
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """One course of a catalog file, before it becomes an :class:`Offering`."""

    title: str
    category: str
    code_prefix: str
    kind: str
    duration_minutes: int
    description: str


DEFAULT_STATUS_WEIGHTS: Final[tuple[tuple[str, float], ...]] = (
    ("waiting", 3.0),
    ("pending_approval", 4.0),
    ("not_started", 20.0),
    ("in_progress", 22.0),
    ("completed", 24.0),
    ("passed", 14.0),
    ("failed", 5.0),
    ("withdrawn", 8.0),
)


@dataclass(frozen=True, slots=True)
class Scenario:
    """How big the tenant is and how its enrollments are spread.

    Only the first seven fields are required when building one in code; the rest have the
    defaults of the demo scenario. ``admins=None`` derives the number of admins from ``users``,
    ``learning_plans=None`` the number of learning plans from ``courses`` (see
    :attr:`plan_count`), and an empty ``catalog`` means the repository's
    ``seed-data/catalog.toml``. ``plan_enrollment_share`` is the share of ``enrollments`` that
    come from learning-plan enrollments cascading into their courses; every classroom and
    webinar course gets between ``sessions_per_course[0]`` and ``[1]`` sessions. The
    ``drift_*`` shares are the ``[drift]`` table's (see the module docstring).
    """

    name: str
    seed: int
    locale: str
    reference_date: datetime
    users: int
    courses: int
    enrollments: int
    description: str = ""
    company_domain: str = "example-corp.com"
    admins: int | None = None
    history_days: int = 1095
    inactive_user_share: float = 0.08
    mandatory_share: float = 0.45
    due_date_share: float = 0.6
    overdue_share: float = 0.3
    self_enrolled_share: float = 0.35
    soft_deadline_share: float = 0.33
    status_weights: tuple[tuple[str, float], ...] = DEFAULT_STATUS_WEIGHTS
    learning_plans: int | None = None
    plan_enrollment_share: float = 0.2
    sessions_per_course: tuple[int, int] = (2, 4)
    drift_people_share: float = 0.0
    drift_missing_share: float = 0.0
    drift_status_share: float = 0.0
    drift_due_share: float = 0.0
    #: the sandbox's settings, checked by the sandbox: the ``[[faults]]`` tables (fault rules,
    #: ``sandbox.faults``) and the ``[activity]`` table (a learner-activity timer,
    #: ``sandbox.activity``)
    faults: tuple[Mapping[str, object], ...] = ()
    activity: Mapping[str, object] | None = None
    catalog: tuple[CatalogEntry, ...] = ()
    source: Path | None = None

    def __post_init__(self) -> None:
        problem = _scenario_problem(self)
        if problem is not None:
            where = _display(self.source) if self.source else f"scenario '{self.name}'"
            raise ScenarioError(f"{where}: {problem}")

    @property
    def status_weight_map(self) -> dict[str, float]:
        """The weight of every state in :data:`STATES` (0 for states the scenario leaves out)."""
        weights = dict.fromkeys(STATES, 0.0)
        weights.update(self.status_weights)
        return weights

    @property
    def drifts(self) -> bool:
        """Whether tenants other than the reference one hold a drifted copy of the world."""
        return any(getattr(self, f"drift_{key}") for key in _DRIFT_SHARES)

    @property
    def plan_count(self) -> int:
        """How many learning plans: ``learning_plans``, else about one per five courses."""
        if self.learning_plans is not None:
            return self.learning_plans
        return max(1, round(self.courses / 5)) if self.courses >= _PLAN_MIN_COURSES else 0


@dataclass(frozen=True, slots=True)
class Person:
    """A user of the tenant."""

    index: int
    first_name: str
    last_name: str
    username: str
    email: str
    active: bool
    created_at: datetime
    last_access_at: datetime | None
    language: str
    timezone: str
    job_title: str
    department: str
    is_admin: bool


@dataclass(frozen=True, slots=True)
class Offering:
    """A course."""

    index: int
    title: str
    code: str
    description: str
    kind: str
    category: str
    language: str
    duration_seconds: int
    created_at: datetime
    updated_at: datetime
    soft_deadline: bool


@dataclass(frozen=True, slots=True)
class Assignment:
    """One enrollment of a person in a course; (person, course) pairs are unique."""

    index: int
    person: int
    course: int
    state: str
    level: str
    assigned_at: datetime
    assigned_by: int | None
    valid_from: datetime | None
    due_at: datetime | None
    started_at: datetime | None
    last_activity_at: datetime | None
    completed_at: datetime | None
    progress_percent: int
    score: float | None
    time_spent_seconds: int
    mandatory: bool
    attempts: int
    updated_at: datetime
    session: int | None = None
    """The :class:`Session` of its course it attends: set for classroom and webinar courses
    in every state but ``waiting`` and ``pending_approval``, else None."""


@dataclass(frozen=True, slots=True)
class SessionEvent:
    """One day (or the one live meeting) of a :class:`Session`; starts and ends the same day."""

    index: int
    session: int
    name: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    classroom: str | None
    location: str | None


@dataclass(frozen=True, slots=True)
class Session:
    """A scheduled run of a classroom or webinar course, with its 1-3 events in order."""

    index: int
    course: int
    name: str
    description: str
    starts_at: datetime
    ends_at: datetime
    min_enrollments: int
    max_enrollments: int
    location: str | None
    webinar_tool: str | None
    timezone: str
    events: tuple[SessionEvent, ...]


@dataclass(frozen=True, slots=True)
class LearningPlan:
    """An ordered group of 3-6 courses, mostly of one category."""

    index: int
    title: str
    code: str
    description: str
    courses: tuple[int, ...]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class PlanEnrollment:
    """A person's enrollment in a learning plan; it has an :class:`Assignment` per plan course.

    ``state``, ``progress_percent``, ``completed_at`` and ``time_spent_seconds`` are derived
    from those assignments: completed when all are completed or passed, in progress when any
    has started, else not started.
    """

    index: int
    person: int
    plan: int
    assigned_at: datetime
    assigned_by: int | None
    due_at: datetime | None
    state: str
    progress_percent: int
    completed_at: datetime | None
    time_spent_seconds: int
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class World:
    """Everything a vendor emulation needs to build its tenant from.

    In a built world every record's ``index`` is its position. A drifted copy
    (:func:`drift_world`) keeps the index of every person, assignment and plan enrollment it
    keeps, leaving gaps: look those up by index, not by position. Courses, sessions and
    learning plans never drift.
    """

    scenario: Scenario
    people: tuple[Person, ...]
    courses: tuple[Offering, ...]
    assignments: tuple[Assignment, ...]
    sessions: tuple[Session, ...] = ()
    learning_plans: tuple[LearningPlan, ...] = ()
    plan_enrollments: tuple[PlanEnrollment, ...] = ()


# --------------------------------------------------------------------------------------------
# Loading scenarios and catalogs
# --------------------------------------------------------------------------------------------

_SHARES: Final[tuple[str, ...]] = (
    "inactive_user_share",
    "mandatory_share",
    "due_date_share",
    "overdue_share",
    "self_enrolled_share",
    "soft_deadline_share",
    "plan_enrollment_share",
)
_DRIFT_SHARES: Final[tuple[str, ...]] = (
    "people_share",
    "missing_share",
    "status_share",
    "due_share",
)
"""The keys of a scenario's ``[drift]`` table; the :class:`Scenario` fields are ``drift_<key>``."""
_MAX_DUE_SHIFT_DAYS: Final = 14
_SCENARIO_KEYS: Final[frozenset[str]] = frozenset(
    {
        "name",
        "description",
        "seed",
        "locale",
        "reference_date",
        "company_domain",
        "catalog",
        "users",
        "courses",
        "enrollments",
        "admins",
        "history_days",
        "status_weights",
        "learning_plans",
        "sessions_per_course",
        "drift",
        "faults",
        "activity",
        *_SHARES,
    }
)
_CATALOG_KEYS: Final[frozenset[str]] = frozenset({"categories", "course"})
_COURSE_KEYS: Final[frozenset[str]] = frozenset(
    {"title", "category", "kind", "duration_minutes", "description"}
)
_DOMAIN: Final = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_PREFIX: Final = re.compile(r"^[A-Z]{2,5}$")
_MIN_HISTORY_DAYS: Final = 60
_MAX_HISTORY_DAYS: Final = 36_500
_PLAN_MIN_COURSES: Final = 3
_PLAN_MAX_COURSES: Final = 6
_MAX_SESSIONS_PER_COURSE: Final = 50
_SESSIONS_PROBLEM: Final = (
    f"'sessions_per_course' must be [min, max] with 1 <= min <= max <= {_MAX_SESSIONS_PER_COURSE}"
)


def _display(path: Path) -> str:
    """The path relative to the repository when inside it (``seed-data/x.toml``), else as is."""
    root = SEED_DATA_DIR.parent
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _scenario_problem(s: Scenario) -> str | None:
    """The first thing wrong with a scenario's values, naming the key, or None."""
    problem: str | None = None
    if not s.name:
        problem = "'name' must not be empty"
    elif not _is_whole(s.seed):
        problem = "'seed' must be a whole number"
    elif s.locale not in _available_locales():
        problem = f"'locale' {s.locale!r} is not a locale Faker knows (e.g. en_US, de_DE)"
    elif (
        not isinstance(s.reference_date, datetime)
        or s.reference_date.tzinfo is None
        or s.reference_date.utcoffset()
    ):
        problem = "'reference_date' must be an aware UTC datetime"
    else:
        problem = (
            _count_problem(s)
            or _share_problem(s)
            or _weights_problem(s.status_weights)
            or _plan_problem(s)
        )
    if problem is None and not _DOMAIN.match(s.company_domain):
        problem = f"'company_domain' {s.company_domain!r} must be a lowercase domain name"
    return problem


def _count_problem(s: Scenario) -> str | None:
    for key in ("users", "courses", "enrollments"):
        value = getattr(s, key)
        if not _is_whole(value) or value < 1:
            return f"'{key}' must be a positive whole number"
    if s.enrollments > s.users * s.courses:
        return (
            f"'enrollments' ({s.enrollments}) must not exceed users x courses "
            f"({s.users} x {s.courses} = {s.users * s.courses}): each pair is enrolled once"
        )
    if s.admins is not None and (not _is_whole(s.admins) or not 1 <= s.admins <= s.users):
        return f"'admins' must be a whole number between 1 and users ({s.users})"
    if not _is_whole(s.history_days) or not (
        _MIN_HISTORY_DAYS <= s.history_days <= _MAX_HISTORY_DAYS
    ):
        return (
            f"'history_days' must be a whole number between {_MIN_HISTORY_DAYS} "
            f"and {_MAX_HISTORY_DAYS}"
        )
    return None


def _plan_problem(s: Scenario) -> str | None:
    plans = s.learning_plans
    if plans is not None and (not _is_whole(plans) or plans < 0):
        return "'learning_plans' must be a whole number >= 0"
    if plans and s.courses < _PLAN_MIN_COURSES:
        return (
            f"'learning_plans' needs at least {_PLAN_MIN_COURSES} courses "
            f"(a plan has {_PLAN_MIN_COURSES} to {_PLAN_MAX_COURSES}); set it to 0"
        )
    span = s.sessions_per_course
    if (
        not isinstance(span, tuple)
        or len(span) != 2
        or not all(_is_whole(n) for n in span)
        or not 1 <= span[0] <= span[1] <= _MAX_SESSIONS_PER_COURSE
    ):
        return _SESSIONS_PROBLEM
    return None


def _share_problem(s: Scenario) -> str | None:
    for key in (*_SHARES, *(f"drift_{key}" for key in _DRIFT_SHARES)):
        value = getattr(s, key)
        if not _is_number(value) or not 0 <= value <= 1:
            return f"'{key}' must be a share between 0 and 1"
    return None


def _weights_problem(weights: tuple[tuple[str, float], ...]) -> str | None:
    seen: set[str] = set()
    for state, weight in weights:
        if state not in STATES:
            return f"'status_weights.{state}' is not a state (states: {', '.join(STATES)})"
        if state in seen:
            return f"'status_weights.{state}' is given twice"
        seen.add(state)
        if not _is_number(weight) or weight < 0:
            return f"'status_weights.{state}' must be a number >= 0"
    if not any(weight > 0 for _, weight in weights):
        return "'status_weights' must give at least one state a positive weight"
    return None


def _known_scenarios() -> list[str]:
    if not SEED_DATA_DIR.is_dir():
        return []
    return sorted(p.stem for p in SEED_DATA_DIR.glob("*.toml") if not p.name.startswith("catalog"))


def _resolve(name_or_path: str) -> Path:
    if "/" in name_or_path or "\\" in name_or_path or name_or_path.endswith(".toml"):
        return Path(name_or_path)
    known = _known_scenarios()
    if name_or_path not in known:
        raise ScenarioError(
            f"scenario {name_or_path!r} not found in {_display(SEED_DATA_DIR)}/ "
            f"(known: {', '.join(known) or 'none'})"
        )
    return SEED_DATA_DIR / f"{name_or_path}.toml"


def _read_toml(path: Path, what: str) -> dict[str, object]:
    where = _display(path)
    try:
        text = path.read_bytes().decode("utf-8")
        return tomllib.loads(text)
    except FileNotFoundError:
        raise ScenarioError(f"{what} file {where} not found") from None
    except IsADirectoryError:
        raise ScenarioError(f"{where}: is a folder, not a {what} file") from None
    except OSError as exc:
        raise ScenarioError(f"{where}: cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{where}: is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        message = " ".join(str(exc).split())
        raise ScenarioError(f"{where}: not valid TOML: {message}") from None


class _Keys:
    """Typed access to a TOML table, raising one-line errors that name the file and key."""

    def __init__(self, table: Mapping[str, object], where: str, prefix: str = "") -> None:
        self.table = table
        self.where = where
        self.prefix = prefix

    def fail(self, key: str, message: str) -> ScenarioError:
        return ScenarioError(f"{self.where}: {self.prefix}'{key}' {message}")

    def unknown(self, known: frozenset[str]) -> None:
        for key in self.table:
            if key not in known:
                raise ScenarioError(
                    f"{self.where}: {self.prefix}unknown key '{key}' "
                    f"(known: {', '.join(sorted(known))})"
                )

    def get(self, key: str) -> object:
        if key not in self.table:
            raise self.fail(key, "is missing")
        return self.table[key]

    def whole(self, key: str, default: int | None = None, minimum: int = 1) -> int:
        if default is not None and key not in self.table:
            return default
        value = self.get(key)
        if not _is_whole(value) or not isinstance(value, int) or value < minimum:
            kind = "positive whole number" if minimum == 1 else f"whole number >= {minimum}"
            raise self.fail(key, f"must be a {kind}")
        return value

    def share(self, key: str, default: float) -> float:
        value = self.table.get(key, default)
        if not _is_number(value) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise self.fail(key, "must be a share between 0 and 1 (e.g. 0.25)")
        return float(value)

    def text(self, key: str, default: str | None = None) -> str:
        value = self.table.get(key, default) if default is not None else self.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "must be a non-empty string")
        return value.strip()

    def table_of(self, key: str) -> Mapping[str, object]:
        value = self.get(key)
        if not isinstance(value, dict):
            raise self.fail(key, "must be a table")
        return value


def load_scenario(name_or_path: str, seed: int | None = None) -> Scenario:
    """Load a scenario by bare name (from :data:`SEED_DATA_DIR`) or by file path.

    Anything with a ``/`` or ending in ``.toml`` is a path; the scenario's name is then the
    file's stem (the file's own ``name`` key is informational). ``seed`` overrides the file's
    seed. Required keys: ``seed``, ``locale``, ``reference_date``, ``users``, ``courses``,
    ``enrollments``; the others default to the :class:`Scenario` defaults. A ``catalog`` path is
    relative to the scenario's folder, falling back to :data:`SEED_DATA_DIR`. Every problem
    (missing file, bad TOML, unknown, missing or wrong-typed key, more enrollments than
    person-course pairs, bad catalog) raises :class:`ScenarioError` with one line naming the
    file and the key.
    """
    if seed is not None and not _is_whole(seed):
        raise ScenarioError(f"the seed must be a whole number, not {seed!r}")
    path = _resolve(name_or_path)
    where = _display(path)
    keys = _Keys(_read_toml(path, "scenario"), where)
    keys.unknown(_SCENARIO_KEYS)
    if "name" in keys.table:
        keys.text("name")
    file_seed = keys.get("seed")
    if not isinstance(file_seed, int) or isinstance(file_seed, bool):
        raise keys.fail("seed", "must be a whole number")
    locale = keys.text("locale")
    if locale not in _available_locales():
        raise keys.fail("locale", f"{locale!r} is not a locale Faker knows (e.g. en_US, de_DE)")
    reference = keys.get("reference_date")
    if isinstance(reference, str):
        with contextlib.suppress(ValueError):
            reference = date.fromisoformat(reference)
    if isinstance(reference, datetime) or not isinstance(reference, date):
        raise keys.fail("reference_date", "must be a date such as 2026-11-01")
    domain = keys.text("company_domain", "example-corp.com")
    if not _DOMAIN.match(domain):
        raise keys.fail("company_domain", f"{domain!r} must be a lowercase domain name")
    users = keys.whole("users")
    admins = keys.whole("admins") if "admins" in keys.table else None
    if admins is not None and admins > users:
        raise keys.fail("admins", f"({admins}) must not exceed 'users' ({users})")
    history_days = keys.whole("history_days", 1095, minimum=_MIN_HISTORY_DAYS)
    catalog_path = DEFAULT_CATALOG
    if "catalog" in keys.table:
        # Relative to the scenario's folder; a copied scenario still finds the bundled catalogs.
        relative = Path(keys.text("catalog"))
        catalog_path = path.parent / relative
        if not catalog_path.is_file() and (SEED_DATA_DIR / relative).is_file():
            catalog_path = SEED_DATA_DIR / relative
    weights = _status_weights(keys)
    learning_plans = (
        keys.whole("learning_plans", minimum=0) if "learning_plans" in keys.table else None
    )
    sessions_per_course = _sessions_per_course(keys)
    drift = _drift(keys)
    faults = keys.table.get("faults", [])
    if not isinstance(faults, list) or not all(isinstance(rule, dict) for rule in faults):
        raise keys.fail("faults", "must be an array of tables ([[faults]])")
    activity = keys.table_of("activity") if "activity" in keys.table else None
    return Scenario(
        name=path.stem,
        seed=file_seed if seed is None else seed,
        locale=locale,
        reference_date=datetime(reference.year, reference.month, reference.day, tzinfo=UTC),
        users=users,
        courses=keys.whole("courses"),
        enrollments=keys.whole("enrollments"),
        description=keys.text("description", path.stem),
        company_domain=domain,
        admins=admins,
        history_days=history_days,
        inactive_user_share=keys.share("inactive_user_share", 0.08),
        mandatory_share=keys.share("mandatory_share", 0.45),
        due_date_share=keys.share("due_date_share", 0.6),
        overdue_share=keys.share("overdue_share", 0.3),
        self_enrolled_share=keys.share("self_enrolled_share", 0.35),
        soft_deadline_share=keys.share("soft_deadline_share", 0.33),
        status_weights=weights,
        learning_plans=learning_plans,
        plan_enrollment_share=keys.share("plan_enrollment_share", 0.2),
        sessions_per_course=sessions_per_course,
        drift_people_share=drift["people_share"],
        drift_missing_share=drift["missing_share"],
        drift_status_share=drift["status_share"],
        drift_due_share=drift["due_share"],
        faults=tuple(faults),
        activity=activity,
        catalog=_load_catalog(catalog_path, referenced_by=where),
        source=path,
    )


def _sessions_per_course(keys: _Keys) -> tuple[int, int]:
    value = keys.table.get("sessions_per_course", [2, 4])
    if not isinstance(value, list) or len(value) != 2:
        raise ScenarioError(f"{keys.where}: {_SESSIONS_PROBLEM}")
    low, high = value
    if not (_is_whole(low) and _is_whole(high) and isinstance(low, int) and isinstance(high, int)):
        raise ScenarioError(f"{keys.where}: {_SESSIONS_PROBLEM}")
    return (low, high)


def _drift(keys: _Keys) -> dict[str, float]:
    """The ``[drift]`` table's shares, 0 for those left out (and all of them without a table)."""
    shares = dict.fromkeys(_DRIFT_SHARES, 0.0)
    if "drift" not in keys.table:
        return shares
    table = keys.table_of("drift")
    for key, value in table.items():
        if key not in shares:
            raise ScenarioError(
                f"{keys.where}: unknown key 'drift.{key}' "
                f"(known: {', '.join(sorted(_DRIFT_SHARES))})"
            )
        if not _is_number(value) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise ScenarioError(
                f"{keys.where}: 'drift.{key}' must be a share between 0 and 1 (e.g. 0.02)"
            )
        shares[key] = float(value)
    return shares


def _status_weights(keys: _Keys) -> tuple[tuple[str, float], ...]:
    if "status_weights" not in keys.table:
        return DEFAULT_STATUS_WEIGHTS
    table = keys.table_of("status_weights")
    weights: list[tuple[str, float]] = []
    for state, weight in table.items():
        if not _is_number(weight) or not isinstance(weight, int | float):
            raise ScenarioError(f"{keys.where}: 'status_weights.{state}' must be a number >= 0")
        weights.append((state, float(weight)))
    problem = _weights_problem(tuple(weights))
    if problem is not None:
        raise ScenarioError(f"{keys.where}: {problem}")
    order = {state: i for i, state in enumerate(STATES)}
    return tuple(sorted(weights, key=lambda pair: order[pair[0]]))


def _load_catalog(path: Path, referenced_by: str | None = None) -> tuple[CatalogEntry, ...]:
    if referenced_by is not None and not path.is_file():
        raise ScenarioError(f"{referenced_by}: 'catalog' file {_display(path)} not found")
    where = _display(path)
    top = _Keys(_read_toml(path, "catalog"), where)
    top.unknown(_CATALOG_KEYS)
    prefixes: dict[str, str] = {}
    for category, prefix in top.table_of("categories").items():
        if not isinstance(prefix, str) or not _PREFIX.match(prefix):
            raise top.fail(f"categories.{category}", "must be a code prefix of 2-5 capitals")
        if prefix in prefixes.values():
            raise top.fail(f"categories.{category}", f"reuses the code prefix {prefix!r}")
        prefixes[category] = prefix
    courses = top.get("course")
    if not isinstance(courses, list) or not courses:
        raise top.fail("course", "must be a non-empty array of tables ([[course]])")
    entries: list[CatalogEntry] = []
    titles: set[str] = set()
    for number, raw in enumerate(courses, start=1):
        if not isinstance(raw, dict):
            raise top.fail("course", "must be an array of tables ([[course]])")
        keys = _Keys(raw, where, prefix=f"course {number}: ")
        keys.unknown(_COURSE_KEYS)
        title = keys.text("title")
        if title in titles:
            raise keys.fail("title", f"{title!r} appears twice")
        titles.add(title)
        category = keys.text("category")
        if category not in prefixes:
            raise keys.fail("category", f"{category!r} is not listed under [categories]")
        kind = keys.text("kind")
        if kind not in KINDS:
            raise keys.fail("kind", f"must be one of {', '.join(KINDS)}")
        entries.append(
            CatalogEntry(
                title=title,
                category=category,
                code_prefix=prefixes[category],
                kind=kind,
                duration_minutes=keys.whole("duration_minutes"),
                description=keys.text("description"),
            )
        )
    return tuple(entries)


# --------------------------------------------------------------------------------------------
# Building the world
# --------------------------------------------------------------------------------------------

_DEPARTMENTS: Final[tuple[tuple[str, int, tuple[str, ...]], ...]] = (
    ("Sales", 16, ("Account Executive", "Sales Manager", "Sales Development Representative",
                   "Key Account Manager", "Inside Sales Representative")),
    ("Engineering", 18, ("Software Engineer", "Senior Software Engineer", "QA Engineer",
                         "Engineering Manager", "DevOps Engineer", "Product Manager")),
    ("Operations", 14, ("Operations Coordinator", "Plant Supervisor", "Production Technician",
                        "Quality Inspector", "Operations Manager")),
    ("Logistics", 9, ("Warehouse Associate", "Forklift Operator", "Logistics Planner",
                      "Shift Lead", "Supply Chain Analyst")),
    ("Customer Service", 11, ("Customer Service Agent", "Support Specialist",
                              "Team Lead, Customer Care", "Customer Success Manager")),
    ("Marketing", 7, ("Marketing Specialist", "Content Manager", "Brand Manager",
                      "Digital Marketing Analyst")),
    ("Finance", 7, ("Accountant", "Financial Analyst", "Controller", "Accounts Payable Clerk",
                    "Finance Manager")),
    ("IT", 6, ("IT Support Technician", "Systems Administrator", "Security Analyst",
               "IT Service Manager")),
    ("Human Resources", 5, ("HR Generalist", "Recruiter", "Payroll Specialist",
                            "HR Business Partner")),
    ("Legal", 3, ("Legal Counsel", "Compliance Officer", "Paralegal")),
)  # fmt: skip
_ADMIN_DEPARTMENT: Final = "Human Resources"
_ADMIN_TITLES: Final[tuple[str, ...]] = (
    "Learning and Development Manager",
    "Training Coordinator",
    "LMS Administrator",
    "People Development Partner",
    "Head of Learning",
)
_HOME_TIMEZONES: Final[Mapping[str, str]] = {
    "US": "America/New_York", "CA": "America/Toronto", "MX": "America/Mexico_City",
    "BR": "America/Sao_Paulo", "AR": "America/Argentina/Buenos_Aires",
    "GB": "Europe/London", "IE": "Europe/Dublin", "DE": "Europe/Berlin", "AT": "Europe/Vienna",
    "CH": "Europe/Zurich", "FR": "Europe/Paris", "BE": "Europe/Brussels",
    "NL": "Europe/Amsterdam", "ES": "Europe/Madrid", "PT": "Europe/Lisbon", "IT": "Europe/Rome",
    "PL": "Europe/Warsaw", "CZ": "Europe/Prague", "SE": "Europe/Stockholm",
    "DK": "Europe/Copenhagen", "NO": "Europe/Oslo", "FI": "Europe/Helsinki",
    "GR": "Europe/Athens", "TR": "Europe/Istanbul", "RU": "Europe/Moscow",
    "IN": "Asia/Kolkata", "JP": "Asia/Tokyo", "CN": "Asia/Shanghai", "KR": "Asia/Seoul",
    "AU": "Australia/Sydney", "NZ": "Pacific/Auckland", "ZA": "Africa/Johannesburg",
}  # fmt: skip
_OFFICES: Final[tuple[tuple[str, str], ...]] = (
    ("America/Chicago", "en"),
    ("America/Los_Angeles", "en"),
    ("America/Toronto", "en"),
    ("Europe/London", "en"),
    ("Europe/Berlin", "de"),
    ("Europe/Paris", "fr"),
    ("Europe/Madrid", "es"),
    ("Europe/Warsaw", "pl"),
    ("America/Sao_Paulo", "pt"),
    ("Asia/Singapore", "en"),
    ("Asia/Kolkata", "en"),
    ("Australia/Sydney", "en"),
)
_HOME_OFFICE_SHARE: Final = 0.7
_NEVER_LOGGED_IN_SHARE: Final = 0.04
_NAME_POOL: Final = 2_000
_TITLE_SUFFIXES: Final[tuple[str, ...]] = (
    " (Part 2)",
    " (EMEA)",
    " (Americas)",
    " (APAC)",
    " (Part 3)",
    " (for Managers)",
    " (for New Joiners)",
    " (Advanced)",
)
_POPULAR_CATEGORIES: Final = frozenset(
    {"Compliance", "Information Security", "Health and Safety", "Onboarding"}
)
_TEST_SHARE: Final[Mapping[str, float]] = {"elearning": 0.6, "classroom": 0.35, "webinar": 0.2}
# How far back (days) an enrollment in this state was typically assigned; None: any time.
_RECENCY_DAYS: Final[Mapping[str, int | None]] = {
    "waiting": 120,
    "pending_approval": 45,
    "not_started": 400,
    "in_progress": 300,
    "completed": None,
    "passed": None,
    "failed": None,
    "withdrawn": None,
}
_TRANSLITERATION: Final = str.maketrans(
    {"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d", "þ": "th", "ð": "d"}
)

# Sessions ------------------------------------------------------------------------------------

# Standard UTC offset (minutes) and daylight-saving rule of every time zone a venue or host can
# be in. Local times are converted with these fixed rules rather than the system's tz database,
# so the world is the same on every machine; the rules are today's (EU, US, AU, NZ).
_ZONES: Final[Mapping[str, tuple[int, str]]] = {
    "UTC": (0, ""),
    "America/New_York": (-300, "us"), "America/Toronto": (-300, "us"),
    "America/Chicago": (-360, "us"), "America/Los_Angeles": (-480, "us"),
    "America/Mexico_City": (-360, ""), "America/Sao_Paulo": (-180, ""),
    "America/Argentina/Buenos_Aires": (-180, ""),
    "Europe/London": (0, "eu"), "Europe/Dublin": (0, "eu"), "Europe/Lisbon": (0, "eu"),
    "Europe/Berlin": (60, "eu"), "Europe/Vienna": (60, "eu"), "Europe/Zurich": (60, "eu"),
    "Europe/Paris": (60, "eu"), "Europe/Brussels": (60, "eu"), "Europe/Amsterdam": (60, "eu"),
    "Europe/Madrid": (60, "eu"), "Europe/Rome": (60, "eu"), "Europe/Warsaw": (60, "eu"),
    "Europe/Prague": (60, "eu"), "Europe/Stockholm": (60, "eu"),
    "Europe/Copenhagen": (60, "eu"), "Europe/Oslo": (60, "eu"),
    "Europe/Helsinki": (120, "eu"), "Europe/Athens": (120, "eu"),
    "Europe/Istanbul": (180, ""), "Europe/Moscow": (180, ""),
    "Africa/Johannesburg": (120, ""), "Asia/Kolkata": (330, ""), "Asia/Singapore": (480, ""),
    "Asia/Shanghai": (480, ""), "Asia/Tokyo": (540, ""), "Asia/Seoul": (540, ""),
    "Australia/Sydney": (600, "au"), "Pacific/Auckland": (720, "nz"),
}  # fmt: skip
_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()
_MONTHS: Final[tuple[str, ...]] = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
_ROOMS: Final[tuple[str, ...]] = (
    "Training Room 1",
    "Training Room 2",
    "Training Room 3",
    "Learning Lab",
    "Conference Room A",
    "Conference Room B",
    "Auditorium",
)
_TOOL_WEIGHTS: Final[tuple[float, ...]] = (0.4, 0.35, 0.15, 0.1)  # in WEBINAR_TOOLS order
_TOOL_NAMES: Final[Mapping[str, str]] = {
    "zoom": "Zoom",
    "msteams": "Microsoft Teams",
    "webex": "Webex",
    "gotomeeting": "GoTo Meeting",
}
# Minutes after local midnight a webinar may start; classroom days start at 09:00.
_WEBINAR_STARTS: Final[tuple[int, ...]] = (540, 600, 630, 660, 780, 840, 870, 900, 960)
_CLASSROOM_START: Final = 540
_EN_DASH: Final = "\u2013"
_DAY_MINUTES: Final = 480
_HOME_VENUE_SHARE: Final = 0.6
# States whose assignment attends no session, and those that attended one already.
_NO_SESSION: Final = frozenset({"waiting", "pending_approval"})
_NEEDS_PAST: Final = frozenset({"in_progress", "completed", "passed", "failed"})
# Instructor-led courses draw fewer learners than e-learning: seats are scarce.
_KIND_POPULARITY: Final[Mapping[str, float]] = {"elearning": 1.0, "classroom": 0.5, "webinar": 0.7}

# Learning plans --------------------------------------------------------------------------------

_PLAN_TITLES: Final[Mapping[str, tuple[str, ...]]] = {
    "Compliance": ("Compliance Essentials", "Ethics and Integrity Path",
                   "Financial Crime Prevention", "Regulatory Compliance Track"),
    "Information Security": ("Security Essentials", "Cyber Hygiene Path",
                             "Secure Developer Track", "Security Champions Programme"),
    "Health and Safety": ("Workplace Safety Essentials", "Site Safety Certification",
                          "Safety Leadership Path"),
    "Leadership": ("New Manager Path", "Leading Teams", "Senior Leadership Programme",
                   "Coaching for Leaders"),
    "Communication": ("Communication Essentials", "Presenting with Confidence",
                      "Effective Collaboration Path"),
    "Office Tools": ("Digital Workplace Essentials", "Productivity Power User",
                     "Office Tools Foundations"),
    "Sales": ("Sales Foundations", "Key Account Excellence", "Sales Academy"),
    "Customer Service": ("Customer Service Essentials", "Customer Experience Path",
                         "Service Excellence Programme"),
    "Diversity and Inclusion": ("Inclusion Essentials", "Inclusive Leadership Path",
                                "Belonging at Work"),
    "Wellbeing": ("Wellbeing Essentials", "Resilience Path", "Healthy Hybrid Working"),
    "Project Management": ("Project Management Foundations", "Agile Delivery Path",
                           "Programme Management Track"),
    "Onboarding": ("New Joiner Onboarding", "First 90 Days", "Onboarding for Managers"),
    "Finance": ("Finance Foundations", "Finance for Non-Financial Managers",
                "Budgeting and Forecasting Path"),
    "Technology": ("Technology Essentials", "Cloud Foundations", "Data Literacy Path"),
}  # fmt: skip
_PLAN_TITLE_TEMPLATES: Final[tuple[str, ...]] = (
    "{} Essentials",
    "{} Foundations",
    "{} Path",
    "Advanced {}",
    "{} Certification Track",
    "{} Refresher",
)
_KIND_ORDER: Final[Mapping[str, int]] = {"elearning": 0, "webinar": 1, "classroom": 2}
_PLAN_DONE: Final[tuple[str, ...]] = ("completed", "passed")
_PLAN_CURRENT: Final[tuple[str, ...]] = (
    "in_progress", "not_started", "failed", "withdrawn", "waiting", "pending_approval",
)  # fmt: skip
_PLAN_LATER: Final[tuple[str, ...]] = ("not_started", "waiting", "pending_approval")
_PLAN_COMPLETED_SHARE: Final = 0.3


def _at(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def _maybe_at(timestamp: int | None) -> datetime | None:
    return None if timestamp is None else datetime.fromtimestamp(timestamp, UTC)


def _apportion(weights: Mapping[str, float], total: int) -> dict[str, int]:
    """Split ``total`` over the states in proportion to their weights (largest remainder)."""
    weight_sum = sum(weights.values())
    exact = {state: total * weight / weight_sum for state, weight in weights.items()}
    counts = {state: math.floor(value) for state, value in exact.items()}
    rest = total - sum(counts.values())
    by_remainder = sorted(STATES, key=lambda s: (-(exact[s] - counts[s]), STATES.index(s)))
    for state in by_remainder[:rest]:
        counts[state] += 1
    return counts


def _ascii_letters(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.lower().translate(_TRANSLITERATION))
    return "".join(ch for ch in folded if "a" <= ch <= "z")


def _name_pool(fake: Faker, size: int, first: bool) -> list[str]:
    draw = fake.first_name if first else fake.last_name
    return [str(draw()) for _ in range(size)]


@dataclass(slots=True)
class _PersonDraft:
    first_name: str
    last_name: str
    username: str
    active: bool
    created: int
    last_access: int | None
    language: str
    timezone: str
    job_title: str
    department: str
    is_admin: bool


def _draft_people(s: Scenario, rng: random.Random, fake: Faker, ref: int) -> list[_PersonDraft]:
    admin_count = s.admins if s.admins is not None else max(1, min(12, round(s.users / 50)))
    admins = set(rng.sample(range(s.users), admin_count))
    others = [i for i in range(s.users) if i not in admins]
    inactive = set(rng.sample(others, min(len(others), round(s.inactive_user_share * s.users))))

    pool = min(s.users, _NAME_POOL)
    first_names = _name_pool(fake, pool, first=True)
    last_names = _name_pool(fake, pool, first=False)

    language = s.locale.split("_")[0].lower()
    home_tz = _HOME_TIMEZONES.get(s.locale.split("_")[-1].upper(), "UTC")
    offices = [office for office in _OFFICES if office[0] != home_tz]
    department_names = [d[0] for d in _DEPARTMENTS]
    department_titles = {d[0]: d[2] for d in _DEPARTMENTS}
    department_cum = list(_cumulative([float(d[1]) for d in _DEPARTMENTS]))

    start = ref - s.history_days * _DAY
    admin_end = start + 30 * _DAY
    end = ref - 2 * _DAY
    taken: dict[str, int] = {}
    people: list[_PersonDraft] = []
    for index in range(s.users):
        first = rng.choice(first_names)
        last = rng.choice(last_names)
        base = f"{_ascii_letters(first)}.{_ascii_letters(last)}".strip(".") or "user"
        seen = taken.get(base, 0) + 1
        taken[base] = seen
        username = base if seen == 1 else f"{base}{seen}"
        is_admin = index in admins
        active = index not in inactive
        if is_admin:
            created = start + int(rng.random() * (admin_end - start))
            department = _ADMIN_DEPARTMENT
            job_title = rng.choice(_ADMIN_TITLES)
        else:
            created = start + int(rng.random() * (end - start))
            department = department_names[
                bisect.bisect_right(department_cum, rng.random() * department_cum[-1])
            ]
            job_title = rng.choice(department_titles[department])
        if rng.random() < _HOME_OFFICE_SHARE or not offices:
            timezone, person_language = home_tz, language
        else:
            timezone, person_language = rng.choice(offices)
        last_access: int | None
        if active and not is_admin and rng.random() < _NEVER_LOGGED_IN_SHARE:
            last_access = None
        else:
            latest = ref - 1 if active else max(created + 1, ref - 60 * _DAY)
            last_access = created + int(rng.random() * (latest - created))
        people.append(
            _PersonDraft(
                first,
                last,
                username,
                active,
                created,
                last_access,
                person_language,
                timezone,
                job_title,
                department,
                is_admin,
            )
        )
    return people


def _cumulative(weights: list[float]) -> list[float]:
    total = 0.0
    out: list[float] = []
    for weight in weights:
        total += weight
        out.append(total)
    return out


def _course_title(entry: CatalogEntry, round_: int) -> str:
    if round_ == 0:
        return entry.title
    if round_ <= len(_TITLE_SUFFIXES):
        return entry.title + _TITLE_SUFFIXES[round_ - 1]
    return f"{entry.title} (Edition {round_ + 1})"


def _build_courses(
    s: Scenario, rng: random.Random, ref: int, catalog: tuple[CatalogEntry, ...]
) -> tuple[list[Offering], list[bool], list[float]]:
    """The courses, whether each has a test, and each one's popularity weight."""
    order = list(catalog)
    rng.shuffle(order)
    language = s.locale.split("_")[0].lower()
    start = ref - s.history_days * _DAY + 31 * _DAY
    end = ref - 14 * _DAY
    titles: set[str] = set()
    numbers: dict[str, int] = {}
    courses: list[Offering] = []
    has_test: list[bool] = []
    popularity: list[float] = []
    for index in range(s.courses):
        round_, position = divmod(index, len(order))
        entry = order[position]
        title = _course_title(entry, round_)
        extra = 1
        while title in titles:
            extra += 1
            title = f"{_course_title(entry, round_)} #{extra}"
        titles.add(title)
        number = numbers.get(entry.code_prefix, 100) + 1
        numbers[entry.code_prefix] = number
        created = start + int(rng.random() * (end - start))
        updated = created + int(rng.random() * (ref - 1 - created))
        courses.append(
            Offering(
                index=index,
                title=title,
                code=f"{entry.code_prefix}-{number}",
                description=entry.description,
                kind=entry.kind,
                category=entry.category,
                language=language,
                duration_seconds=entry.duration_minutes * 60,
                created_at=_at(created),
                updated_at=_at(updated),
                soft_deadline=rng.random() < s.soft_deadline_share,
            )
        )
        has_test.append(rng.random() < _TEST_SHARE[entry.kind])
        weight = 2.5 if entry.category in _POPULAR_CATEGORIES else 1.0
        weight *= _KIND_POPULARITY[entry.kind]
        popularity.append(weight * (0.4 + 1.2 * rng.random()))
    return courses, has_test, popularity


def _pick_pairs(
    s: Scenario,
    rng: random.Random,
    popularity: list[float],
    taken: set[tuple[int, int]],
    count: int,
) -> list[tuple[int, int]]:
    """``count`` more distinct (person, course) pairs, none of them taken, popular courses more
    often."""
    total = s.users * s.courses
    if 2 * s.enrollments > total:
        free = [code for code in range(total) if divmod(code, s.courses) not in taken]
        return [divmod(code, s.courses) for code in rng.sample(free, count)]
    cum = _cumulative(popularity)
    top = cum[-1]
    last = len(cum) - 1
    seen = set(taken)
    pairs: list[tuple[int, int]] = []
    users = s.users
    while len(pairs) < count:
        pair = (
            int(rng.random() * users),
            min(last, bisect.bisect_right(cum, rng.random() * top)),
        )
        if pair not in seen:
            seen.add(pair)
            pairs.append(pair)
    return pairs


@dataclass(slots=True)
class _Draft:
    person: int
    course: int
    state: str
    level: str
    assigned: int
    assigned_by: int | None
    valid_from: int | None
    due: int | None
    started: int | None
    last_activity: int | None
    completed: int | None
    progress: int
    score: float | None
    time_spent: int
    mandatory: bool
    attempts: int
    updated: int
    session: int | None
    plan: int  # the index of its _PlanEnrollmentDraft, -1 when not from a learning plan


class _Timeline:
    """Dates of one enrollment, all drawn from the shared ``Random`` relative to ``ref``."""

    def __init__(self, rng: random.Random, ref: int) -> None:
        self.rng = rng
        self.ref = ref

    def between(self, low: int, high: int) -> int:
        """A second in [low, high) (low itself when the range is empty)."""
        return low + int(self.rng.random() * (high - low)) if high > low else low

    def pick(self, low: int, high: int) -> int:
        """A whole number in [low, high], like ``randint`` but cheaper."""
        return low + int(self.rng.random() * (high - low + 1))

    def day(self, timestamp: int) -> int:
        """The first day number k whose due time (ref + k days - 1 s) is at or after it."""
        return (timestamp - self.ref) // _DAY + 1

    def due(self, day: int) -> int:
        """The due time of day number k: the last second of that day (k <= 0 is the past)."""
        return self.ref + day * _DAY - 1


# --- sessions --------------------------------------------------------------------------------


def _sunday(year: int, month: int, nth: int) -> date:
    """The nth Sunday of a month; ``nth=-1`` is its last Sunday."""
    if nth > 0:
        first = date(year, month, 1)
        return date(year, month, 1 + (6 - first.weekday()) % 7 + 7 * (nth - 1))
    last = date(year + month // 12, month % 12 + 1, 1).toordinal() - 1
    return date.fromordinal(last - (date.fromordinal(last).weekday() + 1) % 7)


def _is_summer(rule: str, day: date) -> bool:
    """Whether daylight-saving time is on during the working hours of a weekday."""
    year = day.year
    if rule == "eu":
        return _sunday(year, 3, -1) <= day < _sunday(year, 10, -1)
    if rule == "us":
        return _sunday(year, 3, 2) <= day < _sunday(year, 11, 1)
    if rule == "au":
        return not _sunday(year, 4, 1) <= day < _sunday(year, 10, 1)
    if rule == "nz":
        return not _sunday(year, 4, 1) <= day < _sunday(year, 9, -1)
    return False


def _utc_offset(timezone: str, day: date) -> int:
    """Seconds east of UTC of a time zone during the working hours of a weekday."""
    minutes, rule = _ZONES.get(timezone, (0, ""))
    return (minutes + (60 if rule and _is_summer(rule, day) else 0)) * 60


def _weekdays(anchor: int, count: int, forward: bool) -> list[int]:
    """``count`` consecutive weekdays (days since the epoch), from ``anchor`` on or up to it."""
    days: list[int] = []
    day = anchor
    step = 1 if forward else -1
    while len(days) < count:
        if (day + 3) % 7 < 5:  # the epoch was a Thursday
            days.append(day)
        day += step
    return days if forward else days[::-1]


def _venue(timezone: str, home: bool) -> tuple[str, str]:
    """The city and the site name of an office in a time zone (the head office at home)."""
    if "/" not in timezone:
        return "Head Office", "Head Office"
    city = timezone.rsplit("/", 1)[1].replace("_", " ")
    return city, f"{city} Headquarters" if home else f"{city} Office"


@dataclass(slots=True)
class _SessionDraft:
    course: int
    past: bool
    days: list[int]
    minutes: int  # per event
    local_start: int  # minutes after local midnight
    timezone: str
    city: str
    location: str | None
    room: str | None
    tool: str | None
    target: int
    minimum: int
    start: int = 0
    end: int = 0
    name: str = ""
    load: int = 0


class _SessionBook:
    """Every session of the instructor-led courses, and which one an assignment can attend.

    An assignment that has started (in progress or finished) attended a past session, one that
    has not started attends an upcoming one (a past one only when its course has none left), a
    withdrawn one either; in every case it was assigned at least an hour before the start.
    """

    def __init__(self, sessions: list[_SessionDraft], ref: int) -> None:
        self.sessions = sessions
        self.ref = ref
        self.by_course: dict[int, list[int]] = {}
        self.past: dict[int, list[int]] = {}
        self.upcoming: dict[int, list[int]] = {}
        self.last_past: dict[int, int] = {}
        for i, session in enumerate(sessions):
            self.by_course.setdefault(session.course, []).append(i)
            if session.past:
                self.past.setdefault(session.course, []).append(i)
                latest = self.last_past.get(session.course, session.start)
                self.last_past[session.course] = max(latest, session.start)
            else:
                self.upcoming.setdefault(session.course, []).append(i)

    def deadline(self, course: int, state: str) -> int | None:
        """The latest assignment time that leaves a fitting session (None: there is none)."""
        if state in _NO_SESSION or course not in self.by_course:
            return self.ref - _HOUR
        if state not in _NEEDS_PAST and course in self.upcoming:
            return self.ref - _HOUR
        last = self.last_past.get(course)
        return None if last is None else last - _HOUR

    def choose(self, course: int, state: str, low: int, rng: random.Random) -> int:
        """The least-booked fitting session for an assignment made at ``low`` or later."""
        sessions = self.sessions
        ids = self.by_course[course]
        if state in _NEEDS_PAST:
            pool = self.past.get(course, ids)
        elif state == "not_started":
            pool = self.upcoming.get(course, ids)
        else:
            pool = ids
        fitting = [i for i in pool if sessions[i].start - _HOUR >= low] or pool or ids
        best, best_key = fitting[0], math.inf
        for i in fitting:
            session = sessions[i]
            key = (session.load + rng.random()) / session.target
            if key < best_key:
                best, best_key = i, key
        return best


def _draft_sessions(
    s: Scenario, rng: random.Random, ref: int, courses: list[Offering], course_created: list[int]
) -> list[_SessionDraft]:
    """The sessions of every classroom and webinar course, ordered by course, then start.

    Past sessions end at least two days before ``ref`` (the latest within its last month, so
    recent newcomers can still have attended one), upcoming ones start at least two days after
    it; all of them start at least three days after their course was created.
    """
    low_count, high_count = s.sessions_per_course
    home = _HOME_TIMEZONES.get(s.locale.split("_")[-1].upper(), "UTC")
    offices = [tz for tz, _ in _OFFICES if tz != home]
    tool_cum = _cumulative(list(_TOOL_WEIGHTS))
    ref_day = ref // _DAY
    out: list[_SessionDraft] = []
    for course in courses:
        if course.kind not in SESSION_KINDS:
            continue
        count = low_count + int(rng.random() * (high_count - low_count + 1))
        if count == 1:
            upcoming = 1 if rng.random() < 0.5 else 0
        else:
            upcoming = 1 + int(rng.random() * (count // 2))
        first = course_created[course.index] // _DAY + 3
        # (anchor day, past): a past session ends on or before its anchor, an upcoming one
        # starts on or after it.
        anchors: list[tuple[int, bool]] = []
        if count > upcoming:
            latest_low = max(first + 4, ref_day - 30)
            last_end = latest_low + int(rng.random() * (ref_day - 2 - latest_low + 1))
            anchors.append((last_end, True))
            high = last_end - 7 if last_end - 7 >= first + 4 else last_end
            for _ in range(count - upcoming - 1):
                anchors.append((first + 4 + int(rng.random() * (high - first - 3)), True))
        for n in range(upcoming):
            reach = 44 if n == 0 else 179
            anchors.append((ref_day + 2 + int(rng.random() * reach), False))

        duration = course.duration_seconds // 60
        classroom = course.kind == "classroom"
        if classroom:
            events = min(3, max(1, math.ceil(duration / _DAY_MINUTES)))
            minutes = min(_DAY_MINUTES, max(90, round(duration / events / 30) * 30))
        else:
            events = 1
            minutes = min(_DAY_MINUTES, max(60, round(duration / 15) * 15))
        drafts: list[_SessionDraft] = []
        for anchor, past in anchors:
            at_home = rng.random() < _HOME_VENUE_SHARE or not offices
            timezone = home if at_home else offices[int(rng.random() * len(offices))]
            city, site = _venue(timezone, at_home)
            if classroom:
                local_start = _CLASSROOM_START
                room: str | None = _ROOMS[int(rng.random() * len(_ROOMS))]
                tool = None
            else:
                local_start = _WEBINAR_STARTS[int(rng.random() * len(_WEBINAR_STARTS))]
                local_start = min(local_start, 21 * 60 - minutes)
                room = None
                tool = WEBINAR_TOOLS[
                    min(
                        len(WEBINAR_TOOLS) - 1,
                        bisect.bisect_right(tool_cum, rng.random() * tool_cum[-1]),
                    )
                ]
            session = _SessionDraft(
                course=course.index,
                past=past,
                days=_weekdays(anchor, events, forward=not past),
                minutes=minutes,
                local_start=local_start,
                timezone=timezone,
                city=city,
                location=site if classroom else None,
                room=room,
                tool=tool,
                target=8 + int(rng.random() * 23),
                minimum=int(rng.random() * 6),
            )
            session.start = _event_start(session, session.days[0])
            session.end = _event_start(session, session.days[-1]) + minutes * 60
            drafts.append(session)
        drafts.sort(key=lambda d: (d.start, d.timezone))
        names: set[str] = set()
        for session in drafts:
            session.name = _session_name(course, session, names)
        out.extend(drafts)
    return out


def _event_start(session: _SessionDraft, day: int) -> int:
    local = date.fromordinal(day + _EPOCH_ORDINAL)
    return day * _DAY + session.local_start * 60 - _utc_offset(session.timezone, local)


def _session_name(course: Offering, session: _SessionDraft, taken: set[str]) -> str:
    """``Title - Berlin, March 2026`` or ``Title - Webinar, 12 May 2026`` (with an en dash),
    unique within the course."""
    first = date.fromordinal(session.days[0] + _EPOCH_ORDINAL)
    month = f"{_MONTHS[first.month - 1]} {first.year}"
    if session.tool is None:
        options = [f"{session.city}, {month}", f"{session.city}, {first.day} {month}"]
    else:
        options = [f"Webinar, {first.day} {month}"]
    names = [f"{course.title} {_EN_DASH} {option}" for option in options]
    name = next((n for n in names if n not in taken), names[-1])
    extra = 1
    while name in taken:
        extra += 1
        name = f"{names[-1]} ({extra})"
    taken.add(name)
    return name


def _finish_sessions(
    rng: random.Random, sessions: list[_SessionDraft], courses: list[Offering]
) -> tuple[Session, ...]:
    """The sessions with their seats: every one fits its learners, and a few upcoming ones are
    exactly full (at least one when any session has learners), so a new learner must wait."""
    for session in sessions:
        if session.load > session.target:
            session.target = session.load + 1 + int(rng.random() * 5)
    candidates = [s for s in sessions if not s.past and s.load] or [s for s in sessions if s.load]
    full = [s for s in candidates if rng.random() < 0.15]
    if not full and candidates:
        full = [max(candidates, key=lambda s: s.load)]
    for session in full:
        session.target = session.load
    out: list[Session] = []
    number = 0
    for index, session in enumerate(sessions):
        course = courses[session.course]
        events: list[SessionEvent] = []
        for day_number, day in enumerate(session.days, start=1):
            start = _event_start(session, day)
            events.append(
                SessionEvent(
                    index=number,
                    session=index,
                    name=f"Day {day_number}" if session.tool is None else "Live session",
                    starts_at=_at(start),
                    ends_at=_at(start + session.minutes * 60),
                    timezone=session.timezone,
                    classroom=session.room,
                    location=session.location,
                )
            )
            number += 1
        if session.tool is None:
            description = (
                f"Classroom session at the {session.location}, {session.room}, led by a "
                f"trainer. {course.description}"
            )
        else:
            description = (
                f"Live online session on {_TOOL_NAMES[session.tool]}; the joining link comes "
                f"with the calendar invitation. {course.description}"
            )
        out.append(
            Session(
                index=index,
                course=session.course,
                name=session.name,
                description=description,
                starts_at=events[0].starts_at,
                ends_at=events[-1].ends_at,
                min_enrollments=min(session.minimum, session.target),
                max_enrollments=session.target,
                location=session.location,
                webinar_tool=session.tool,
                timezone=session.timezone,
                events=tuple(events),
            )
        )
    return tuple(out)


# --- learning plans --------------------------------------------------------------------------


@dataclass(slots=True)
class _PlanDraft:
    title: str
    code: str
    category: str
    courses: tuple[int, ...]
    created: int
    updated: int
    weight: float


def _plan_title(category: str, taken: set[str]) -> str:
    known = _PLAN_TITLES.get(category, ())
    generic = tuple(template.format(category) for template in _PLAN_TITLE_TEMPLATES)
    title = next((t for t in (*known, *generic) if t not in taken), None)
    extra = 1
    while title is None or title in taken:
        extra += 1
        title = f"{category} Path {extra}"
    taken.add(title)
    return title


def _build_plans(
    s: Scenario,
    rng: random.Random,
    t: _Timeline,
    courses: list[Offering],
    course_created: list[int],
) -> list[_PlanDraft]:
    """The learning plans: 3-6 courses each, mostly of one category, e-learning first."""
    count = s.plan_count
    if count == 0 or len(courses) < _PLAN_MIN_COURSES:
        return []
    by_category: dict[str, list[int]] = {}
    for course in courses:
        by_category.setdefault(course.category, []).append(course.index)
    eligible = [c for c, members in by_category.items() if len(members) >= 2] or list(by_category)
    uses = dict.fromkeys(eligible, 0)
    titles: set[str] = set()
    numbers: dict[str, int] = {}
    plans: list[_PlanDraft] = []
    for _ in range(count):
        cum = _cumulative([len(by_category[c]) / (1 + uses[c]) ** 2 for c in eligible])
        category = eligible[
            min(len(eligible) - 1, bisect.bisect_right(cum, rng.random() * cum[-1]))
        ]
        uses[category] += 1
        own = list(by_category[category])
        rng.shuffle(own)
        size = t.pick(_PLAN_MIN_COURSES, min(_PLAN_MAX_COURSES, len(courses)))
        size = min(size, max(_PLAN_MIN_COURSES, len(own) + 1))  # at most one from elsewhere
        members = own[:size]
        if len(members) == size >= 4 and rng.random() < 0.25:
            members.pop()
        chosen = set(members)
        while len(members) < size:
            extra = int(rng.random() * len(courses))
            if extra not in chosen:
                chosen.add(extra)
                members.append(extra)
        members.sort(key=lambda i: _KIND_ORDER[courses[i].kind])
        prefix = courses[by_category[category][0]].code.rsplit("-", 1)[0]
        number = numbers.get(prefix, 0) + 1
        numbers[prefix] = number
        created = t.between(max(course_created[i] for i in members) + _DAY, t.ref - 7 * _DAY)
        plans.append(
            _PlanDraft(
                title=_plan_title(category, titles),
                code=f"LP-{prefix}-{number:02d}",
                category=category,
                courses=tuple(members),
                created=created,
                updated=t.between(created, t.ref - 1),
                weight=0.5 + rng.random(),
            )
        )
    return plans


def _plan_description(plan: _PlanDraft, courses: list[Offering]) -> str:
    first, last = courses[plan.courses[0]].title, courses[plan.courses[-1]].title
    return (
        f"A path of {len(plan.courses)} courses, mostly {plan.category}, to take in order: "
        f"{first} first, {last} last."
    )


@dataclass(slots=True)
class _PlanEnrollmentDraft:
    person: int
    plan: int
    assigned: int
    assigned_by: int | None
    due: int | None


def _take(pool: dict[str, int], candidates: tuple[str, ...], rng: random.Random) -> str:
    """One state from the pool, among the candidates in proportion to what is left of each
    (any state when none of them is left)."""
    total = sum(pool[state] for state in candidates)
    if total == 0:
        candidates = STATES
        total = sum(pool.values())
    rest = int(rng.random() * total)
    for state in candidates:
        left = pool[state]
        if rest < left:
            pool[state] = left - 1
            return state
        rest -= left
    raise AssertionError("the state pool is empty")  # pragma: no cover


def _draft_plan_enrollments(
    s: Scenario,
    rng: random.Random,
    t: _Timeline,
    plans: list[_PlanDraft],
    people: list[_PersonDraft],
    pool: dict[str, int],
    book: _SessionBook,
    admins: list[int],
) -> tuple[list[_PlanEnrollmentDraft], list[tuple[int, int, str, int]]]:
    """Plan enrollments filling about ``plan_enrollment_share`` of the enrollments, and the
    (person, course, state, plan enrollment) of every course assignment they cascade into.

    The states come from ``pool`` in plan order: the first courses finished, then the current
    one, then ones not started. A plan whose courses a person already has is not offered to
    them, so every assignment belongs to at most one plan enrollment.
    """
    budget = round(s.plan_enrollment_share * s.enrollments)
    enrollments: list[_PlanEnrollmentDraft] = []
    items: list[tuple[int, int, str, int]] = []
    if not plans:
        return enrollments, items
    ref = t.ref
    taken: set[tuple[int, int]] = set()
    cum = _cumulative([plan.weight for plan in plans])
    top = cum[-1]
    last = len(plans) - 1
    smallest = min(len(plan.courses) for plan in plans)
    remaining = budget
    attempts = 0
    while remaining >= smallest and attempts < 100 + 20 * budget:
        attempts += 1
        index = min(last, bisect.bisect_right(cum, rng.random() * top))
        plan = plans[index]
        size = len(plan.courses)
        person = int(rng.random() * len(people))
        if size > remaining or any((person, course) in taken for course in plan.courses):
            continue
        done = size if rng.random() < _PLAN_COMPLETED_SHARE else int(rng.random() * size)
        states = [
            _take(
                pool, _PLAN_DONE if k < done else _PLAN_CURRENT if k == done else _PLAN_LATER, rng
            )
            for k in range(size)
        ]
        low = max(people[person].created, plan.created) + _HOUR
        high = ref - _HOUR
        for course, state in zip(plan.courses, states, strict=True):
            recency = _RECENCY_DAYS[state]
            if recency is not None:
                low = max(low, ref - recency * _DAY)
            deadline = book.deadline(course, state)
            high = min(high, low - 1 if deadline is None else deadline)
        if low > high:
            for state in states:
                pool[state] += 1
            continue
        assigned = t.between(low, high)
        if rng.random() >= s.self_enrolled_share:
            assigned_by: int | None = admins[int(rng.random() * len(admins))]
        else:
            assigned_by = None
        due = t.due(t.day(assigned) + t.pick(30, 180)) if rng.random() < s.due_date_share else None
        number = len(enrollments)
        enrollments.append(_PlanEnrollmentDraft(person, index, assigned, assigned_by, due))
        for course, state in zip(plan.courses, states, strict=True):
            taken.add((person, course))
            items.append((person, course, state, number))
        remaining -= size
    return enrollments, items


# --- assignments -----------------------------------------------------------------------------


def _earliest(state: str, person_created: int, course_created: int, ref: int) -> int:
    """The earliest an assignment in this state is made (its state's recency allowing)."""
    low = max(person_created, course_created) + _HOUR
    recency = _RECENCY_DAYS[state]
    return low if recency is None else max(low, ref - recency * _DAY)


def _fit_states(
    pairs: list[tuple[int, int]],
    states: list[str],
    people: list[_PersonDraft],
    course_created: list[int],
    book: _SessionBook,
) -> None:
    """Swap states so that every assignment of an instructor-led course has a fitting session.

    A learner who joined after the last past session of a course cannot have finished it; such
    a state changes places with one that fits there and whose assignment takes the other state
    as well (usually an e-learning one). The states' counts do not change.
    """
    ref = book.ref

    def fits(i: int, state: str) -> bool:
        person, course = pairs[i]
        deadline = book.deadline(course, state)
        if deadline is None:
            return False
        return _earliest(state, people[person].created, course_created[course], ref) <= deadline

    size = len(pairs)
    cursor = 0
    for i in range(size):
        if pairs[i][1] not in book.by_course or fits(i, states[i]):
            continue
        for _ in range(size):
            j = cursor
            cursor = cursor + 1 if cursor + 1 < size else 0
            if j != i and fits(i, states[j]) and fits(j, states[i]):
                states[i], states[j] = states[j], states[i]
                break


def _draft_assignment(
    s: Scenario,
    rng: random.Random,
    t: _Timeline,
    pair: tuple[int, int],
    state: str,
    course: Offering,
    has_test: bool,
    admins: list[int],
    window: tuple[int, int],
    slot: tuple[int, int] | None,
    cascade: tuple[int, int | None] | None,
) -> _Draft:
    """One assignment, assigned in ``window`` (from, before).

    ``slot`` is the (start, end) of the session it attends, when it was assigned before that
    started: then its learner started at the session's start and finished after its end.
    ``cascade`` is the (plan enrollment, assigned_by) of the learning-plan enrollment it comes
    from: such an assignment is a student's, assigned by whoever assigned the plan.
    """
    ref = t.ref
    person, course_index = pair
    assigned = t.between(*window)

    roll = rng.random()
    if cascade is not None:
        level = "student"
    elif roll < 0.015:
        level = "tutor" if course.kind == "elearning" else "instructor"
    elif roll < 0.03:
        level = "tutor"
    else:
        level = "student"
    mandatory = level == "student" and state != "pending_approval"
    mandatory = mandatory and rng.random() < s.mandatory_share
    if state == "pending_approval":
        assigned_by = None
    elif cascade is not None:
        assigned_by = cascade[1]
    elif mandatory or level != "student" or rng.random() >= s.self_enrolled_share:
        assigned_by = admins[int(rng.random() * len(admins))]
    else:
        assigned_by = None

    started = last_activity = completed = None
    progress = attempts = time_spent = 0
    score: float | None = None
    duration = course.duration_seconds
    begun = state == "in_progress" or state in _FINISHED or (state == "withdrawn" and roll > 0.5)
    if slot is not None and slot[0] >= ref:
        begun = False  # an upcoming session: nobody has started it yet
    if begun:
        if state in _FINISHED:
            if slot is not None:
                started = slot[0]
                completed = t.between(slot[1], min(ref - 1, slot[1] + 3 * _DAY))
            else:
                # Finish some time after assignment, having started a course's length before
                # that (up to a month for e-learning, a day for sessions), never before being
                # assigned.
                completed = t.between(assigned + 1, ref - 1)
                spread = 30 * _DAY if course.kind == "elearning" else _DAY
                started = max(assigned, completed - duration - int(rng.random() * spread))
            last_activity = completed if rng.random() < 0.8 else t.between(completed, ref - 1)
            progress = 100 if state != "failed" or rng.random() < 0.7 else t.pick(10, 99)
            if state == "passed":
                score = round(rng.uniform(70.0, 100.0), 1)
                attempts = 1 if rng.random() < 0.75 else t.pick(2, 3)
            elif state == "failed":
                score = round(rng.uniform(15.0, 69.9), 1)
                attempts = t.pick(1, 3)
            else:
                score = round(rng.uniform(55.0, 100.0), 1) if has_test else None
                attempts = 1 if rng.random() < 0.9 else 2
        else:
            if slot is not None:
                started = slot[0]
            else:
                started = assigned + int(rng.random() * 0.8 * (ref - 1 - assigned))
            last_activity = t.between(started, ref - 1)
            progress = t.pick(1, 99) if state == "in_progress" else t.pick(1, 95)
            attempts = 1 if not has_test or rng.random() < 0.85 else 2
        time_spent = max(60, int(duration * progress / 100 * rng.uniform(0.6, 1.5)))

    valid_from = None
    if rng.random() < 0.15:
        valid_from = (
            t.between(assigned, started) if started else assigned + int(rng.random() * 30 * _DAY)
        )

    due = None
    if level == "student" and rng.random() < (s.due_date_share):
        first_day = t.day(assigned + _DAY)
        if state in _UNSTARTED or state == "in_progress":
            if first_day <= 0 and rng.random() < s.overdue_share:
                due = t.due(t.pick(first_day, 0))
            else:
                due = t.due(t.pick(max(first_day, 1), 180))
        elif completed is not None:
            done_day = t.day(completed)
            if rng.random() < 0.85 or done_day - 1 < first_day:
                due = t.due(t.pick(max(done_day, first_day), max(done_day, first_day) + 45))
            else:
                due = t.due(t.pick(first_day, done_day - 1))
        else:
            due = t.due(t.pick(first_day, max(first_day, 0) + 90))

    past = [assigned]
    past.extend(x for x in (started, last_activity, completed) if x is not None)
    if valid_from is not None and valid_from < ref:
        past.append(valid_from)
    latest = max(past)
    if state == "withdrawn" or rng.random() < 0.3:
        updated = t.between(latest, min(ref - 1, latest + 14 * _DAY))
    else:
        updated = latest
    return _Draft(
        person, course_index, state, level, assigned, assigned_by, valid_from, due,
        started, last_activity, completed, progress, score, time_spent, mandatory,
        attempts, updated, None, -1 if cascade is None else cascade[0],
    )  # fmt: skip


def _plan_enrollment(
    index: int, draft: _PlanEnrollmentDraft, members: list[_Draft]
) -> PlanEnrollment:
    """A plan enrollment, its state and progress derived from its course assignments."""
    done = [d for d in members if d.state in _PLAN_DONE]
    if len(done) == len(members):
        state = "completed"
        completed: int | None = max(d.completed or draft.assigned for d in done)
    else:
        state = "in_progress" if any(d.started is not None for d in members) else "not_started"
        completed = None
    return PlanEnrollment(
        index=index,
        person=draft.person,
        plan=draft.plan,
        assigned_at=_at(draft.assigned),
        assigned_by=draft.assigned_by,
        due_at=_maybe_at(draft.due),
        state=state,
        progress_percent=round(100 * len(done) / len(members)),
        completed_at=_maybe_at(completed),
        time_spent_seconds=sum(d.time_spent for d in members),
        updated_at=_at(max(draft.assigned, *(d.updated for d in members))),
    )


def build_world(scenario: Scenario) -> World:
    """The scenario's people, courses, sessions, learning plans and enrollments: the same
    scenario gives the same world.

    Learning-plan enrollments come first, with an assignment for every course of their plan;
    the rest of the ``enrollments`` are drawn as single-course assignments. Every assignment of
    a classroom or webinar course, except waiting and pending ones, attends one of its
    course's sessions, whose seats are counted last.
    """
    s = scenario
    rng = random.Random(s.seed)
    from faker import Faker  # here, not at import: a sandbox that loads its state never seeds

    fake = Faker(s.locale)
    fake.seed_instance(s.seed)
    ref = int(s.reference_date.timestamp())
    catalog = s.catalog or _load_catalog(DEFAULT_CATALOG)

    drafts = _draft_people(s, rng, fake, ref)
    courses, has_test, popularity = _build_courses(s, rng, ref, catalog)
    admins = [i for i, p in enumerate(drafts) if p.is_admin]
    course_created = [int(c.created_at.timestamp()) for c in courses]
    timeline = _Timeline(rng, ref)
    session_drafts = _draft_sessions(s, rng, ref, courses, course_created)
    book = _SessionBook(session_drafts, ref)
    plans = _build_plans(s, rng, timeline, courses, course_created)

    pool = _apportion(s.status_weight_map, s.enrollments)
    plan_drafts, plan_items = _draft_plan_enrollments(
        s, rng, timeline, plans, drafts, pool, book, admins
    )
    states = [state for state, count in pool.items() for _ in range(count)]
    rng.shuffle(states)
    taken = {(person, course) for person, course, _, _ in plan_items}
    pairs = _pick_pairs(s, rng, popularity, taken, len(states))
    _fit_states(pairs, states, drafts, course_created, book)

    # (person, course, state, window, cascade) of every assignment, plan cascades first
    todo: list[tuple[int, int, str, tuple[int, int], tuple[int, int | None] | None]] = []
    for person, course, state, number in plan_items:
        plan_draft = plan_drafts[number]
        moment = plan_draft.assigned
        todo.append((person, course, state, (moment, moment), (number, plan_draft.assigned_by)))
    for (person, course), state in zip(pairs, states, strict=True):
        low = _earliest(state, drafts[person].created, course_created[course], ref)
        todo.append((person, course, state, (low, ref - _HOUR), None))

    work: list[_Draft] = []
    by_course = book.by_course
    for person, course, state, window, cascade in todo:
        session: int | None = None
        slot: tuple[int, int] | None = None
        if course in by_course and state not in _NO_SESSION:
            session = book.choose(course, state, window[0], rng)
            chosen = session_drafts[session]
            chosen.load += 1
            if chosen.start - _HOUR >= window[0]:
                slot = (chosen.start, chosen.end)
                window = (window[0], min(window[1], chosen.start - _HOUR))
        draft = _draft_assignment(
            s,
            rng,
            timeline,
            (person, course),
            state,
            courses[course],
            has_test[course],
            admins,
            window,
            slot,
            cascade,
        )
        draft.session = session
        work.append(draft)
    sessions = _finish_sessions(rng, session_drafts, courses)

    members: list[list[_Draft]] = [[] for _ in plan_drafts]
    for d in work:
        if d.plan >= 0:
            members[d.plan].append(d)
    order = sorted(range(len(plan_drafts)), key=lambda i: (plan_drafts[i].assigned, i))
    plan_enrollments = tuple(
        _plan_enrollment(index, plan_drafts[i], members[i]) for index, i in enumerate(order)
    )
    learning_plans = tuple(
        LearningPlan(
            index=i,
            title=plan.title,
            code=plan.code,
            description=_plan_description(plan, courses),
            courses=plan.courses,
            created_at=_at(plan.created),
            updated_at=_at(plan.updated),
        )
        for i, plan in enumerate(plans)
    )

    work.sort(key=lambda d: (d.assigned, d.person, d.course))
    for d in work:
        if d.last_activity is not None:
            person_draft = drafts[d.person]
            if person_draft.last_access is None or person_draft.last_access < d.last_activity:
                person_draft.last_access = d.last_activity

    domain = s.company_domain
    people = tuple(
        Person(
            index=i,
            first_name=p.first_name,
            last_name=p.last_name,
            username=p.username,
            email=f"{p.username}@{domain}",
            active=p.active,
            created_at=_at(p.created),
            last_access_at=_maybe_at(p.last_access),
            language=p.language,
            timezone=p.timezone,
            job_title=p.job_title,
            department=p.department,
            is_admin=p.is_admin,
        )
        for i, p in enumerate(drafts)
    )
    at = _at
    maybe_at = _maybe_at
    # Positional arguments in field order: keywords cost twice as much at 100,000 rows.
    assignments = tuple(
        Assignment(
            i,
            d.person,
            d.course,
            d.state,
            d.level,
            at(d.assigned),
            d.assigned_by,
            maybe_at(d.valid_from),
            maybe_at(d.due),
            maybe_at(d.started),
            maybe_at(d.last_activity),
            maybe_at(d.completed),
            d.progress,
            d.score,
            d.time_spent,
            d.mandatory,
            d.attempts,
            at(d.updated),
            d.session,
        )
        for i, d in enumerate(work)
    )
    return World(
        scenario=s,
        people=people,
        courses=tuple(courses),
        assignments=assignments,
        sessions=sessions,
        learning_plans=learning_plans,
        plan_enrollments=plan_enrollments,
    )


def drift_world(world: World, tenant: str) -> World:
    """The copy of ``world`` the tenant named ``tenant`` holds: the world itself when the
    scenario has no drift, else one that lacks some people and enrollments and has some
    states and due dates changed, as the scenario's ``[drift]`` shares say (see the module
    docstring). The same world and tenant give the same copy; the world is not changed.
    """
    s = world.scenario
    if not s.drifts:
        return world
    rng = random.Random(f"lmsbridge:drift:{s.seed}:{tenant}")

    def pick(candidates: list[int], share: float) -> set[int]:
        return set(rng.sample(candidates, round(share * len(candidates))))

    gone = pick([p.index for p in world.people if not p.is_admin], s.drift_people_share)
    in_plan = {
        (e.person, course)
        for e in world.plan_enrollments
        for course in world.learning_plans[e.plan].courses
    }
    kept = [a for a in world.assignments if a.person not in gone]
    loose = [a.index for a in kept if (a.person, a.course) not in in_plan]
    missing = pick(loose, s.drift_missing_share)
    kept = [a for a in kept if a.index not in missing]
    flippable = [
        a.index
        for a in kept
        if (a.person, a.course) not in in_plan
        and (
            a.state == "completed"
            or (a.state == "in_progress" and a.session is None and a.last_activity_at is not None)
        )
    ]
    flipped = pick(flippable, s.drift_status_share)
    moved = pick([a.index for a in kept if a.due_at is not None], s.drift_due_share)

    assignments: list[Assignment] = []
    for a in kept:  # in world order, so every draw below comes in the same order
        if a.index in flipped:
            a = _flip(a, rng)
        if a.index in moved and a.due_at is not None:
            shift = timedelta(days=rng.randint(1, _MAX_DUE_SHIFT_DAYS))
            later = rng.random() < 0.5 or a.due_at - shift < a.assigned_at
            a = replace(a, due_at=a.due_at + shift if later else a.due_at - shift)
        assignments.append(a)
    return World(
        scenario=s,
        people=tuple(p for p in world.people if p.index not in gone),
        courses=world.courses,
        assignments=tuple(assignments),
        sessions=world.sessions,
        learning_plans=world.learning_plans,
        plan_enrollments=tuple(e for e in world.plan_enrollments if e.person not in gone),
    )


def _flip(a: Assignment, rng: random.Random) -> Assignment:
    """A completed assignment still in progress, or an in-progress one (without a session)
    completed at its last activity: every date stays where it was."""
    if a.state == "completed":
        return replace(
            a,
            state="in_progress",
            completed_at=None,
            progress_percent=rng.randint(50, 99),
            score=None,
        )
    return replace(
        a, state="completed", completed_at=a.last_activity_at, progress_percent=100, score=None
    )


@functools.cache
def _available_locales() -> frozenset[str]:
    """The locales Faker has providers for, read from its package folders without importing it
    (importing Faker costs ~70 ms, paid only when a world is built)."""
    spec = importlib.util.find_spec("faker")
    if spec is None or spec.origin is None:
        raise ScenarioError("Faker is not installed")
    providers = Path(spec.origin).parent / "providers"
    return frozenset(
        entry.name
        for provider in providers.iterdir()
        if provider.is_dir()
        for entry in provider.iterdir()
        if entry.is_dir() and not entry.name.startswith("_")
    )
