"""Run the sandbox ASGI app under a real uvicorn, in a thread or in the foreground.

How it works. The listening socket is always created here, not by uvicorn: the address is
resolved with :func:`socket.getaddrinfo` (so IPv4, IPv6 and host names all work), the socket is
bound and put in the listening state at once, and any failure becomes a
:class:`SandboxStartError` whose message is one line naming ``host:port`` (for instance
``cannot listen on 127.0.0.1:8765: address already in use``). Binding first makes a busy port an
ordinary, synchronous error instead of a log line and ``sys.exit`` inside uvicorn, and gives the
real port when port 0 was asked for. The bound socket is then handed to
``uvicorn.Server.run(sockets=[sock])``, which serves it with one worker and one event loop
(uvloop and httptools when they are installed, else asyncio and h11).

- :class:`SandboxServer` runs uvicorn in a daemon thread, for the terminal UI and the tests.
  ``start()`` returns once uvicorn reports ``started``; ``stop()`` asks it to exit, waits for the
  thread and is idempotent. A thread never installs signal handlers; the process's own Ctrl-C
  handling is left alone.
- :func:`serve` runs uvicorn in the calling (main) thread for ``lmsbridge sandbox``: it prints the
  base URLs and the sandbox's (fake, documented) credentials, then serves until SIGINT or
  SIGTERM. uvicorn's signal handling shuts down gracefully, then re-raises the signal: SIGINT
  surfaces as :class:`KeyboardInterrupt`, which the command line turns into exit status 0.

An exception raised by the app's lifespan startup is caught on its way to uvicorn (which would
otherwise log its traceback) and reported as a one-line :class:`SandboxStartError`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import ipaddress
import os
import secrets
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import uvicorn

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from sandbox.app import SandboxConfig

START_TIMEOUT = 30.0
"""Seconds :meth:`SandboxServer.start` waits for uvicorn to report that it serves."""
STOP_TIMEOUT = 15.0
"""Seconds :meth:`SandboxServer.stop` waits for the server thread to end."""
GRACEFUL_SHUTDOWN = 5
"""Seconds uvicorn lets open connections finish when asked to stop."""


class SandboxStartError(Exception):
    """The sandbox could not start; ``str()`` is one readable line naming the address."""


def find_free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now (another process may take it later)."""
    with _bind(host, 0) as sock:
        port: int = sock.getsockname()[1]
    return port


def format_address(host: str, port: int) -> str:
    """``host:port``, with an IPv6 address in brackets."""
    if ":" in host:
        return f"[{host.replace('%', '%25')}]:{port}"
    return f"{host}:{port}"


def _reason(err: OSError) -> str:
    """The OS's description of ``err``, lower-cased like uvicorn and uvloop print it."""
    text = err.strerror or str(err) or type(err).__name__
    text = " ".join(text.split())
    return text[:1].lower() + text[1:]


