"""The sandbox embedded in the terminal UI: served from a forked child process.

``lmsbridge`` shows the sandbox's data, so it needs the sandbox serving before the first row;
opening the sandbox (importing Starlette and every vendor, loading the data directory) and
starting the UI (importing Textual, composing the screen) each take a few hundred milliseconds
of CPU. In one process they run one after the other (threads share one interpreter lock);
here the sandbox opens in a child forked at the start, while the parent imports and builds the
UI, and then serves from its own core, so serving the first pages does not compete with
painting them.

How it works. :meth:`EmbeddedSandbox.start` forks before the sandbox or the UI is imported,
and must be called while the process has no other thread (``fork`` copies only the calling
one, and any lock another thread held would stay held in the child). The child imports the
sandbox, opens it (``create_app``), serves it under uvicorn on a free port of ``host``
(:class:`sandbox.server.SandboxServer`, with its logs in ``log_file``) and then writes one JSON
line on a pipe: ``{"base_url", "credentials"}``, or ``{"error"}`` with the one-line reason it
could not start (a data directory in use or unreadable, a bad scenario, a port refused).
:meth:`EmbeddedSandbox.wait` reads that line. The child serves until the parent closes the
other pipe (:meth:`EmbeddedSandbox.stop`, or the parent's death, even by SIGKILL): then it
stops uvicorn, which closes the store as the in-process server does (compacting the journal),
and exits. ``stop`` waits for that, so the data directory is free when ``lmsbridge`` returns.

The child ignores SIGINT (a Ctrl-C at the terminal reaches the whole process group; the parent
decides when the sandbox stops) and writes nothing to the terminal: its standard output and
error go to ``log_file``. Only POSIX has ``fork``, as only POSIX has the ``flock`` the store
relies on.
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from sandbox.heap import long_lived

if TYPE_CHECKING:
    from sandbox.app import SandboxConfig

#: seconds ``wait`` gives the child to report that it serves
START_TIMEOUT: Final = 60.0
#: seconds ``stop`` gives the child to shut down before it is killed
STOP_TIMEOUT: Final = 15.0

Credentials = dict[str, dict[str, str]]


class EmbeddedStartError(Exception):
    """The embedded sandbox could not start; ``str()`` is one readable line."""


class EmbeddedSandbox:
    """The sandbox of the configuration ``make_config()`` gives, served by a forked child on a
    free port of ``host``. The child calls ``make_config`` (building a ``SandboxConfig`` imports
    the whole sandbox app, which the parent never needs).

    ``start()`` forks and returns at once; ``wait()`` returns the base URL and every vendor's
    credentials once the child serves (:class:`EmbeddedStartError` if it cannot); ``stop()``
    ends the child and may be called any number of times.
    """

    def __init__(
        self,
        make_config: Callable[[], SandboxConfig],
        *,
        host: str = "127.0.0.1",
        log_file: Path | None = None,
    ) -> None:
        self.make_config = make_config
        self.host = host
        self.log_file = log_file
        self.base_url = ""
        self.credentials: Credentials = {}
        self._pid: int | None = None
        self._report: int | None = None
        self._control: int | None = None

    def start(self) -> None:
        """Fork the child that opens and serves the sandbox."""
        if self._pid is not None:
            raise RuntimeError("this EmbeddedSandbox was already started")
        report_r, report_w = os.pipe()
        control_r, control_w = os.pipe()
        for stream in (sys.stdout, sys.stderr):  # nothing buffered may be written twice
            stream.flush()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(report_r)
            os.close(control_w)
            _child(self.make_config, self.host, self.log_file, report_w, control_r)
        os.close(report_w)
        os.close(control_r)
        self._pid, self._report, self._control = pid, report_r, control_w

    def wait(self, timeout: float = START_TIMEOUT) -> tuple[str, Credentials]:
        """The base URL and credentials once the child serves; raises
        :class:`EmbeddedStartError` (and reaps the child) when it reports an error, dies or
        takes longer than ``timeout`` seconds."""
        if self.base_url:
            return self.base_url, self.credentials
        if self._report is None:
            raise RuntimeError("this EmbeddedSandbox is not started")
        line = _read_line(self._report, timeout)
        os.close(self._report)
        self._report = None
        try:
            answer = json.loads(line) if line else {}
        except ValueError:
            answer = {}
        if not isinstance(answer, dict) or "base_url" not in answer:
            self.stop()
            if isinstance(answer, dict) and isinstance(answer.get("error"), str):
                raise EmbeddedStartError(answer["error"])
            if not line:
                raise EmbeddedStartError(
                    f"the sandbox did not start within {timeout:g} s"
                    if line is None
                    else "the sandbox process ended before it served"
                )
            raise EmbeddedStartError("the sandbox process answered something unreadable")
        self.base_url, self.credentials = answer["base_url"], answer["credentials"]
        return self.base_url, self.credentials

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Tell the child to stop, wait up to ``timeout`` seconds, then kill it."""
        for fd in (self._control, self._report):
            if fd is not None:
                os.close(fd)
        self._control = self._report = None
        pid, self._pid = self._pid, None
        if pid is None:
            return
        deadline = time.monotonic() + timeout
        try:
            while os.waitpid(pid, os.WNOHANG) == (0, 0):
                if time.monotonic() > deadline:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    return
                time.sleep(0.01)
        except ChildProcessError:  # already reaped
            pass

    def __enter__(self) -> EmbeddedSandbox:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _read_line(fd: int, timeout: float) -> str | None:
    """One line from ``fd`` (without its end): "" when the writer closed it first, None when
    ``timeout`` passed."""
    data = b""
    deadline = time.monotonic() + timeout
    while b"\n" not in data:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return None
        chunk = os.read(fd, 65536)
        if not chunk:
            return ""
        data += chunk
    return data.partition(b"\n")[0].decode()


