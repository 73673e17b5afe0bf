"""The common harness: timing, the result row, the table, and a resident-memory probe.

Every benchmark returns :class:`Row` objects. A row's ``ratio`` is the measured figure divided
by (or, for throughputs, relative to) a baseline measured in the same run on the same machine,
so the noise of a shared two-core machine mostly cancels; ``figures`` holds the absolute numbers
behind it, for context only. A benchmark that cannot run yet returns a row with ``ratio=None``
and status ``N/A``.
"""

from __future__ import annotations

import enum
import gc
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = [
    "Row",
    "Status",
    "Target",
    "format_table",
    "median",
    "median_time",
    "median_time_async",
    "resident_kib",
]


class Status(enum.StrEnum):
    PASS = "PASS"  # noqa: S105 - a result, not a password
    FAIL = "FAIL"
    NA = "N/A"
    ERROR = "ERROR"


@dataclass(frozen=True, slots=True)
class Target:
    """``ratio <op> value``: at least (``>=``) for throughputs, at most (``<=``) for costs."""

    op: Literal[">=", "<="]
    value: float

    def met(self, ratio: float) -> bool:
        return ratio >= self.value if self.op == ">=" else ratio <= self.value

    def __str__(self) -> str:
        return f"{'≥' if self.op == '>=' else '≤'} {self.value:g}"


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the table."""

    bench: str
    ratio: float | None
    target: str
    status: Status
    figures: str

    @classmethod
    def measured(
        cls,
        bench: str,
        ratio: float,
        target: Target,
        figures: str,
        *,
        extra_ok: bool = True,
        extra_target: str = "",
    ) -> Row:
        """A measured row: PASS when the ratio meets ``target`` and ``extra_ok`` holds (a second
        condition, such as an absolute limit, described by ``extra_target``)."""
        text = f"{target}{f' and {extra_target}' if extra_target else ''}"
        passed = target.met(ratio) and extra_ok
        return cls(bench, ratio, text, Status.PASS if passed else Status.FAIL, figures)

    @classmethod
    def not_measured(cls, bench: str, target: str, reason: str) -> Row:
        return cls(bench, None, target, Status.NA, f"not measured: {reason}")

    @classmethod
    def error(cls, bench: str, target: str, err: BaseException) -> Row:
        detail = " ".join(str(err).split()) or type(err).__name__
        return cls(bench, None, target, Status.ERROR, f"error: {type(err).__name__}: {detail}")


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def median_time(fn: Callable[[], object], repeat: int) -> tuple[float, list[float]]:
    """The median wall time of ``repeat`` calls of ``fn`` (garbage collected before each)."""
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return median(times), times


async def median_time_async(
    fn: Callable[[], Awaitable[object]], repeat: int
) -> tuple[float, list[float]]:
    """:func:`median_time` for a coroutine function."""
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        await fn()
        times.append(time.perf_counter() - start)
    return median(times), times


def resident_kib() -> tuple[int, int]:
    """(current resident set, its high-water mark) of this process in KiB."""
    status = Path("/proc/self/status")
    if status.exists():
        fields = {}
        for line in status.read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0])
        return fields["VmRSS"], fields["VmHWM"]
    import resource  # not Linux: only the peak is known

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak, peak


def format_table(rows: Sequence[Row]) -> str:
    """The rows as one aligned text table."""
    header = ("benchmark", "ratio", "target", "result", "absolute figures")
    cells = [
        (
            row.bench,
            "-" if row.ratio is None else f"{row.ratio:.2f}",
            row.target,
            str(row.status),
            row.figures,
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [header, *cells]) for i in range(4)]

    def line(values: Sequence[str]) -> str:
        first = [
            values[0].ljust(widths[0]),
            values[1].rjust(widths[1]),
            values[2].ljust(widths[2]),
            values[3].ljust(widths[3]),
        ]
        return "  ".join([*first, values[4]]).rstrip()

    rule = "  ".join("-" * w for w in widths) + "  " + "-" * len(header[4])
    return "\n".join([line(header), rule, *(line(c) for c in cells)])
