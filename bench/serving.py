"""One uvicorn server hosting a sandbox app and the bare baseline routes beside it.

:func:`bench_app` wraps a sandbox app in a Starlette app whose first routes are the baselines
and whose last route mounts the whole sandbox at ``/`` (its own middleware, routes and error
handlers unchanged); the sandbox's lifespan runs as the wrapper's, so its store closes when
the server stops. The baselines answer with ``sandbox.http.JSONResponse``, the sandbox's own
orjson encoder, so a ratio against them measures the sandbox's work, not the encoder:

* ``GET /_bench/page/{vendor}``: a pre-built list answer (set with :meth:`Baselines.set_page`,
  usually the vendor's own page 1 fetched once), encoded on every request.
* ``POST /_bench/enroll/{a}/{b}``: reads and parses the JSON body, answers a small object.

:class:`BenchServer` starts it with ``sandbox.server.SandboxServer`` (uvicorn in a thread, on a
free port of 127.0.0.1, uvloop and httptools).

:class:`ChildServer` is the sandbox as users run it, ``lmsbridge sandbox --memory``, in a process
of its own: for a benchmark whose client must not share this process's interpreter lock with
the server, as it shares none with a real tenant. It starts a new interpreter rather than
``sandbox.embedded.EmbeddedSandbox``'s fork, which needs a process without other threads, and
by the time a benchmark wants one, this process runs other servers' threads.
"""

from __future__ import annotations

import contextlib
import gc
import subprocess
import sys
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from sandbox.app import Sandbox, sandbox_credentials, sandbox_of
from sandbox.http import JSONResponse
from sandbox.server import SandboxServer, find_free_port

ROOT = Path(__file__).resolve().parents[1]
#: seconds a child server gets to open its scenario and serve
CHILD_START_TIMEOUT = 300.0


@dataclass
class Baselines:
    """What the baseline routes answer."""

    pages: dict[str, Any] = field(default_factory=dict)

    def set_page(self, vendor: str, page: Any) -> None:
        self.pages[vendor] = page

    async def page(self, request: Request) -> Response:
        return JSONResponse(self.pages[request.path_params["vendor"]])

    async def enroll(self, request: Request) -> Response:
        body = orjson.loads(await request.body() or b"{}")
        params = request.path_params
        return JSONResponse(
            {"data": {"enrolled": [{"a": params["a"], "b": params["b"], "body": len(body)}]}}
        )


def bench_app(sandbox_app: Starlette, baselines: Baselines) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with sandbox_app.router.lifespan_context(sandbox_app):
            yield

    return Starlette(
        routes=[
            Route("/_bench/page/{vendor}", baselines.page, methods=["GET"]),
            Route("/_bench/enroll/{a}/{b}", baselines.enroll, methods=["POST"]),
            Mount("", app=sandbox_app),
        ],
        lifespan=lifespan,
    )


class _Served(ABC):
    """A server that is a context manager: started on entry, stopped on exit."""

    @abstractmethod
    def start(self) -> None: ...

    @abstractmethod
    def stop(self) -> None: ...

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


class BenchServer(_Served):
    """A sandbox app and the baselines under one uvicorn server (a context manager)."""

    def __init__(self, sandbox_app: Starlette, *, log_file: Path | None = None) -> None:
        self.sandbox_app = sandbox_app
        self.baselines = Baselines()
        self._server = SandboxServer(bench_app(sandbox_app, self.baselines), log_file=log_file)

    @property
    def base_url(self) -> str:
        return self._server.base_url

    @property
    def sandbox(self) -> Sandbox:
        return sandbox_of(self.sandbox_app)

    def credentials(self) -> dict[str, dict[str, str]]:
        """Each vendor's base URL on this server and its credentials."""
        return sandbox_credentials(self.sandbox_app, self.base_url)

    def start(self) -> None:
        """Serve; then freeze what the process holds out of the collector's scans, as
        ``lmsbridge``'s own servers do once their sandbox is open (``sandbox.heap``)."""
        self._server.start()
        gc.freeze()

    def stop(self) -> None:
        self._server.stop()

    def get(self, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
        """One GET from this process (for setting up, never for measuring)."""
        response = httpx.get(self.base_url + path, headers=headers, timeout=60.0)
        response.raise_for_status()
        return response


class ChildServer(_Served):
    """``lmsbridge sandbox --memory --scenario SCENARIO`` on a free port of 127.0.0.1, in a
    child process (a context manager); its output goes to ``log_file``."""

    def __init__(self, scenario: str, *, log_file: Path) -> None:
        self.scenario = scenario
        self.log_file = log_file
        self.base_url = ""
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        port = find_free_port()
        self.base_url = f"http://127.0.0.1:{port}"
        command = [sys.executable, "-m", "tui.cli", "sandbox", "--memory", "--port", str(port)]
        with self.log_file.open("ab") as log:
            self._process = subprocess.Popen(
                [*command, "--scenario", self.scenario], stdout=log, stderr=log, cwd=ROOT
            )
        deadline = time.monotonic() + CHILD_START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"the sandbox child exited ({self._process.returncode})")
            with contextlib.suppress(httpx.TransportError):
                httpx.get(f"{self.base_url}/_sandbox/credentials", timeout=5.0)
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the sandbox child did not serve in {CHILD_START_TIMEOUT:.0f} s")

    def credentials(self) -> dict[str, dict[str, str]]:
        """Each vendor's base URL on this server and its credentials."""
        answer = httpx.get(f"{self.base_url}/_sandbox/credentials", timeout=60.0)
        answer.raise_for_status()
        credentials: dict[str, dict[str, str]] = answer.json()
        return credentials

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
