"""Learner activity: seeded learners work through their enrollments, as on a live LMS.

``POST /_sandbox/activity {"vendor"?, "count"?, "steps"?}`` picks, in every vendor (or the one
named), ``count`` enrollments (default 10) a learner can work on now, and moves each ``steps``
steps (default 1): start, progress, time spent, then pass or fail (``sandbox.learning``).
Every change goes through the vendor's own state, as its API would write it: its timestamps
move, so incremental listing finds them, and its event is recorded where it has one
(``sandbox/vendors/<vendor>/activity.py`` says what each does). The answer lists the changes.

A timer does the same every ``every_seconds`` (real time): set by the scenario's ``[activity]``
table (``every_seconds``, ``count``, ``steps``, ``vendor``), or at run time with ``POST
/_sandbox/activity/timer`` (``DELETE`` stops it). Picks draw from one ``random.Random`` seeded
from the scenario's seed (and the namespace), so a run is reproducible; a reset starts it over
and brings back the scenario's timer.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from sandbox.learning import Change, Learners
from sandbox.store import Store
from sandbox.vendors.base import Vendor
from sandbox.vendors.docebo import DoceboBackend
from sandbox.vendors.docebo.activity import DoceboLearners
from sandbox.vendors.ispring import ISpringBackend
from sandbox.vendors.ispring.activity import ISpringLearners
from sandbox.vendors.kombo import KomboBackend
from sandbox.vendors.kombo.activity import KomboLearners
from sandbox.vendors.lms365 import LMS365Backend
from sandbox.vendors.lms365.activity import LMS365Learners

DEFAULT_COUNT: Final = 10
MAX_COUNT: Final = 10_000
MAX_STEPS: Final = 100
MIN_INTERVAL: Final = 0.01
MAX_INTERVAL: Final = 86_400.0
RUN_FIELDS: Final = frozenset({"vendor", "count", "steps"})
TIMER_FIELDS: Final = RUN_FIELDS | {"every_seconds"}


class ActivityError(ValueError):
    """A request or ``[activity]`` table that cannot be read; the message says why."""


@dataclass(frozen=True, slots=True)
class Plan:
    vendor: str | None = None
    count: int = DEFAULT_COUNT
    steps: int = 1
    #: only for a timer
    every_seconds: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "vendor": self.vendor,
            "count": self.count,
            "steps": self.steps,
            "every_seconds": self.every_seconds,
        }


def _whole(body: Mapping[str, Any], key: str, default: int, top: int) -> int:
    value = body.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= top:
        raise ActivityError(f"{key} must be a whole number from 1 to {top}, not {value!r}")
    return value


def parse_plan(body: Any, vendors: Mapping[str, Vendor], *, timer: bool = False) -> Plan:
    """A run (``timer=False``) or a timer, from a request body or an ``[activity]`` table."""
    if not isinstance(body, Mapping):
        raise ActivityError("the activity settings must be a JSON object (a TOML table)")
    fields = TIMER_FIELDS if timer else RUN_FIELDS
    unknown = sorted(str(key) for key in body if key not in fields)
    if unknown:
        raise ActivityError(f"unknown field {unknown[0]!r}; use {', '.join(sorted(fields))}")
    vendor = body.get("vendor")
    if vendor is not None and vendor not in vendors:
        names = ", ".join(repr(name) for name in vendors)
        raise ActivityError(f"vendor must be one of {names} or null (every one), not {vendor!r}")
    every: float | None = None
    if timer:
        value = body.get("every_seconds")
        if (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or not math.isfinite(value)
            or not MIN_INTERVAL <= value <= MAX_INTERVAL
        ):
            raise ActivityError(
                f"every_seconds must be a number from {MIN_INTERVAL} to {MAX_INTERVAL:g}, "
                f"not {value!r}"
            )
        every = float(value)
    return Plan(
        vendor=vendor,
        count=_whole(body, "count", DEFAULT_COUNT, MAX_COUNT),
        steps=_whole(body, "steps", 1, MAX_STEPS),
        every_seconds=every,
    )


def learners_of(vendor: Vendor) -> Learners | None:
    """The vendor's side of learner activity (every vendor of the sandbox has one)."""
    if isinstance(vendor, DoceboBackend):
        return DoceboLearners(vendor)
    if isinstance(vendor, KomboBackend):
        return KomboLearners(vendor)
    if isinstance(vendor, ISpringBackend):
        return ISpringLearners(vendor)
    if isinstance(vendor, LMS365Backend):
        return LMS365Learners(vendor)
    return None


class Activity:
    """The learners of every vendor, the seeded source of their steps, and the timer."""

    def __init__(
        self, store: Store, vendors: Mapping[str, Vendor], seed: str, timer: Plan | None = None
    ) -> None:
        self.store = store
        self.vendors = vendors
        self.learners = {
            name: learners
            for name, vendor in vendors.items()
            if (learners := learners_of(vendor)) is not None
        }
        self._seed = f"lmsbridge:activity:{seed}"
        self.rng = random.Random(self._seed)
        self._start_timer = timer
        self.timer = timer
        self._task: asyncio.Task[None] | None = None
        self.runs = 0
        self.changes = 0
        self.last_error: str | None = None

    def run(self, plan: Plan) -> list[Change]:
        """Move learners now; the caller commits the store (``await store.commit()``)."""
        changes: list[Change] = []
        for name, learners in self.learners.items():
            if plan.vendor is not None and name != plan.vendor:
                continue
            pool = learners.candidates()
            for doc_id in self.rng.sample(pool, min(plan.count, len(pool))):
                for _ in range(plan.steps):
                    change = learners.advance(doc_id, self.rng)
                    if change is None:
                        break
                    changes.append(change)
        self.runs += 1
        self.changes += len(changes)
        return changes

    # -- the timer -----------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        return {
            "timer": self.timer.to_json() if self.timer else None,
            "running": self._task is not None and not self._task.done(),
            "runs": self.runs,
            "changes": self.changes,
            "last_error": self.last_error,
        }

    def set_timer(self, plan: Plan | None) -> None:
        """Run ``plan`` every ``plan.every_seconds`` from now on (None: stop). Needs the event
        loop when a timer is set."""
        self.stop()
        self.timer = plan
        self.start()

    def start(self) -> None:
        """Start the timer, if one is set and it is not running (from the event loop)."""
        if self.timer is None or (self._task is not None and not self._task.done()):
            return
        self._task = asyncio.get_running_loop().create_task(self._tick(self.timer))

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _tick(self, plan: Plan) -> None:
        assert plan.every_seconds is not None
        while True:
            await asyncio.sleep(plan.every_seconds)
            try:
                self.run(plan)
                await self.store.commit()
            except Exception as err:  # keep the timer alive; GET /_sandbox/activity shows it
                self.last_error = f"{type(err).__name__}: {err}"

    def reset(self) -> None:
        """The random source starts over and the scenario's timer (if any) is back, running."""
        self.stop()
        self.rng = random.Random(self._seed)
        self.timer = self._start_timer
        self.runs = self.changes = 0
        self.last_error = None
        with contextlib.suppress(RuntimeError):  # outside the event loop: the app starts it
            self.start()
