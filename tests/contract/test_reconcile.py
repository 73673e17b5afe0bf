"""Reconcile across vendors of the in-process sandbox: the default scenario's drift is found.

Docebo's tenant holds the scenario's world as is; every other vendor's holds the copy
``drift_world`` makes for it. The vendors already differ without drift (their status
vocabularies map onto the unified statuses differently, Kombo has no due dates and lists fewer
courses), so each vendor is reconciled against Docebo twice, in the default scenario and in the
same scenario without its ``[drift]`` table, and the differences the drift adds or removes are
checked against the drift itself.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from core.connections import sandbox_connections
from core.reconcile import DifferenceKind, Reconciliation, reconcile
from core.view import LocalView
from sandbox.app import SandboxConfig, create_app, sandbox_credentials
from sandbox.seeding import SEED_DATA_DIR, Assignment, World, build_world, drift_world
from sandbox.seeding import load_scenario as load
from tests.conftest import IN_PROCESS_URL, in_process_client

VENDORS = ("docebo", "kombo", "ispring", "lms365")
DRIFTED = VENDORS[1:]
#: Kombo's progressions carry no due date: a moved one cannot show
DUE_DATES = {"ispring", "lms365"}

Pair = tuple[str, str]  # (email, course title)
Key = tuple[DifferenceKind, str, str]


async def load_views(config: SandboxConfig) -> dict[str, LocalView]:
    app = create_app(config)
    views: dict[str, LocalView] = {}
    async with in_process_client(app) as client:
        for connection in sandbox_connections(sandbox_credentials(app, IN_PROCESS_URL)):
            async with connection.connector(http_client=client) as connector:
                views[connection.vendor] = await LocalView.load(connector)
    assert set(views) == set(VENDORS)
    return views


@pytest.fixture(scope="module")
def no_drift_scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default scenario without its ``[drift]`` table, all else the same."""
    kept: list[str] = []
    in_drift = False
    for line in (SEED_DATA_DIR / "default.toml").read_text().splitlines():
        if line.startswith("["):
            in_drift = line.strip() == "[drift]"
        if not in_drift:
            kept.append(line)
    path = tmp_path_factory.mktemp("scenarios") / "no-drift.toml"
    path.write_text("\n".join(kept) + "\n")
    scenario, default = load(str(path)), load("default")
    assert default.drifts and not scenario.drifts
    assert scenario == replace(
        default,
        name=scenario.name,
        source=scenario.source,
        drift_people_share=0.0,
        drift_missing_share=0.0,
        drift_status_share=0.0,
        drift_due_share=0.0,
    )
    return path


@pytest.fixture(scope="module")
def drifted_views() -> dict[str, LocalView]:
    return asyncio.run(load_views(SandboxConfig(memory=True)))


@pytest.fixture(scope="module")
def plain_views(no_drift_scenario: Path) -> dict[str, LocalView]:
    return asyncio.run(load_views(SandboxConfig(scenario=str(no_drift_scenario), memory=True)))


@pytest.fixture(scope="module")
def world() -> World:
    return build_world(load("default"))


@dataclass(frozen=True)
class Drift:
    """What one vendor's copy of the world changed, as reconcile pairs."""

    gone: set[str]  # emails of the people the vendor does not have
    touched: set[Pair]  # every pair the drift changed, the gone people's included
    missing: set[Pair]  # enrollments the vendor lacks (of people it has), not withdrawn
    flipped: set[Pair]  # enrollments whose state differs
    moved: set[Pair]  # enrollments whose due date differs, not withdrawn


def drift_of(world: World, vendor: str) -> Drift:
    emails = {p.index: p.email for p in world.people}
    titles = {c.index: c.title for c in world.courses}

    def pairs(w: World) -> dict[Pair, Assignment]:
        return {(emails[a.person], titles[a.course]): a for a in w.assignments}

    own = drift_world(world, vendor)
    before, after = pairs(world), pairs(own)
    gone = set(emails.values()) - {p.email for p in own.people}
    dropped = {pair for pair in before.keys() - after.keys() if pair[0] not in gone}
    flipped = {pair for pair, a in after.items() if a.state != before[pair].state}
    moved = {pair for pair, a in after.items() if a.due_at != before[pair].due_at}
    return Drift(
        gone=gone,
        touched=dropped | flipped | moved | {pair for pair in before if pair[0] in gone},
        missing={pair for pair in dropped if before[pair].state != "withdrawn"},
        flipped=flipped,
        moved={pair for pair in moved if after[pair].state != "withdrawn"},
    )


def keys(result: Reconciliation) -> set[Key]:
    return {(d.kind, d.email, d.course) for d in result.differences}


def of_kind(found: set[Key], kind: DifferenceKind) -> set[Pair]:
    return {(email, course) for k, email, course in found if k is kind}


@pytest.mark.parametrize("vendor", DRIFTED)
def test_reconcile_finds_the_vendors_drift(
    vendor: str,
    world: World,
    drifted_views: dict[str, LocalView],
    plain_views: dict[str, LocalView],
) -> None:
    drift = drift_of(world, vendor)
    assert drift.gone and drift.missing and drift.flipped and drift.moved
    plain = reconcile(plain_views["docebo"], plain_views[vendor])
    drifted = reconcile(drifted_views["docebo"], drifted_views[vendor])
    added, removed = keys(drifted) - keys(plain), keys(plain) - keys(drifted)

    # every difference the drift adds or removes is one of the pairs it changed
    assert {(email, course) for _, email, course in added | removed} <= drift.touched
    # the people the vendor lacks are no longer matched, so none of their pairs is compared
    lost = plain.matched_people - drifted.matched_people
    assert 0 < lost <= len(drift.gone)
    assert drifted.unmatched_people[0] - plain.unmatched_people[0] == lost
    assert drifted.matched_courses == plain.matched_courses

    assert not of_kind(added, DifferenceKind.MISSING_IN_A)
    missing = of_kind(keys(drifted), DifferenceKind.MISSING_IN_B)
    assert missing == of_kind(added, DifferenceKind.MISSING_IN_B)
    assert missing and missing <= drift.missing
    status = of_kind(added, DifferenceKind.STATUS)
    # a moved due date can make an unfinished enrollment overdue, or no longer, by the clock
    assert status & drift.flipped and status <= drift.flipped | drift.moved
    due = of_kind(added, DifferenceKind.DUE_DATE)
    if vendor in DUE_DATES:
        assert due and due <= drift.moved
    else:
        assert not due
        assert drifted.counts()[DifferenceKind.DUE_DATE] > 0  # none of its enrollments has one

    if plain.unmatched_courses[0] == 0:  # every course compared: every change is found
        assert missing == drift.missing
        assert drift.flipped <= of_kind(keys(drifted), DifferenceKind.STATUS)
        if vendor in DUE_DATES:
            assert due == drift.moved


def test_reconcile_reference_against_itself_finds_nothing(
    drifted_views: dict[str, LocalView],
) -> None:
    same = reconcile(drifted_views["docebo"], drifted_views["docebo"])
    assert same.differences == []
    assert same.unmatched_people == (0, 0) and same.matched_people > 250
