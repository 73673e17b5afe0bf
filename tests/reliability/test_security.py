"""Who gets in: every vendor route (listed from the app) refuses missing, wrong, malformed,
expired and other-tenant credentials; LMS365's read-only key cannot write; iSpring's department
administrator cannot see or change anyone outside their departments; every admin route but
health needs the admin token; and a refused request changes nothing (the probe checks the
store's digest on every refusal).

The sandbox warns and guards its admin API when bound beyond loopback:
``tests/e2e/test_cli_sandbox.py::test_sandbox_beyond_loopback_warns_and_guards_admin``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Final

import pytest
from starlette.routing import Mount, Route

from sandbox.app import SandboxConfig, create_app, sandbox_credentials, sandbox_of
from sandbox.vendors.ispring.models import ISpringBackend
from tests.reliability.harness import (
    BASE_URL,
    SMALL_SCENARIO,
    Client,
    Probe,
    auth_headers,
    basic,
    ispring_token,
    small_app,
)
from tests.reliability.route_fuzz import vendor_routes

PREFIXES: Final = {
    "docebo": "/docebo",
    "kombo": "/kombo/v1",
    "ispring": "/ispring",
    "lms365": "/lms365",
}
TOKEN_ROUTES: Final = {"/oauth2/token", "/api/v3/token"}
ADMIN_TOKEN: Final = "admin-token-for-the-test-5d1c"


@pytest.fixture(scope="module")
def probe() -> Iterator[Probe]:
    probe = Probe.open()
    yield probe
    probe.close()


@pytest.fixture(scope="module")
def other_tenant() -> Iterator[dict[str, dict[str, str]]]:
    """Valid credentials of another tenant: the same scenario under another seed."""
    app = create_app(SandboxConfig(scenario=SMALL_SCENARIO, seed=7, memory=True))
    client = Client(app)
    try:
        yield {vendor: auth_headers(client, app, vendor) for vendor in PREFIXES}
    finally:
        client.close()
        sandbox_of(app).close()


def filled(template: str) -> str:
    """A route's path with every parameter filled (with a GUID, which every key form takes)."""
    guid = "12484d3f-1512-49a0-8847-4aa938348ac3"
    return re.sub(r"\{[^}]+\}", guid, template)


def bad_credentials(
    vendor: str, probe: Probe, other: dict[str, dict[str, str]]
) -> dict[str, dict[str, Any]]:
    """Each kind of bad credential, as request headers."""
    good = probe.headers[vendor]
    kinds: dict[str, dict[str, Any]] = {
        "missing": {},
        "wrong": {"Authorization": "Bearer 0123456789abcdef0123456789abcdef"},
        "malformed": {"Authorization": "Bearer"},
        "another scheme": {"Authorization": "Token abc"},
        "non-ASCII": {"Authorization": "Bearer caf\xe9 \u2603"},
        "other tenant": other[vendor],
    }
    if vendor == "lms365":
        kinds["wrong"] = {"Authorization": basic("api", "0123456789abcdef")}
        kinds["another user"] = {"Authorization": basic("admin", good["Authorization"][6:])}
        kinds["malformed"] = {"Authorization": "Basic !!!not-base64"}
    if vendor == "kombo":
        kinds = {k: {**v, "X-Integration-Id": good["X-Integration-Id"]} for k, v in kinds.items()}
        kinds["other tenant"] = other["kombo"]
    # sent as the raw bytes a client would put on the wire (UTF-8, which servers read as latin-1)
    kinds["non-ASCII"]["Authorization"] = kinds["non-ASCII"]["Authorization"].encode()
    return kinds


def served_routes(probe: Probe, vendor: str) -> list[tuple[str, str]]:
    return [
        (method, path)
        for method, path in vendor_routes(probe, PREFIXES[vendor])
        if path not in TOKEN_ROUTES and "{path:path}" not in path
    ]


@pytest.mark.parametrize("vendor", list(PREFIXES))
def test_every_route_refuses_bad_credentials_401(
    probe: Probe, other_tenant: dict[str, dict[str, str]], vendor: str
) -> None:
    routes = served_routes(probe, vendor)
    assert len(routes) >= 8
    for kind, headers in bad_credentials(vendor, probe, other_tenant).items():
        for method, path in routes:
            url = PREFIXES[vendor] + filled(path)
            answer = probe.send(
                method, url, json={}, headers={**headers, "Accept": "application/json"}
            )
            assert answer.status_code == 401, (kind, method, url, answer.text[:200])