def _bind(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` and listening; :class:`SandboxStartError` if impossible.

    Every address ``host`` resolves to is tried in order; the first error is reported when none
    can be used. SO_REUSEADDR is set on POSIX, as uvicorn does, so a port in TIME_WAIT can be
    reused at once; binding still fails while another socket listens on the port.
    """
    where = format_address(host, port)
    try:
        infos = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except (OSError, UnicodeError) as err:
        reason = _reason(err) if isinstance(err, OSError) else "not a valid host name"
        raise SandboxStartError(f"cannot listen on {where}: {reason}") from None
    first_error: OSError | None = None
    for family, kind, proto, _name, address in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        sock = socket.socket(family, kind, proto)
        try:
            if os.name == "posix":
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.set_inheritable(False)
            sock.bind(address)
            sock.listen(socket.SOMAXCONN)
        except OSError as err:
            sock.close()
            first_error = first_error or err
            continue
        return sock
    reason = _reason(first_error) if first_error else "no IPv4 or IPv6 address for this host"
    raise SandboxStartError(f"cannot listen on {where}: {reason}")


def _is_loopback(sock: socket.socket) -> bool:
    """Whether ``sock`` is bound to a loopback address (127.0.0.0/8 or ::1)."""
    try:
        address = ipaddress.ip_address(str(sock.getsockname()[0]).split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


class _LifespanGuard:
    """ASGI middleware that keeps a lifespan startup error for a one-line report.

    Starlette reports a failing startup with ``lifespan.startup.failed`` carrying the whole
    traceback, which uvicorn logs; the guard empties that message and remembers the exception.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.startup_error: BaseException | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        outcome = "pending"

        async def guarded_send(message: Message) -> None:
            nonlocal outcome
            if message["type"] == "lifespan.startup.complete":
                outcome = "complete"
            elif message["type"] == "lifespan.startup.failed":
                outcome = "failed"
                message = {"type": "lifespan.startup.failed", "message": ""}
            await send(message)

        try:
            await self.app(scope, receive, guarded_send)
        except BaseException as err:
            if outcome != "complete":
                self.startup_error = err
            if outcome == "pending":
                await send({"type": "lifespan.startup.failed", "message": ""})
            raise

    def failure(self, where: str, error: BaseException | None = None) -> SandboxStartError:
        """The one-line error that tells why the app on ``where`` did not start."""
        err = self.startup_error or error
        detail = ""
        if err is not None and not isinstance(err, SystemExit):
            detail = " ".join(str(err).split()) or type(err).__name__
            if self.startup_error is None:
                detail = f"{type(err).__name__}: {detail}"
        message = f"the sandbox on {where} failed to start"
        return SandboxStartError(f"{message}: {detail}" if detail else message)


class _Server(uvicorn.Server):
    """uvicorn's server that never touches signal handlers (for a non-main thread)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _file_logging(path: Path) -> dict[str, Any]:
    """uvicorn's loggers into ``path`` only (the terminal UI owns the screen)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = {"class": "logging.FileHandler", "filename": str(path), "formatter": "plain"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
        "handlers": {"file": handler},
        "loggers": {
            name: {"handlers": ["file"], "level": "WARNING", "propagate": False}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }


def _config(app: ASGIApp, host: str, port: int, log_file: Path | None = None) -> uvicorn.Config:
    uvloop = sys.platform != "win32" and importlib.util.find_spec("uvloop") is not None
    httptools = importlib.util.find_spec("httptools") is not None
    extra: dict[str, Any] = {"log_config": _file_logging(log_file)} if log_file else {}
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        loop="uvloop" if uvloop else "asyncio",
        http="httptools" if httptools else "h11",
        ws="none",
        lifespan="on",
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN,
        **extra,
    )


class SandboxServer:
    """An ASGI app served by uvicorn in a daemon thread on ``host:port`` (0: any free port).

    ``start()`` binds (raising :class:`SandboxStartError` at once if it cannot) and returns when
    the server answers; ``stop()`` shuts it down and may be called any number of times. Also a
    context manager.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        log_file: Path | None = None,
    ) -> None:
        self.host = host
        self._log_file = log_file
        self._app = app
        self._port = port
        self._server: uvicorn.Server | None = None
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    @property
    def port(self) -> int:
        """The bound port once started (the requested one before)."""
        return self._port

    @property
    def base_url(self) -> str:
        """``http://host:port``, the URL the server answers on."""
        return f"http://{format_address(self.host, self._port)}"

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Bind, start uvicorn in a thread and wait until it serves."""
        if self._thread is not None:
            raise RuntimeError("this SandboxServer was already started")
        sock = _bind(self.host, self._port)
        try:
            self._port = sock.getsockname()[1]
            guard = _LifespanGuard(self._app)
            server = _Server(_config(guard, self.host, self._port, self._log_file))
            thread = threading.Thread(
                target=self._run, args=(server, sock), name=f"sandbox-{self._port}", daemon=True
            )
            thread.start()
        except BaseException:
            sock.close()
            raise
        self._socket, self._server, self._thread = sock, server, thread
        where = format_address(self.host, self._port)
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive():
                self._release()
                raise guard.failure(where, self._error) from guard.startup_error or self._error
            if time.monotonic() > deadline:
                self.stop()
                raise SandboxStartError(
                    f"the sandbox on {where} did not start within {timeout:g} s"
                )
            thread.join(0.01)

    def _run(self, server: uvicorn.Server, sock: socket.socket) -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as err:
            self._error = err

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Ask uvicorn to exit and wait for its thread; does nothing when not running."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.should_exit = True
        thread.join(timeout / 2)
        if thread.is_alive():
            server.force_exit = True
            thread.join(timeout / 2)
        if not thread.is_alive():
            self._release()

    def _release(self) -> None:
        """Close the socket once the thread is over (uvicorn has usually closed it already)."""
        self._server = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None

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


def _banner(base_url: str, credentials: dict[str, dict[str, str]]) -> str:
    lines = [f"lmsbridge sandbox listening on {base_url}", f"  admin:  {base_url}/_sandbox"]
    for vendor, values in credentials.items():
        lines.append(f"  {vendor}: {values.get('base_url', '')}")
        lines.extend(f"      {key}={value}" for key, value in values.items() if key != "base_url")
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)


def serve(config: SandboxConfig, *, host: str, port: int) -> None:
    """Serve the sandbox built from ``config`` on ``host:port`` in the foreground.

    Prints the URLs and credentials, then blocks until SIGINT (ends in ``KeyboardInterrupt``
    after a graceful shutdown) or SIGTERM. Must run in the main thread for signals to work.
    """
    from sandbox.app import create_app, sandbox_credentials
    from sandbox.heap import long_lived

    sock = _bind(host, port)
    try:
        bound_port: int = sock.getsockname()[1]
        where = format_address(host, bound_port)
        base_url = f"http://{where}"
        exposed = not _is_loopback(sock)
        if exposed and config.admin_token is None:
            config = dataclasses.replace(config, admin_token=secrets.token_urlsafe(24))
        with long_lived():
            app = create_app(config)
        print(_banner(base_url, sandbox_credentials(app, base_url)), flush=True)
        if config.admin_token:
            print(f"  admin token (Authorization: Bearer): {config.admin_token}", flush=True)
        if exposed:
            print(
                f"lmsbridge: warning: the sandbox on {where} is reachable from other machines; "
                "its admin API needs the admin token",
                file=sys.stderr,
                flush=True,
            )
        guard = _LifespanGuard(app)
        server = uvicorn.Server(_config(guard, host, bound_port))
        try:
            server.run(sockets=[sock])
        except SystemExit:
            if server.started:
                raise
            raise guard.failure(where) from guard.startup_error
        if not server.started:
            raise guard.failure(where) from guard.startup_error
    finally:
        sock.close()
