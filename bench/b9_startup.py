"""B9: start-up, ``lmsbridge`` to the first data row on screen with the embedded sandbox.

What: wall time from spawning a fresh Python process until it reports that the first
enrollment row is on screen, with two marks on the way for context (the interpreter running the
child's code; the app running). The child (``python -m bench.b9_startup lmsbridge DIR``) runs
``tui.cli.main(["--data", DIR])``, the very code of the ``lmsbridge`` command: it opens the
durable sandbox (the default scenario, seeded in ``DIR`` by an unmeasured first run, as a
user's second start finds it) in a forked child that serves it under uvicorn, builds the app and
runs it; the only change is that the app runs headless (120x40) with an autopilot that waits for
the enrollment table's first row, then for the next repaint, then reports and quits. The app
class is patched as it is imported, so the child imports in the command's order. Both children
run with Python's bytecode cache on (``child_env``), as a user's second start does.

Baseline: a minimal Textual app (one ``Static``) to its first paint, timed the same way
(``python -m bench.b9_startup minimal``: fresh process, headless, same autopilot repaint wait).
Target: ratio ≤ 3. Runs alternate between the two; the medians are compared.
"""

from __future__ import annotations

import asyncio
import importlib.abc
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from bench.harness import Row, Target, median

if TYPE_CHECKING:
    from textual.pilot import Pilot

    from bench.context import Context

TARGET = Target("<=", 3.0)
ROOT = Path(__file__).resolve().parents[1]
MARKER = "BENCH-B9-READY"
MARK = "BENCH-B9-MARK"
SIZE = (120, 40)
TIMEOUT = 120.0


@dataclass(frozen=True, slots=True)
class Startup:
    """Seconds from spawning a child: its interpreter running our code, its app running (the
    autopilot started), its first row (or first paint) repainted."""

    python: float
    app: float
    ready: float


