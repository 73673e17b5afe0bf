"""The sandbox ``lmsbridge`` embeds, served by a forked child: it serves, it stops when told or
when its parent dies, it frees the data directory, and a start that fails is one line.

Each case runs in a fresh Python process (``fork`` in a test process that may hold other
threads, such as a live sandbox's, is not what ``lmsbridge`` does)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from sandbox.store import SNAPSHOT

SERVE = """
import json, sys
from pathlib import Path
from sandbox.app import SandboxConfig
from sandbox.embedded import EmbeddedSandbox, EmbeddedStartError

data = Path(sys.argv[1])
sandbox = EmbeddedSandbox(lambda: SandboxConfig(data_dir=data), log_file=data / "sandbox.log")
sandbox.start()
try:
    base_url, credentials = sandbox.wait()
except EmbeddedStartError as err:
    print(json.dumps({"error": str(err)}), flush=True)
    sys.exit(1)
print(json.dumps({"base_url": base_url, "credentials": credentials}), flush=True)
sys.stdin.readline()  # the test says when to stop
sandbox.stop()
print(json.dumps({"stopped": True}), flush=True)
"""


def serve(data: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", SERVE, str(data)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def answer(process: subprocess.Popen[str]) -> dict[str, object]:
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line, process.communicate(timeout=30)
    found = json.loads(line)
    assert isinstance(found, dict)
    return found


def lmsbridge(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_embedded_serves_then_stop_frees_data_dir(tmp_path: Path) -> None:
    process = serve(tmp_path)
    try:
        started = answer(process)
        base_url = started["base_url"]
        assert isinstance(base_url, str) and base_url.startswith("http://127.0.0.1:")
        credentials = started["credentials"]
        assert isinstance(credentials, dict)
        assert credentials["docebo"]["base_url"] == f"{base_url}/docebo"
        health = httpx.get(f"{base_url}/_sandbox/health", timeout=30).json()
        assert health["persistent"] is True
        assert health["vendors"]["docebo"]["enrollments"] > 0
        assert process.stdin is not None
        process.stdin.write("\n")
        process.stdin.flush()
        assert answer(process) == {"stopped": True}
    finally:
        process.communicate(timeout=60)
    assert process.returncode == 0
    with httpx.Client() as client:
        try:
            client.get(f"{base_url}/_sandbox/health", timeout=2)
        except httpx.TransportError:
            pass
        else:
            raise AssertionError("the sandbox still answers after stop")
    second = serve(tmp_path)  # the directory is free again, and holds the state
    try:
        assert "base_url" in answer(second)
    finally:
        second.communicate("\n", timeout=60)
    assert second.returncode == 0


def test_embedded_child_stops_when_parent_is_killed(tmp_path: Path) -> None:
    process = serve(tmp_path)
    base_url = answer(process)["base_url"]
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base_url}/_sandbox/health", timeout=1)
        except httpx.TransportError:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the sandbox outlived its parent")
    again = serve(tmp_path)  # and let the data directory go
    try:
        assert "base_url" in answer(again)
    finally:
        again.communicate("\n", timeout=60)


def test_lmsbridge_on_data_dir_in_use_one_line_exit_1(tmp_path: Path) -> None:
    holder = serve(tmp_path)
    try:
        answer(holder)
        result = lmsbridge("--data", str(tmp_path))
    finally:
        holder.communicate("\n", timeout=60)
    assert result.returncode == 1
    assert result.stderr == f"lmsbridge: error: {tmp_path} is in use by another sandbox\n"


def test_lmsbridge_on_unreadable_snapshot_one_line_exit_1(tmp_path: Path) -> None:
    (tmp_path / SNAPSHOT).write_text("{not json")
    result = lmsbridge("--data", str(tmp_path))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"lmsbridge: error: {tmp_path / SNAPSHOT} cannot be read")
    assert "Traceback" not in result.stderr


def test_lmsbridge_unknown_scenario_one_line_exit_1() -> None:
    result = lmsbridge("--memory", "--scenario", "no-such-scenario")
    assert result.returncode == 1
    assert result.stderr.startswith("lmsbridge: error: scenario 'no-such-scenario' not found")
    assert len(result.stderr.splitlines()) == 1
    assert result.stdout == ""
