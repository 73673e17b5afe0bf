"""Scenarios, and the deterministic, vendor-neutral tenant every vendor emulation is built from.

A scenario is a TOML file in ``seed-data/`` (or anywhere, given by path) that says how big the
tenant is and how its enrollments are spread: ``seed``, ``locale``, ``reference_date``, the counts
``users``, ``courses`` and ``enrollments``, a few shares and the ``status_weights`` of the neutral
enrollment states in :data:`STATES`. Courses come from a catalog file (``seed-data/catalog.toml``
unless the scenario names another one); files named ``catalog*.toml`` are catalogs, never
scenarios.

:func:`build_world` turns a scenario into people, courses and assignments. It is a pure function
of the scenario: every random draw goes through one ``random.Random(seed)`` and one ``Faker``
seeded with the same seed, and every date is relative to ``reference_date``, never to the real
clock, so the same scenario and seed give the same world byte for byte, in any process, on any
day. The vendor emulations map this world onto their own payloads; nothing here knows a vendor.
"""

from __future__ import annotations

import bisect
import contextlib
import math
import random
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Final

from faker import Faker
from faker.config import AVAILABLE_LOCALES

__all__ = [
    "SEED_DATA_DIR",
    "STATES",
    "Assignment",
    "CatalogEntry",
    "Offering",
    "Person",
    "Scenario",
    "ScenarioError",
    "World",
    "build_world",
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
    defaults of the demo scenario. ``admins=None`` derives the number of admins from ``users``
    and an empty ``catalog`` means the repository's ``seed-data/catalog.toml``.
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


@dataclass(frozen=True, slots=True)
class World:
    """Everything a vendor emulation needs to build its tenant from."""

    scenario: Scenario
    people: tuple[Person, ...]
    courses: tuple[Offering, ...]
    assignments: tuple[Assignment, ...]


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
)
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
    elif s.locale not in AVAILABLE_LOCALES:
        problem = f"'locale' {s.locale!r} is not a locale Faker knows (e.g. en_US, de_DE)"
    elif (
        not isinstance(s.reference_date, datetime)
        or s.reference_date.tzinfo is None
        or s.reference_date.utcoffset()
    ):
        problem = "'reference_date' must be an aware UTC datetime"
    else:
        problem = _count_problem(s) or _share_problem(s) or _weights_problem(s.status_weights)
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


def _share_problem(s: Scenario) -> str | None:
    for key in _SHARES:
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
    if locale not in AVAILABLE_LOCALES:
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
        catalog=_load_catalog(catalog_path, referenced_by=where),
        source=path,
    )


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
        popularity.append(weight * (0.4 + 1.2 * rng.random()))
    return courses, has_test, popularity


def _pick_pairs(s: Scenario, rng: random.Random, popularity: list[float]) -> list[tuple[int, int]]:
    """``enrollments`` distinct (person, course) pairs, popular courses more often."""
    total = s.users * s.courses
    if 2 * s.enrollments > total:
        return [divmod(code, s.courses) for code in rng.sample(range(total), s.enrollments)]
    cum = _cumulative(popularity)
    top = cum[-1]
    last = len(cum) - 1
    seen: set[tuple[int, int]] = set()
    pairs: list[tuple[int, int]] = []
    users = s.users
    while len(pairs) < s.enrollments:
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


def _draft_assignment(
    s: Scenario,
    rng: random.Random,
    t: _Timeline,
    pair: tuple[int, int],
    state: str,
    course: Offering,
    course_created: int,
    has_test: bool,
    person_created: int,
    admins: list[int],
) -> _Draft:
    ref = t.ref
    person, course_index = pair
    low = max(person_created, course_created) + _HOUR
    recency = _RECENCY_DAYS[state]
    if recency is not None:
        low = max(low, ref - recency * _DAY)
    assigned = t.between(low, ref - _HOUR)

    roll = rng.random()
    if roll < 0.015:
        level = "tutor" if course.kind == "elearning" else "instructor"
    elif roll < 0.03:
        level = "tutor"
    else:
        level = "student"
    mandatory = level == "student" and state != "pending_approval"
    mandatory = mandatory and rng.random() < s.mandatory_share
    if state == "pending_approval":
        assigned_by = None
    elif mandatory or level != "student" or rng.random() >= s.self_enrolled_share:
        assigned_by = admins[int(rng.random() * len(admins))]
    else:
        assigned_by = None

    started = last_activity = completed = None
    progress = attempts = time_spent = 0
    score: float | None = None
    duration = course.duration_seconds
    if state == "in_progress" or state in _FINISHED or (state == "withdrawn" and roll > 0.5):
        if state in _FINISHED:
            # Finish some time after assignment, having started a course's length before that
            # (up to a month for e-learning, a day for sessions), never before being assigned.
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
        attempts, updated,
    )  # fmt: skip


def build_world(scenario: Scenario) -> World:
    """The scenario's people, courses and assignments: the same scenario gives the same world."""
    s = scenario
    rng = random.Random(s.seed)
    fake = Faker(s.locale)
    fake.seed_instance(s.seed)
    ref = int(s.reference_date.timestamp())
    catalog = s.catalog or _load_catalog(DEFAULT_CATALOG)

    drafts = _draft_people(s, rng, fake, ref)
    courses, has_test, popularity = _build_courses(s, rng, ref, catalog)
    admins = [i for i, p in enumerate(drafts) if p.is_admin]
    course_created = [int(c.created_at.timestamp()) for c in courses]

    states = [
        state
        for state, count in _apportion(s.status_weight_map, s.enrollments).items()
        for _ in range(count)
    ]
    rng.shuffle(states)
    pairs = _pick_pairs(s, rng, popularity)
    timeline = _Timeline(rng, ref)
    work = [
        _draft_assignment(
            s,
            rng,
            timeline,
            pair,
            state,
            courses[pair[1]],
            course_created[pair[1]],
            has_test[pair[1]],
            drafts[pair[0]].created,
            admins,
        )
        for pair, state in zip(pairs, states, strict=True)
    ]
    work.sort(key=lambda d: (d.assigned, d.person, d.course))

    for d in work:
        if d.last_activity is not None:
            person = drafts[d.person]
            if person.last_access is None or person.last_access < d.last_activity:
                person.last_access = d.last_activity

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
        )
        for i, d in enumerate(work)
    )
    return World(scenario=s, people=people, courses=tuple(courses), assignments=assignments)
