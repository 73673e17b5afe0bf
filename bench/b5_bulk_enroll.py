"""B5: bulk enroll through the operations layer.

What it will measure: enrolling many (user, course) pairs through the operations layer, against
the same pairs sent as single enroll calls. Not measurable yet: there is no operations layer,
so the row says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench.harness import Row

if TYPE_CHECKING:
    from bench.context import Context


def run(ctx: Context) -> list[Row]:
    return [Row.not_measured("B5 bulk enroll", "-", "there is no operations layer yet")]
