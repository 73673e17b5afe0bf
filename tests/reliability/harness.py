"""What the reliability tests share: budgets, a probe that checks every answer, store digests.

Every promise runs at two sizes: in ``make test`` with the ``SMALL`` budget, and in ``make
stress`` (``tests/reliability/stress.py``) with ``LARGE``; ``LMSBRIDGE_STRESS=1`` makes the
pytest files take ``LARGE`` too. The budgets are declared here, so a test never decides its own
size.

:class:`Probe` sends requests to one in-process sandbox and checks, on every answer, what issue
11 promises for bad input: never a 5xx, never a traceback in a body, every error in the format of
the vendor whose prefix the path is under, and a store left byte for byte as it was by a request
that was refused (a SHA-256 of every table, taken before and after).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import httpx
import orjson
from defusedxml import ElementTree
from hypothesis import HealthCheck, Phase, settings
from starlette.applications import Starlette

from sandbox.app import SandboxConfig, create_app, sandbox_credentials, sandbox_of
from sandbox.vendors.kombo.exceptions import TITLES as KOMBO_CODES

HERE: Final = Path(__file__).resolve().parent
#: a tenant small enough that a digest of the whole store takes about a millisecond
SMALL_SCENARIO: Final = str(HERE / "small.toml")
BASE_URL: Final = "http://sandbox.test"
STRESS: Final = os.environ.get("LMSBRIDGE_STRESS", "") not in ("", "0")


@dataclass(frozen=True, slots=True)
class Budget:
    """How much each promise is exercised."""

    #: hypothesis examples per operation of a published document (and per generation mode)
    examples: int
    #: hypothesis examples per route of the app, from this project's strategies
    route_examples: int
    #: concurrent identical enroll requests (exactly one enrollment must result)
    identical: int
    #: concurrent distinct enroll requests (exactly this many enrollments must result)
    distinct: int
    #: enroll/unenroll races of one pair
    races: int
    #: SIGKILL trials of the sandbox under write load
    crash_trials: int
    #: writes sent per crash trial before the kill (at most; the kill comes mid-load)
    crash_writes: int
    #: pairs bulk-enrolled under faults, per vendor
    fault_pairs: int


SMALL: Final = Budget(
    examples=2,
    route_examples=3,
    identical=100,
    distinct=100,
    races=1,
    crash_trials=2,
    crash_writes=40,
    fault_pairs=12,
)
LARGE: Final = Budget(
    examples=10,
    route_examples=20,
    identical=100,
    distinct=1000,
    races=10,
    crash_trials=20,
    crash_writes=200,
    fault_pairs=60,
)
BUDGET: Final = LARGE if STRESS else SMALL


def fuzz_settings(examples: int | None = None) -> settings:
    """A fixed hypothesis profile: derandomized (the same examples on every run), no example
    database, no deadline (a shared 2-core machine is no place for timings)."""
    return settings(
        max_examples=examples or BUDGET.examples,
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=False,
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
    )


#: figures the stress runner prints; every probe adds to them
FIGURES: Counter[str] = Counter()


# -- the store ----------------------------------------------------------------------------------


def store_digest(app: Starlette) -> str:
    """A SHA-256 over every table of the store, in a canonical byte form."""
    tables = sandbox_of(app).store.tables
    raw = orjson.dumps(tables, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SORT_KEYS)
    return hashlib.sha256(raw).hexdigest()


def small_app(**options: Any) -> Starlette:
    return create_app(SandboxConfig(scenario=SMALL_SCENARIO, memory=True, **options))


# -- vendor error formats -----------------------------------------------------------------------

TRACEBACK: Final = re.compile(
    r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+|\w+Error: .*\n\s+at "
)


def _json(response: httpx.Response) -> Any:
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return None


def docebo_error(response: httpx.Response, path: str) -> str | None:
    body = _json(response)
    if path.endswith("/oauth2/token") and isinstance(body, dict) and "error" in body:
        ok = isinstance(body.get("error"), str) and isinstance(body.get("error_description"), str)
        return None if ok else f"not an RFC 6749 error: {body!r}"
    if not isinstance(body, dict) or set(body) != {"name", "message", "code", "status"}:
        return f"not Docebo's error body: {response.text[:200]!r}"
    if body["status"] != response.status_code or not isinstance(body["message"], str):
        return f"Docebo error status/message wrong: {body!r}"
    return None


def kombo_error(response: httpx.Response, path: str) -> str | None:
    body = _json(response)
    if not isinstance(body, dict) or body.get("status") != "error":
        return f"not Kombo's error envelope: {response.text[:200]!r}"
    error = body.get("error")
    if not isinstance(error, dict) or set(error) != {"code", "title", "message", "log_url"}:
        return f"Kombo error object wrong: {body!r}"
    if error["code"] not in KOMBO_CODES or not isinstance(error["message"], str):
        return f"Kombo error code unknown: {body!r}"
    return None


def ispring_error(response: httpx.Response, path: str) -> str | None:
    kind = response.headers.get("content-type", "")
    if "xml" in kind:
        try:
            root = ElementTree.fromstring(response.content)
        except ElementTree.ParseError as err:
            return f"iSpring XML error does not parse: {err}"
        code, message = root.findtext("code"), root.findtext("message")
        if root.tag != "response" or code != str(response.status_code) or message is None:
            return f"not iSpring's XML error: {response.text[:200]!r}"
        return None
    body = _json(response)
    if not isinstance(body, dict) or set(body) != {"code", "message"}:
        return f"not iSpring's error body: {response.text[:200]!r}"
    if body["code"] != response.status_code or not isinstance(body["message"], str):
        return f"iSpring error code wrong: {body!r}"
    return None


def lms365_error(response: httpx.Response, path: str) -> str | None:
    body = _json(response)
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or set(body) != {"error"}:
        return f"not an OData error: {response.text[:200]!r}"
    if not isinstance(error.get("code"), str) or not isinstance(error.get("message"), str):
        return f"OData error code/message wrong: {body!r}"
    return None


def admin_error(response: httpx.Response, path: str) -> str | None:
    body = _json(response)
    if not isinstance(body, dict) or set(body) != {"error", "status"}:
        return f"not the admin API's error body: {response.text[:200]!r}"
    return None


ERROR_FORMATS: Final[dict[str, Callable[[httpx.Response, str], str | None]]] = {
    "/docebo": docebo_error,
    "/kombo/v1": kombo_error,
    "/ispring": ispring_error,
    "/lms365": lms365_error,
    "/_sandbox": admin_error,
}


def error_format_of(path: str) -> Callable[[httpx.Response, str], str | None]:
    for prefix, check in ERROR_FORMATS.items():
        if path == prefix or path.startswith(prefix + "/"):
            return check
    return admin_error


def problems(response: httpx.Response) -> list[str]:
    """What is wrong with an answer, whatever the request was (empty: nothing)."""
    found = []
    path = response.request.url.path
    if response.status_code >= 500:
        found.append(f"answered {response.status_code}")
    if TRACEBACK.search(response.text):
        found.append("a traceback in the body")
    if response.status_code >= 400:
        wrong = error_format_of(path)(response, path)
        if wrong:
            found.append(wrong)
    return found


# -- credentials --------------------------------------------------------------------------------


class Client:
    """A synchronous client of an in-process app: ``httpx.ASGITransport`` on a private event
    loop, so hypothesis (whose tests are synchronous) can drive it."""

    def __init__(self, app: Starlette, base_url: str = BASE_URL) -> None:
        self.loop = asyncio.new_event_loop()
        transport = httpx.ASGITransport(app=app)
        self.client = httpx.AsyncClient(transport=transport, base_url=base_url, timeout=60)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.loop.run_until_complete(self.client.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.close()


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def auth_headers(client: Client, app: Starlette, vendor: str) -> dict[str, str]:
    """Headers with valid credentials of the tenant's most privileged client."""
    creds = sandbox_credentials(app, BASE_URL)[vendor]
    if vendor == "docebo":
        answer = client.post(
            "/docebo/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": creds["client_id"],
                "client_secret": creds["client_secret"],
            },
        )
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}
    if vendor == "ispring":
        return {"Authorization": f"Bearer {ispring_token(client, creds)}"}
    if vendor == "kombo":
        return {
            "Authorization": f"Bearer {creds['api_key']}",
            "X-Integration-Id": creds["integration_id"],
        }
    return {"Authorization": basic("api", creds["api_key"])}


