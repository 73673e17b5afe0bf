"""B4: rate-limit fidelity.

What it will measure: whether the sandbox throttles as each vendor documents (requests allowed
per window, ``429`` with ``Retry-After``) and whether the connectors' retries stay within the
limit. Not measurable yet: the sandbox has no rate limiting, so the row says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench.harness import Row

if TYPE_CHECKING:
    from bench.context import Context


def run(ctx: Context) -> list[Row]:
    return [Row.not_measured("B4 rate-limit fidelity", "-", "the sandbox has no rate limiting yet")]