def test_kombo_other_tenants_integration_refused(probe: Probe, other_tenant: Any) -> None:
    headers = {
        **probe.headers["kombo"],
        "X-Integration-Id": other_tenant["kombo"]["X-Integration-Id"],
    }
    for method, path in served_routes(probe, "kombo"):
        answer = probe.send(method, "/kombo/v1" + filled(path), json={}, headers=headers)
        assert answer.status_code == 404, (method, path)
        assert answer.json()["error"]["code"] == "PLATFORM.INTEGRATION_NOT_FOUND"


@pytest.mark.parametrize("vendor", ["docebo", "ispring"])
def test_every_route_refuses_expired_token_401(vendor: str) -> None:
    probe = Probe.open(small_app())
    try:
        clock = sandbox_of(probe.app).clock
        clock.advance(2 * 3600)  # both vendors' tokens live an hour at most
        for method, path in served_routes(probe, vendor):
            url = PREFIXES[vendor] + filled(path)
            answer = probe.send(method, url, json={}, headers=probe.headers[vendor])
            assert answer.status_code == 401, (method, url, answer.text[:200])
            assert "expired" in answer.text
    finally:
        probe.close()


def test_token_endpoints_refuse_wrong_and_other_tenant_clients(probe: Probe) -> None:
    other = sandbox_credentials(
        create_app(SandboxConfig(scenario=SMALL_SCENARIO, seed=7, memory=True)), BASE_URL
    )
    ours = sandbox_credentials(probe.app, BASE_URL)
    for creds in (other, {**ours, "docebo": {**ours["docebo"], "client_secret": "nope"}}):
        answer = probe.send(
            "POST",
            "/docebo/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": creds["docebo"]["client_id"],
                "client_secret": creds["docebo"]["client_secret"],
            },
        )
        assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"
    for client_id, secret in (
        (other["ispring"]["client_id"], other["ispring"]["client_secret"]),
        (ours["ispring"]["client_id"], other["ispring"]["client_secret"]),
    ):
        answer = probe.send(
            "POST",
            "/ispring/api/v3/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": secret,
            },
            headers={"Accept": "application/json"},
        )
        assert answer.status_code == 401


# -- narrower credentials -------------------------------------------------------------------------


def test_lms365_read_only_key_reads_but_never_writes(probe: Probe) -> None:
    read_only = {
        "Authorization": basic(
            "api", sandbox_credentials(probe.app, BASE_URL)["lms365"]["read_only_api_key"]
        )
    }
    store = sandbox_of(probe.app).store
    course = next(iter(store.table("lms365.courses").values()))["Id"]
    enrollment = next(iter(store.table("lms365.enrollments").values()))
    user = next(iter(store.table("lms365.users").values()))
    writes = 0
    for method, path in vendor_routes(probe, "/lms365"):
        url = "/lms365" + path.replace(
            "{key}", enrollment["Id"] if "Enrollments" in path else course
        )
        if method == "GET":
            # let in: the list, or the entity (404 when the key is another set's)
            assert probe.send(method, url, headers=read_only).status_code in (200, 404), url
            continue
        body = {
            "CourseId": course,
            "UserId": user["Id"],
            "userLoginName": user["LoginName"],
            "Progress": 50,
        }
        answer = probe.send(method, url, json=body, headers=read_only)
        assert answer.status_code == 403, (method, url, answer.text)
        assert answer.json()["error"]["code"] == "Forbidden"
        writes += 1
    assert writes >= 4


@pytest.fixture(scope="module")
def department(probe: Probe) -> dict[str, Any]:
    """The department administrator's token and who is inside and outside their scope."""
    creds = sandbox_credentials(probe.app, BASE_URL)["ispring"]
    token = ispring_token(probe.client, creds, department=True)
    backend = sandbox_of(probe.app).vendors["ispring"]
    assert isinstance(backend, ISpringBackend)
    store = sandbox_of(probe.app).store
    admin = next(
        u
        for u in store.table("ispring.users").values()
        if u["role"] == "department_administrator"
        and u["userId"]
        == next(
            c["userId"]
            for c in store.table("ispring.api_clients").values()
            if c["client"] != "administrator"
        )
    )
    scope = set(backend.descendants(admin.get("manageableDepartmentIds", [])))
    users = list(store.table("ispring.users").values())
    enrollments = list(store.table("ispring.enrollments").values())
    courses = [
        c["contentItemId"] for c in store.table("ispring.content").values() if c["type"] == "Course"
    ]
    inside = [u["userId"] for u in users if u["departmentId"] in scope and u["status"] == 1]
    outside = [u["userId"] for u in users if u["departmentId"] not in scope]
    return {
        "headers": {"Authorization": f"Bearer {token}", "Accept": "application/json"},
        "scope": scope,
        "inside": inside,
        "outside": outside,
        "outside_enrollments": [
            e["enrollmentId"] for e in enrollments if e["learnerId"] in outside
        ],
        "inside_enrollments": [e["enrollmentId"] for e in enrollments if e["learnerId"] in inside],
        "courses": courses,
    }