def ispring_token(client: Client, creds: Mapping[str, str], department: bool = False) -> str:
    prefix = "department_" if department else ""
    answer = client.post(
        "/ispring/api/v3/token",
        data={
            "grant_type": "client_credentials",
            "client_id": creds[prefix + "client_id"],
            "client_secret": creds[prefix + "client_secret"],
        },
        headers={"Accept": "application/json"},
    )
    token: str = answer.json()["access_token"]
    return token


# -- the probe ----------------------------------------------------------------------------------


@dataclass
class Probe:
    """One in-process sandbox, a client with each vendor's valid credentials, and the checks."""

    app: Starlette
    client: Client
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    sent: int = 0

    @classmethod
    def open(cls, app: Starlette | None = None) -> Probe:
        app = app or small_app()
        client = Client(app)
        probe = cls(app, client)
        for vendor in ("docebo", "kombo", "ispring", "lms365"):
            probe.headers[vendor] = auth_headers(client, app, vendor)
        return probe

    def close(self) -> None:
        self.client.close()
        sandbox_of(self.app).close()

    def digest(self) -> str:
        return store_digest(self.app)

    def send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send one request; fail (AssertionError) when the answer breaks a promise."""
        before = self.digest()
        response = self.client.request(method, url, **kwargs)
        self.sent += 1
        FIGURES["requests tried"] += 1
        found = problems(response)
        if response.status_code >= 400:
            FIGURES["requests refused"] += 1
            if self.digest() != before:
                found.append("the store changed although the request was refused")
        assert not found, f"{method} {url} -> {response.status_code}: {found}"
        return response
