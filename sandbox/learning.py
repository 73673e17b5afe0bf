"""What one step of a learner's work on an enrollment is, the same for every vendor.

A step that starts an enrollment reaches 5-35 %; every later one adds 15-45 points. Each
takes 5-45 minutes. Reaching 100 % ends the attempt: passed with a score of 80-100, or (one
attempt in seven) failed with 30-79. What passing or failing means (a status, a score, a
completion date) is each vendor's own (``sandbox/vendors/<vendor>/activity.py``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Final, Literal, Protocol

PASSING_SCORE: Final = 80
FAIL_SHARE: Final = 1 / 7
#: a failed attempt leaves this much progress (the content was seen; the test was not passed)
FAILED_PROGRESS: Final = 90

Outcome = Literal["passed", "failed"]
#: what one step changed: ``{"vendor", "id", "user_id", "course_id", "status_before",
#: "status", "progress", "score"}``, ids as the vendor's API names them
Change = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Step:
    progress: int
    seconds: int
    outcome: Outcome | None = None
    score: int | None = None


def draw(rng: random.Random, progress: float) -> Step:
    """The next step from ``progress`` (0-100)."""
    start = progress <= 0
    reached = rng.randint(5, 35) if start else min(100, int(progress) + rng.randint(15, 45))
    seconds = rng.randint(5, 45) * 60
    if reached < 100:
        return Step(reached, seconds)
    if rng.random() < FAIL_SHARE:
        return Step(100, seconds, "failed", rng.randint(30, PASSING_SCORE - 1))
    return Step(100, seconds, "passed", rng.randint(PASSING_SCORE, 100))


class Learners(Protocol):
    """A vendor's side of learner activity, over its own tables."""

    def candidates(self) -> list[int]:
        """The ids of the enrollments a learner could work on now."""
        ...

    def advance(self, doc_id: int, rng: random.Random) -> Change | None:
        """One step on that enrollment, written as the vendor writes it (one transaction,
        with the vendor's event when it has one); None when it cannot move (finished, the
        learner inactive, the access date still to come, or gone)."""
        ...
