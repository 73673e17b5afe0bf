"""lmsbridge's pytest plugin: the sandbox as a fixture, for projects that test against it.

Installing lmsbridge registers this module with pytest (entry point ``pytest11``), so a test only
names the fixture; nothing needs importing::

    import httpx

    def test_users(lms_sandbox):
        kombo = lms_sandbox.kombo  # {"base_url", "api_key", "integration_id"}
        answer = httpx.get(
            f"{kombo['base_url']}/lms/users",
            headers={"Authorization": f"Bearer {kombo['api_key']}",
                     "X-Integration-Id": kombo["integration_id"]},
        )
        assert answer.json()["status"] == "success"

Fixtures
    ``lms_sandbox`` (per test): a :class:`LMSSandbox` in the seeded state, whatever the test
    before did: the shared sandbox reset (``POST /_sandbox/reset``), or a namespace of its own
    (``POST /_sandbox/namespaces``, deleted after the test) with its own base URL and
    credentials, so tests running in parallel never see each other's writes.
    ``lms_sandbox_session``: the shared sandbox as it is, never reset by the plugin.
    The sandbox starts on first use and stops at the end of the session; it keeps its state in
    memory. Under pytest-xdist each worker starts its own.

Settings: a command-line option, else an ini key (``[tool.pytest.ini_options]``), else the
default; ``@pytest.mark.lms_sandbox(...)`` overrides them for one test.

``--lms-sandbox-mode`` / ``lms_sandbox_mode`` / ``mode=``
    ``uvicorn`` (default): a real server on a free port of 127.0.0.1, so any HTTP client, SDK or
    subprocess reaches it. ``asgi``: in process, no socket; clients need the ASGI transport
    (``lms_sandbox.async_client()`` or ``httpx.AsyncClient(transport=lms_sandbox.transport)``),
    and the scenario's learner-activity timer does not run.
``--lms-sandbox-isolation`` / ``lms_sandbox_isolation`` / ``isolation=``
    ``reset`` (default) or ``namespace``.
``--lms-sandbox-scenario`` / ``lms_sandbox_scenario`` / ``scenario=``; ``--lms-sandbox-seed`` /
``lms_sandbox_seed`` / ``seed=``
    The scenario (a name in lmsbridge's ``seed-data/`` or a path) and seed to start from; one
    sandbox per (mode, scenario, seed) is started.
``vendor=`` (marker only)
    A namespace holding that vendor alone.

Deliveries of webhooks retry fast under the plugin (``backoff_seconds`` 0.05, ``timeout_seconds``
5); ``POST {admin_url}/webhooks/settings`` changes that for a test.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, TypeVar

import pytest

if TYPE_CHECKING:
    import httpx
    from starlette.applications import Starlette

    from sandbox.server import SandboxServer

MODES: Final = ("uvicorn", "asgi")
ISOLATIONS: Final = ("reset", "namespace")
MARKER_ARGS: Final = frozenset({"mode", "isolation", "vendor", "scenario", "seed"})
#: the base URL of an in-process (ASGI) sandbox
ASGI_URL: Final = "http://lms-sandbox.test"
#: delivery settings under the plugin: retries in tens of milliseconds, not seconds
WEBHOOK_SETTINGS: Final[Mapping[str, Any]] = {"backoff_seconds": 0.05, "timeout_seconds": 5.0}
TIMEOUT: Final = 30.0

T = TypeVar("T")


@dataclass(frozen=True)
class LMSSandbox:
    """One test's sandbox: its base URL and each vendor's base URL and credentials."""

    #: the sandbox's (or the namespace's) base URL; the admin API is under ``/_sandbox``
    url: str
    #: ``uvicorn`` or ``asgi``
    mode: str
    #: ``{vendor: {"base_url", ...credentials}}``, as ``GET /_sandbox/credentials`` answers
    credentials: Mapping[str, Mapping[str, str]]
    #: the namespace's id, when the test has one
    namespace: str | None = None
    #: the in-process transport (``asgi`` mode), else None
    transport: httpx.AsyncBaseTransport | None = field(default=None, repr=False)

    @property
    def admin_url(self) -> str:
        return f"{self.url}/_sandbox"

    def vendor(self, name: str) -> dict[str, str]:
        """``name``'s base URL and credentials (a copy)."""
        try:
            return dict(self.credentials[name])
        except KeyError:
            known = ", ".join(self.credentials)
            raise KeyError(f"no vendor {name!r} in this sandbox; it has {known}") from None

    @property
    def docebo(self) -> dict[str, str]:
        """``{"base_url", "client_id", "client_secret", "username", "password"}``."""
        return self.vendor("docebo")

    @property
    def kombo(self) -> dict[str, str]:
        """``{"base_url", "api_key", "integration_id"}``."""
        return self.vendor("kombo")

    @property
    def ispring(self) -> dict[str, str]:
        """``{"base_url", "client_id", "client_secret", "department_client_id", ...}``."""
        return self.vendor("ispring")

    @property
    def lms365(self) -> dict[str, str]:
        """``{"base_url", "api_key", "read_only_api_key"}``."""
        return self.vendor("lms365")

    def async_client(self, **kwargs: Any) -> httpx.AsyncClient:
        """An ``httpx.AsyncClient`` on :attr:`url` (through the ASGI transport in ``asgi``
        mode); close it (``async with``)."""
        import httpx

        kwargs.setdefault("base_url", self.url)
        kwargs.setdefault("timeout", TIMEOUT)
        if self.transport is not None:
            kwargs.setdefault("transport", self.transport)
        return httpx.AsyncClient(**kwargs)