def _child(
    make_config: Callable[[], SandboxConfig],
    host: str,
    log_file: Path | None,
    report: int,
    control: int,
) -> None:
    """The child's whole life: open and serve the sandbox, report, serve until the parent
    closes ``control``, stop. Ends the process; runs none of the parent's exit handlers."""
    status = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _detach_terminal(log_file)
        status = _serve(make_config, host, log_file, report, control)
    except BaseException as err:  # the parent shows it; the child must exit all the same
        detail = " ".join(str(err).split())
        _write(report, {"error": f"{type(err).__name__}: {detail}" if detail else repr(err)})
    finally:
        os._exit(status)


def _serve(
    make_config: Callable[[], SandboxConfig],
    host: str,
    log_file: Path | None,
    report: int,
    control: int,
) -> int:
    # The sandbox's modules, and the documents and index entries opening it makes, all live
    # as long as this process; the collector would scan them again and again as they pile up
    # (a third of the time of opening the default scenario). See ``sandbox.heap``.
    try:
        with long_lived():
            from sandbox.app import create_app, sandbox_credentials
            from sandbox.server import SandboxServer, SandboxStartError

            app = create_app(make_config())
    except (OSError, ValueError) as err:
        _write(report, {"error": str(err)})
        return 1
    try:
        server = SandboxServer(app, host=host, port=0, log_file=log_file)
        server.start()
    except (SandboxStartError, OSError, ValueError) as err:
        _write(report, {"error": str(err)})
        return 1
    try:
        _write(
            report,
            {"base_url": server.base_url, "credentials": sandbox_credentials(app, server.base_url)},
        )
        os.close(report)
        while os.read(control, 4096):  # until the parent closes it
            pass
    finally:
        server.stop()
    return 0


def _detach_terminal(log_file: Path | None) -> None:
    """Standard input from /dev/null, output and error into ``log_file`` (or /dev/null)."""
    null = os.open(os.devnull, os.O_RDWR)
    out = null
    if log_file is not None:
        try:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            out = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        except OSError:
            out = null
    os.dup2(null, 0)
    os.dup2(out, 1)
    os.dup2(out, 2)


def _write(fd: int, answer: Mapping[str, Any]) -> None:
    data = json.dumps(answer).encode() + b"\n"
    while data:
        data = data[os.write(fd, data) :]
