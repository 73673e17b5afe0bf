"""The sandbox's clock: the one notion of "now" every vendor, event and learner reads.

It runs with real time, shifted by an offset, unless frozen at an instant. ``POST
/_sandbox/clock`` moves it (``sandbox.admin``): moving it forward makes due dates pass,
enrollments overdue, access dates arrive and tokens expire, without waiting. Rate limits and
fault latencies use real (monotonic) time, never this clock.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime


class Clock:
    def __init__(self, offset: float = 0.0) -> None:
        self.offset = offset
        #: the instant it stands still at, or None while it runs
        self.frozen_at: float | None = None

    def time(self) -> float:
        """Seconds since the epoch, as the sandbox sees them."""
        frozen = self.frozen_at
        return frozen if frozen is not None else time.time() + self.offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), UTC)

    @property
    def frozen(self) -> bool:
        return self.frozen_at is not None

    def advance(self, seconds: float) -> None:
        """Move "now" forward (or back, for a negative number), frozen or not."""
        if self.frozen_at is not None:
            self.frozen_at += seconds
        else:
            self.offset += seconds

    def set(self, instant: float) -> None:
        """Jump to ``instant`` (seconds since the epoch); a frozen clock stays frozen there."""
        if self.frozen_at is not None:
            self.frozen_at = instant
        else:
            self.offset = instant - time.time()

    def freeze(self) -> None:
        """Stand still at the current instant."""
        if self.frozen_at is None:
            self.frozen_at = self.time()

    def resume(self) -> None:
        """Run again from the instant it stood still at."""
        if self.frozen_at is not None:
            self.offset = self.frozen_at - time.time()
            self.frozen_at = None

    def reset(self) -> None:
        """Back to real time, running."""
        self.offset = 0.0
        self.frozen_at = None

    def to_json(self) -> dict[str, object]:
        return {
            "now": self.now().isoformat(timespec="milliseconds"),
            "frozen": self.frozen,
            "offset_seconds": round(self.time() - time.time(), 3),
        }
