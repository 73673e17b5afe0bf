"""B8: terminal UI memory with 100,000 enrollments loaded.

What: the growth of the resident set (``VmRSS`` in ``/proc/self/status``) of a fresh process
running the app headless, from the app up with nothing loaded to the app with the ``large``
scenario's 100,000 enrollments loaded and painted (garbage collected at both points). The
records arrive as they do in ``lmsbridge``: the real Docebo connector, through httpx, decoding
and mapping each page, except that the pages come from a file of the answers recorded during
a real sync (``bench.recording.ReplayTransport``), so no server shares the measured process.
Users and courses are not listed (``bench.tui_support.EnrollmentsOnly``).

Baseline: the size of those records' raw JSON, the vendor's items as sent (the sum of each
record's ``remote_data`` encoded with orjson, compact, as the sandbox sends them). Target:
growth ≤ 3 times that.

The child is ``python -m bench.b8_memory SPEC.json``; it prints one JSON line of figures.
"""

from __future__ import annotations

import asyncio
import gc
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.harness import Row, Target, resident_kib

if TYPE_CHECKING:
    from bench.context import Context

TARGET = Target("<=", 3.0)
ROOT = Path(__file__).resolve().parents[1]


def run(ctx: Context) -> list[Row]:
    import orjson

    from bench.recording import save_replay

    synced = ctx.ui_sync()
    replay = ctx.tmp / "b8-replay.bin"
    save_replay(synced.exchanges, replay)
    # a listed record keeps its item as JSON text (core.remote.RawJson): encoded as its dict
    raw = sum(len(orjson.dumps(record.remote_data, default=dict)) for record in synced.records)
    connection = synced.connection
    spec = {
        "replay": str(replay),
        "connection": {
            "name": connection.name,
            "vendor": connection.vendor,
            "base_url": connection.base_url,
            "secrets": dict(connection.secrets),
        },
        "records": len(synced.records),
    }
    spec_path = ctx.tmp / "b8-spec.json"
    spec_path.write_text(json.dumps(spec))
    done = subprocess.run(
        [sys.executable, "-m", "bench.b8_memory", str(spec_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        tail = " ".join(done.stderr.strip().splitlines()[-3:])
        raise RuntimeError(f"the B8 child failed ({done.returncode}): {tail}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    growth = 1024 * (figures["rss_loaded"] - figures["rss_up"])
    peak = 1024 * (figures["hwm_loaded"] - figures["rss_up"])
    mib = 2**20
    text = (
        f"resident growth {growth / mib:.0f} MiB (peak {peak / mib:.0f} MiB) vs raw JSON "
        f"{raw / mib:.0f} MiB of {figures['loaded']:,} records; app up at "
        f"{figures['rss_up'] / 1024:.0f} MiB, loaded in {figures['seconds']:.1f} s"
    )
    return [Row.measured("B8 TUI memory", growth / raw, TARGET, text)]


# -- the child -----------------------------------------------------------------------------------


async def measure(spec: dict[str, Any]) -> dict[str, Any]:
    import httpx

    from bench.recording import ReplayTransport
    from bench.tui_support import EnrollmentsOnly
    from core.connections import Connection
    from core.connector import Connector
    from tui.app import LmsBridgeApp, make_app
    from tui.records import Kind

    connection = Connection(**spec["connection"])
    gate = asyncio.Event()
    ready = asyncio.Event()

    def factory(_: Connection) -> Connector:
        client = httpx.AsyncClient(transport=ReplayTransport(Path(spec["replay"])))
        inner = connection.connector(http_client=client)
        return EnrollmentsOnly(inner, gate=gate, client=client)

    def on_ready(app: LmsBridgeApp) -> None:
        ready.set()

    app = make_app([connection], connector_factory=factory, on_ready=on_ready)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        gc.collect()
        rss_up, hwm_up = resident_kib()
        start = time.perf_counter()
        gate.set()
        await asyncio.wait_for(ready.wait(), 600)
        seconds = time.perf_counter() - start
        await pilot.pause()
        gc.collect()
        rss_loaded, hwm_loaded = resident_kib()
        dataset = app.browser.dataset(Kind.ENROLLMENTS)
        loaded = dataset.total if dataset is not None else 0
        error = dataset.error if dataset is not None else "no dataset"
    if loaded != spec["records"]:
        raise RuntimeError(f"loaded {loaded} of {spec['records']} records ({error})")
    return {
        "rss_up": rss_up,
        "hwm_up": hwm_up,
        "rss_loaded": rss_loaded,
        "hwm_loaded": hwm_loaded,
        "loaded": loaded,
        "seconds": seconds,
    }


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    print(json.dumps(asyncio.run(measure(spec))), flush=True)


if __name__ == "__main__":
    main()