def test_ispring_department_admin_lists_only_their_scope(
    probe: Probe, department: dict[str, Any]
) -> None:
    headers = department["headers"]
    users = probe.send("GET", "/ispring/user", headers=headers).json()
    listed = users if isinstance(users, list) else users.get("userProfiles", users)
    assert listed and all(u["departmentId"] in department["scope"] for u in listed)
    enrollments = probe.send("GET", "/ispring/enrollment", headers=headers).json()["enrollments"]
    assert enrollments
    assert not {e["learnerId"] for e in enrollments} & set(department["outside"])


def test_ispring_department_admin_cannot_reach_or_write_outside_scope(
    probe: Probe, department: dict[str, Any]
) -> None:
    headers = department["headers"]
    outsider = department["outside"][0]
    theirs = department["outside_enrollments"][0]
    ours = department["inside_enrollments"][0]
    schedule = {"accessDate": "2026-11-01", "dueDateType": "unlimited"}
    refused = [
        ("GET", f"/ispring/user/{outsider}", None),
        ("GET", f"/ispring/user/{outsider}/v2", None),
        ("GET", f"/ispring/enrollment/{theirs}", None),
        ("POST", f"/ispring/enrollment/{theirs}", schedule),
        ("POST", f"/ispring/enrollment/{theirs}/reenroll", schedule),
        ("POST", "/ispring/enrollment/delete", {"enrollmentIds": [theirs]}),
        ("POST", "/ispring/enrollment/delete", {"enrollmentIds": [ours, theirs]}),
        (
            "POST",
            "/ispring/enrollment",
            {
                "courseIds": department["courses"][:1],
                "learnerIds": [department["inside"][0], outsider],
                "dueDateType": "unlimited",
            },
        ),
    ]
    for method, url, body in refused:
        answer = probe.send(method, url, json=body, headers=headers)
        assert answer.status_code == 403, (method, url, answer.text)
    # inside the scope the same calls go through
    inside = {
        "courseIds": department["courses"][:1],
        "learnerIds": department["inside"][:1],
        "dueDateType": "unlimited",
    }
    assert (
        probe.send("POST", "/ispring/enrollment", json=inside, headers=headers).status_code == 201
    )
    assert probe.send("GET", f"/ispring/enrollment/{ours}", headers=headers).status_code == 200


# -- the admin API --------------------------------------------------------------------------------


def test_every_admin_route_but_health_needs_the_admin_token() -> None:
    app = create_app(SandboxConfig(scenario=SMALL_SCENARIO, memory=True, admin_token=ADMIN_TOKEN))
    client = Client(app)
    try:
        (admin,) = [r for r in app.routes if isinstance(r, Mount) and r.path == "/_sandbox"]
        routes = [
            (method, "/_sandbox" + filled(route.path))
            for route in admin.routes
            if isinstance(route, Route)
            for method in sorted(route.methods or ())
            if method != "HEAD"
        ]
        assert len(routes) >= 8
        before = sandbox_of(app).store.version
        for method, url in routes:
            for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": ADMIN_TOKEN}):
                answer = client.request(method, url, headers=headers, json={})
                if url == "/_sandbox/health":
                    assert answer.status_code == 200
                    continue
                assert answer.status_code == 401, (method, url, headers, answer.text)
                assert ADMIN_TOKEN not in answer.text
        assert sandbox_of(app).store.version == before
    finally:
        client.close()
        sandbox_of(app).close()


def test_admin_body_over_the_limit_refused_413(probe: Probe) -> None:
    answer = probe.send("POST", "/_sandbox/faults", content=b"{" + b" " * (2 << 20) + b"}")
    assert answer.status_code == 413