# -- the running sandboxes ---------------------------------------------------------------------


def _blocking(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion on a loop of its own thread (a test's loop may be running
    in this one)."""
    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        async def main() -> T:
            return await make()

        try:
            outcome.append(asyncio.run(main()))
        except BaseException as err:
            failure.append(err)

    thread = threading.Thread(target=run, name="lms-sandbox-admin")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return outcome[0]


class Running:
    """One sandbox the plugin started, and its admin API."""

    def __init__(self, mode: str, scenario: str, seed: int | None) -> None:
        from sandbox.app import SandboxConfig, create_app

        self.mode = mode
        config = SandboxConfig(scenario=scenario, seed=seed, memory=True, webhooks=WEBHOOK_SETTINGS)
        self.app: Starlette = create_app(config)
        self.server: SandboxServer | None = None
        if mode == "uvicorn":
            from sandbox.server import SandboxServer

            self.server = SandboxServer(self.app, host="127.0.0.1", port=0)
            self.server.start()
            self.url = self.server.base_url
        else:
            self.url = ASGI_URL
        self._credentials: dict[str, dict[str, str]] | None = None

    def transport(self) -> httpx.AsyncBaseTransport | None:
        if self.mode != "asgi":
            return None
        import httpx

        return httpx.ASGITransport(app=self.app)

    def admin(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        """Call the admin API (``path`` under ``/_sandbox``); the JSON answer, or raise."""
        import httpx

        url = f"{self.url}/_sandbox{path}"
        if self.server is not None:
            response = httpx.request(method, url, json=body, timeout=TIMEOUT)
        else:

            async def call() -> httpx.Response:
                async with httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=self.app), timeout=TIMEOUT
                ) as client:
                    return await client.request(method, url, json=body)

            response = _blocking(call)
        if response.status_code >= 400:
            raise RuntimeError(
                f"lms_sandbox: {method} /_sandbox{path} answered {response.status_code}: "
                f"{response.text}"
            )
        return response.json()

    @property
    def credentials(self) -> dict[str, dict[str, str]]:
        if self._credentials is None:
            self._credentials = self.admin("GET", "/credentials")
        return self._credentials

    def shared(self) -> LMSSandbox:
        return LMSSandbox(self.url, self.mode, self.credentials, transport=self.transport())

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
        else:
            from sandbox.app import sandbox_of

            sandbox_of(self.app).close()


class Sandboxes:
    """The sandboxes of this session, one per (mode, scenario, seed), started when needed."""

    def __init__(self) -> None:
        self.running: dict[tuple[str, str, int | None], Running] = {}

    def get(self, mode: str, scenario: str, seed: int | None) -> Running:
        key = (mode, scenario, seed)
        if key not in self.running:
            self.running[key] = Running(mode, scenario, seed)
        return self.running[key]

    def stop(self) -> None:
        while self.running:
            _key, running = self.running.popitem()
            running.stop()


# -- settings ----------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("lms-sandbox", "lmsbridge sandbox (the lms_sandbox fixture)")
    group.addoption(
        "--lms-sandbox-mode",
        choices=MODES,
        default=None,
        help="uvicorn: a real server on 127.0.0.1 (default); asgi: in process",
    )
    group.addoption(
        "--lms-sandbox-isolation",
        choices=ISOLATIONS,
        default=None,
        help="reset the shared sandbox before each test (default), or a namespace per test",
    )
    group.addoption("--lms-sandbox-scenario", default=None, help="scenario name or path")
    group.addoption("--lms-sandbox-seed", type=int, default=None, help="the scenario's seed")
    parser.addini("lms_sandbox_mode", "uvicorn (default) or asgi", default="uvicorn")
    parser.addini("lms_sandbox_isolation", "reset (default) or namespace", default="reset")
    parser.addini("lms_sandbox_scenario", "the sandbox's scenario", default="default")
    parser.addini("lms_sandbox_seed", "the scenario's seed (its own by default)", default="")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "lms_sandbox(mode=None, isolation=None, vendor=None, scenario=None, seed=None): "
        "how the lms_sandbox fixture serves this test",
    )


@dataclass(frozen=True, slots=True)
class Choice:
    mode: str
    isolation: str
    scenario: str
    seed: int | None
    vendor: str | None


def _setting(config: pytest.Config, name: str) -> Any:
    value = config.getoption(f"--lms-sandbox-{name}")
    if value is None:
        value = config.getini(f"lms_sandbox_{name}")
    return value


def choose(config: pytest.Config, marker: pytest.Mark | None) -> Choice:
    """The settings for one test: the marker's, else the option's, else the ini key's."""
    given: dict[str, Any] = {}
    if marker is not None:
        if marker.args:
            raise pytest.UsageError("@pytest.mark.lms_sandbox takes keyword arguments only")
        unknown = sorted(set(marker.kwargs) - MARKER_ARGS)
        if unknown:
            raise pytest.UsageError(
                f"@pytest.mark.lms_sandbox: unknown argument {unknown[0]!r}; "
                f"use {', '.join(sorted(MARKER_ARGS))}"
            )
        given = dict(marker.kwargs)
    mode = given.get("mode") or _setting(config, "mode")
    isolation = given.get("isolation") or _setting(config, "isolation")
    if mode not in MODES:
        raise pytest.UsageError(f"lms_sandbox mode must be uvicorn or asgi, not {mode!r}")
    if isolation not in ISOLATIONS:
        raise pytest.UsageError(
            f"lms_sandbox isolation must be reset or namespace, not {isolation!r}"
        )
    seed = given["seed"] if "seed" in given else _setting(config, "seed")
    if isinstance(seed, str):
        try:
            seed = int(seed) if seed.strip() else None
        except ValueError:
            raise pytest.UsageError(
                f"lms_sandbox_seed must be a whole number, not {seed!r}"
            ) from None
    vendor = given.get("vendor")
    return Choice(
        mode=mode,
        isolation="namespace" if vendor else isolation,
        scenario=str(given.get("scenario") or _setting(config, "scenario")),
        seed=seed,
        vendor=vendor,
    )


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def lms_sandbox_sandboxes() -> Iterator[Sandboxes]:
    """Every sandbox the session started (stopped at its end)."""
    sandboxes = Sandboxes()
    try:
        yield sandboxes
    finally:
        sandboxes.stop()


@pytest.fixture(scope="session")
def lms_sandbox_session(
    pytestconfig: pytest.Config, lms_sandbox_sandboxes: Sandboxes
) -> LMSSandbox:
    """The session's shared sandbox, never reset by the plugin."""
    choice = choose(pytestconfig, None)
    return lms_sandbox_sandboxes.get(choice.mode, choice.scenario, choice.seed).shared()


@pytest.fixture
def lms_sandbox(
    request: pytest.FixtureRequest, lms_sandbox_sandboxes: Sandboxes
) -> Iterator[LMSSandbox]:
    """A sandbox in its seeded state for this test: the shared one reset, or a namespace."""
    choice = choose(request.config, request.node.get_closest_marker("lms_sandbox"))
    running = lms_sandbox_sandboxes.get(choice.mode, choice.scenario, choice.seed)
    if choice.isolation == "reset":
        running.admin("POST", "/reset")
        yield running.shared()
        return
    made = running.admin("POST", "/namespaces", {"vendor": choice.vendor})
    try:
        yield LMSSandbox(
            made["base_url"],
            choice.mode,
            made["credentials"],
            namespace=made["id"],
            transport=running.transport(),
        )
    finally:
        running.admin("DELETE", f"/namespaces/{made['id']}")
