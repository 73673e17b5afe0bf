"""``lmsbridge sandbox`` as a user runs it: a real process, a real port."""

from __future__ import annotations

import signal
import socket
from pathlib import Path

import httpx

from sandbox.server import find_free_port
from tests.e2e.processes import start, wait_healthy


def test_sandbox_command_serves_and_prints_urls(tmp_path: Path) -> None:
    port = find_free_port()
    process = start("--port", str(port), data=tmp_path)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", process)
        creds = httpx.get(f"http://127.0.0.1:{port}/_sandbox/credentials").json()
        assert creds["docebo"]["base_url"] == f"http://127.0.0.1:{port}/docebo"
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/docebo" in out
    assert "Traceback" not in err
    assert process.returncode == 0


def test_sandbox_command_port_taken_one_line_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = start("--port", str(port), data=tmp_path)
        _out, err = process.communicate(timeout=60)
    assert process.returncode != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert str(port) in lines[0]
    assert "Traceback" not in err


def test_sandbox_beyond_loopback_warns_and_guards_admin(tmp_path: Path) -> None:
    # Bound to every interface on purpose (the case under test); traffic goes to 127.0.0.1 only.
    everywhere = "0.0.0.0"  # noqa: S104
    port = find_free_port(everywhere)
    process = start("--host", everywhere, "--port", str(port), data=tmp_path)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", process)
        refused = httpx.get(f"http://127.0.0.1:{port}/_sandbox/credentials")
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert refused.status_code == 401
    token = next(line.rsplit(" ", 1)[1] for line in out.splitlines() if "admin token" in line)
    assert len(token) >= 24
    assert "reachable from other machines" in err
