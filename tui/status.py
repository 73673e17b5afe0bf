"""The words of the status line, the breadcrumb and the sidebar: counts, progress, age, errors.

Pure functions of the store and a ``now``, so the screen stays thin and the tests (and the
snapshots, which freeze the clock) can check every wording.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import NamedTuple

from tui.dataset import Dataset, LoadState
from tui.records import Kind
from tui.store import ALL, Store

SIDEBAR_WIDTH = 26
CRUMB = " \u203a "


class Status(NamedTuple):
    text: str
    loading: bool
    error: bool


def age(delta: timedelta) -> str:
    """``just now``, ``1 min ago``, ``3 h ago``, ``2 d ago``."""
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} d ago"


def counts(dataset: Dataset) -> str:
    kind = dataset.kind
    if dataset.shown != dataset.total:
        text = f"{dataset.shown:,} of {dataset.total:,} {kind.value}"
    else:
        text = f"{dataset.total:,} {kind.value if dataset.total != 1 else kind.singular}"
    return text + (" (fuzzy matches)" if dataset.fuzzy and dataset.shown else "")


def progress(datasets: Mapping[Kind, Dataset]) -> str:
    """``users 300 ✓ · courses 40 ✓ · enrollments 1,200…``: how far each listing has come."""
    marks = {LoadState.LOADED: " ✓", LoadState.FAILED: " ✗", LoadState.LOADING: "…"}
    return " · ".join(
        f"{kind.value} {d.total:,}{marks.get(d.state, '')}" for kind, d in datasets.items()
    )


def status(store: Store, key: str, kind: Kind, now: datetime) -> Status:
    """The status line of a view's tab."""
    datasets = store.datasets(key)
    dataset = None if datasets is None else datasets.get(kind)
    if datasets is None or dataset is None:
        return Status(f"{store.label(key)} · not loaded", False, False)
    head = f"{store.label(key)} · {counts(dataset)}"
    if key == ALL:
        return _merged_status(store, head, dataset, now)
    if dataset.state is LoadState.FAILED:
        return Status(f"{head} · failed: {dataset.error}", False, True)
    if any(d.state is LoadState.LOADING for d in datasets.values()):
        return Status(f"{head} · loading {progress(datasets)}", True, False)
    if dataset.state is LoadState.LOADED and dataset.loaded_at is not None:
        return Status(f"{head} · loaded {age(now - dataset.loaded_at)}", False, False)
    return Status(f"{head} · {dataset.state.value}", False, False)


def _merged_status(store: Store, head: str, dataset: Dataset, now: datetime) -> Status:
    started = [name for name in store.data if name in store.by_name]
    busy = [name for name in started if store.loading(name)]
    if busy:
        done = len(started) - len(busy)
        return Status(f"{head} · loading {done} of {len(started)} connections", True, False)
    if dataset.state is LoadState.FAILED:
        return Status(f"{head} · failed: {dataset.error}", False, True)
    if dataset.loaded_at is not None:
        return Status(f"{head} · loaded {age(now - dataset.loaded_at)}", False, False)
    return Status(head, False, False)


def connection_line(datasets: Mapping[Kind, Dataset] | None) -> tuple[str, bool]:
    """The sidebar's third line for a connection, and whether it reports an error."""
    if datasets is None:
        return "not loaded", False
    failed = [d.error for d in datasets.values() if d.state is LoadState.FAILED and d.error]
    if failed:
        return fit(f"✗ {failed[0]}"), True
    enrollments = datasets[Kind.ENROLLMENTS]
    if any(d.state is LoadState.LOADING for d in datasets.values()):
        return f"… {enrollments.total:,} enrollments", False
    return f"✓ {enrollments.total:,} enrollments", False


def fit(text: str, width: int = SIDEBAR_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def breadcrumb(
    store: Store, key: str, kind: Kind, dataset: Dataset | None, back: str | None
) -> str:
    """The view, the scope a jump left and the tab, e.g. sandbox-docebo, Users, Ada Lovelace,
    Enrollments, joined by a right-pointing quote; and the key ``back`` that undoes the jump."""
    parts = [store.label(key)]
    scope = None if dataset is None else dataset.facets.scope
    if scope is not None:
        parts += [scope.kind.label, scope.label]
    parts.append(kind.label)
    return CRUMB.join(parts) + (f"   ({back}: back)" if back else "")