def child_env(cache: Path) -> dict[str, str]:
    """The children's environment, with Python's bytecode cache on (kept in ``cache``).

    A second start of ``lmsbridge`` reads its modules' compiled bytecode, as the minimal app
    reads Textual's from site-packages. ``PYTHONDONTWRITEBYTECODE`` in the bench's own
    environment would instead have every child compile the project's modules from source
    (about a tenth of a second), a cost no user's second start pays; the unmeasured first runs
    fill the cache, for both children alike."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    return env


def spawn(*args: str, env: dict[str, str] | None = None) -> Startup:
    """Time one child start-up; waits for the child to end."""
    marks: dict[str, float] = {}
    with tempfile.TemporaryFile("w+") as errors:
        wall = time.time()
        start = time.perf_counter()
        # stderr goes to a file: a pipe nobody reads could fill up and block the child
        child = subprocess.Popen(
            [sys.executable, "-m", "bench.b9_startup", *args],
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            cwd=ROOT,
            env=env,
        )
        try:
            assert child.stdout is not None
            for line in child.stdout:
                if line.startswith(MARK):
                    _, name, stamp = line.split()
                    marks[name] = float(stamp) - wall
                elif line.strip() == MARKER:
                    ready = time.perf_counter() - start
                    break
            else:
                child.wait(TIMEOUT)
                errors.seek(0)
                tail = " ".join(errors.read().strip().splitlines()[-3:])
                raise RuntimeError(
                    f"{args[0]} never showed a row (exit {child.returncode}): {tail}"
                )
            child.communicate(timeout=TIMEOUT)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
    return Startup(marks.get("python", 0.0), marks.get("app", 0.0), ready)


def run(ctx: Context) -> list[Row]:
    data = ctx.tmp / "b9-data"
    env = child_env(ctx.tmp / "b9-pycache")
    # unmeasured: seed the data directory, warm the file and bytecode caches
    spawn("lmsbridge", str(data), env=env)
    spawn("minimal", env=env)
    app_runs: list[Startup] = []
    minimal_runs: list[Startup] = []
    for _ in range(ctx.sizes.startup_runs):
        minimal_runs.append(spawn("minimal", env=env))
        app_runs.append(spawn("lmsbridge", str(data), env=env))

    def phases(runs: list[Startup]) -> tuple[float, float, float]:
        return (
            median([r.python for r in runs]),
            median([r.app for r in runs]),
            median([r.ready for r in runs]),
        )

    python, up, ready = phases(app_runs)
    m_python, m_up, m_ready = phases(minimal_runs)
    figures = (
        f"lmsbridge to first row {ready:.2f} s (python up {python:.2f}, app running {up:.2f}; "
        f"runs {', '.join(f'{r.ready:.2f}' for r in app_runs)}) vs minimal Textual app to first "
        f"paint {m_ready:.2f} s (python up {m_python:.2f}, app running {m_up:.2f}); "
        "default scenario, durable"
    )
    return [Row.measured("B9 start-up", ready / m_ready, TARGET, figures)]


# -- the children --------------------------------------------------------------------------------


def mark(name: str) -> None:
    """Tell the parent the wall-clock time of a phase (``time.time()``: comparable across
    processes)."""
    os.write(1, f"{MARK} {name} {time.time():.6f}\n".encode())


def report() -> None:
    os.write(1, f"{MARKER}\n".encode())


async def until(condition: Callable[[], bool]) -> bool:
    """Poll ``condition`` every 2 ms (the autopilot may start before the screen is composed);
    False after ``TIMEOUT`` seconds."""
    from textual.css.query import NoMatches

    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            if condition():
                return True
        except NoMatches:
            pass
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.002)


def minimal_child() -> int:
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    class Minimal(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("lmsbridge", id="text")

    async def first_paint(pilot: Pilot[Any]) -> None:
        mark("app")
        app = pilot.app
        if await until(lambda: app.screen.query_one("#text", Static).is_mounted):
            await app.screen.wait_for_refresh()
            report()
        app.exit()

    Minimal().run(headless=True, size=SIZE, auto_pilot=first_paint)
    return 0


def lmsbridge_child(data: str) -> int:
    import tui.cli

    async def first_row(pilot: Pilot[Any]) -> None:
        import tui.app
        from tui.records import Kind

        mark("app")
        app = pilot.app
        assert isinstance(app, tui.app.LmsBridgeApp)
        if await until(lambda: app.browser.table(Kind.ENROLLMENTS).row_count > 0):
            await app.screen.wait_for_refresh()
            report()
        app.exit()

    def headless(module: ModuleType) -> None:
        run_app = module.LmsBridgeApp.run

        def headless_run(self: Any, **_: Any) -> None:
            run_app(self, headless=True, size=SIZE, auto_pilot=first_row)

        module.LmsBridgeApp.run = headless_run

    # Patched as it is imported, not imported here: the command imports the UI only once its
    # sandbox is on the way, and the child must import in the same order.
    _when_imported("tui.app", headless)
    return tui.cli.main(["--data", data])


def _when_imported(name: str, then: Callable[[ModuleType], None]) -> None:
    """Call ``then(module)`` right after the module ``name`` is first imported (at once when it
    already is)."""
    if name in sys.modules:
        then(sys.modules[name])
        return

    class Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
            if fullname != name:
                return None
            sys.meta_path.remove(self)
            spec = importlib.util.find_spec(fullname)
            assert spec is not None and spec.loader is not None
            exec_module = spec.loader.exec_module

            def exec_then(module: ModuleType) -> None:
                exec_module(module)
                then(module)

            spec.loader.exec_module = exec_then  # type: ignore[method-assign]
            return spec

    sys.meta_path.insert(0, Finder())


def main() -> int:
    mark("python")
    if sys.argv[1:2] == ["minimal"]:
        return minimal_child()
    if sys.argv[1:2] == ["lmsbridge"] and len(sys.argv) == 3:
        return lmsbridge_child(sys.argv[2])
    print("usage: python -m bench.b9_startup minimal | lmsbridge DATA_DIR", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
