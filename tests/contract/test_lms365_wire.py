"""The LMS365 emulation on the wire, in process: Basic auth and key permissions, OData entity
sets and query options, paging, errors, the Enroll action per enrollment type, enrollment
create/patch/delete, group enrollment and the notifications recorded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount, Route

from sandbox.app import SandboxConfig, create_app, sandbox_credentials
from tests.conftest import IN_PROCESS_URL, in_process_client

V2 = "/lms365/odata/v2"
ENTITY_SETS = ("Users", "Courses", "CourseSessions", "Enrollments", "Groups")
QUERY_PREFIX = "The query specified in the URI is not valid. "


@pytest.fixture
def creds(sandbox_app: Starlette) -> dict[str, str]:
    return sandbox_credentials(sandbox_app, IN_PROCESS_URL)["lms365"]


@pytest.fixture
async def anonymous(sandbox_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process_client(sandbox_app) as client:
        yield client


@pytest.fixture
async def api(sandbox_app: Starlette, creds: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    """A client with the Full Control key."""
    async with in_process_client(sandbox_app) as client:
        client.auth = httpx.BasicAuth("api", creds["api_key"])
        yield client


@pytest.fixture
async def read_only(
    sandbox_app: Starlette, creds: dict[str, str]
) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process_client(sandbox_app) as client:
        client.auth = httpx.BasicAuth("api", creds["read_only_api_key"])
        yield client


def assert_odata_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert isinstance(error["code"], str) and error["message"]
    assert "Traceback" not in response.text
    return error


def assert_query_error(response: httpx.Response, detail: str) -> None:
    error = assert_odata_error(response, 400)
    assert error["code"] == ""
    assert error["message"].startswith(QUERY_PREFIX)
    assert detail in error["message"]
    assert error["details"] == []
    assert error["innererror"]["message"] in error["message"]


async def get(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    response = await client.get(url)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def values(client: httpx.AsyncClient, url: str) -> list[dict[str, Any]]:
    """Every entity of a list, following nextLink."""
    body = await get(client, url)
    found: list[dict[str, Any]] = list(body["value"])
    while "@odata.nextLink" in body:
        body = await get(client, body["@odata.nextLink"])
        found.extend(body["value"])
    return found


def q(text: str) -> str:
    return quote(text, safe="")


async def count(client: httpx.AsyncClient, entity_set: str, filter_: str = "") -> int:
    where = f"&$filter={q(filter_)}" if filter_ else ""
    body = await get(client, f"{V2}/{entity_set}?$count=true&$top=0{where}")
    total: int = body["@odata.count"]
    return total


async def events(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    body = await get(client, "/_sandbox/events?vendor=lms365")
    found: list[dict[str, Any]] = body["events"]
    return found


async def course_of_type(client: httpx.AsyncClient, kind: str | None) -> dict[str, Any]:
    condition = "EnrollmentType eq null" if kind is None else f"EnrollmentType eq '{kind}'"
    courses = await values(client, f"{V2}/Courses?$filter={q(condition)}&$orderby=Title")
    assert courses
    return courses[0]


async def sessions_of(client: httpx.AsyncClient, course_id: str) -> list[str]:
    found = await values(
        client, f"{V2}/CourseSessions?$filter=CourseId eq {course_id}&$orderby=StartDate"
    )
    return [s["Id"] for s in found]


async def user_not_in(client: httpx.AsyncClient, course_id: str, skip: int = 0) -> dict[str, Any]:
    enrolled = {
        e["UserId"]
        for e in await values(
            client, f"{V2}/Enrollments?$filter=CourseId eq {course_id}&$select=UserId"
        )
    }
    users = await values(client, f"{V2}/Users?$orderby=Email&$top=1000")
    free = [u for u in users if u["Id"] not in enrolled]
    return free[skip]


async def enroll(
    client: httpx.AsyncClient, course_id: str, login: str, sessions: list[str] | None = None
) -> httpx.Response:
    body: dict[str, Any] = {"userLoginName": login}
    if sessions is not None:
        body["courseSessionIds"] = sessions
    return await client.post(f"{V2}/Courses({course_id})/Enroll", json=body)


async def enrollment_ids(client: httpx.AsyncClient) -> list[str]:
    return [e["Id"] for e in await values(client, f"{V2}/Enrollments?$select=Id")]


# -- authentication ----------------------------------------------------------------------------


def test_credentials_carry_both_keys(creds: dict[str, str]) -> None:
    assert creds["base_url"] == f"{IN_PROCESS_URL}/lms365"
    assert len(creds["api_key"]) == 32 and len(creds["read_only_api_key"]) == 32
    assert creds["api_key"] != creds["read_only_api_key"]


async def test_list_without_credentials_unauthorized(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get(f"{V2}/Users")
    error = assert_odata_error(response, 401)
    assert error["code"] == "Unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Basic")


@pytest.mark.parametrize(
    "authorization",
    [
        "Basic " + "YWRtaW46eA==",  # admin:x
        "Basic !!!",
        "Bearer abc",
        "Basic YXBp",  # "api" without a colon
    ],
)
async def test_list_with_malformed_credentials_unauthorized(
    anonymous: httpx.AsyncClient, authorization: str
) -> None:
    response = await anonymous.get(f"{V2}/Users", headers={"Authorization": authorization})
    assert_odata_error(response, 401)


async def test_list_with_wrong_user_unauthorized(
    anonymous: httpx.AsyncClient, creds: dict[str, str]
) -> None:
    response = await anonymous.get(f"{V2}/Users", auth=("admin", creds["api_key"]))
    assert "'api'" in assert_odata_error(response, 401)["message"]


async def test_list_with_wrong_key_unauthorized(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get(f"{V2}/Users", auth=("api", "0" * 32))
    assert "unknown API key" in assert_odata_error(response, 401)["message"]


async def test_list_with_read_only_key_succeeds(read_only: httpx.AsyncClient) -> None:
    body = await get(read_only, f"{V2}/Courses")
    assert body["value"]


async def test_write_routes_with_read_only_key_forbidden(
    sandbox_app: Starlette, read_only: httpx.AsyncClient
) -> None:
    (mount,) = [r for r in sandbox_app.routes if isinstance(r, Mount) and r.path == "/lms365"]
    course = (await get(read_only, f"{V2}/Courses?$top=1"))["value"][0]["Id"]
    enrollment = (await get(read_only, f"{V2}/Enrollments?$top=1"))["value"][0]["Id"]
    before = await enrollment_ids(read_only)
    tried: list[tuple[str, str]] = []
    for route in mount.routes:
        assert isinstance(route, Route)
        for method in sorted((route.methods or set()) & {"POST", "PATCH", "PUT", "DELETE"}):
            key = course if route.path.startswith("/odata/v2/Courses") else enrollment
            path = "/lms365" + route.path.replace("{key}", key)
            response = await read_only.request(method, path, json={"userLoginName": "x"})
            error = assert_odata_error(response, 403)
            assert error["code"] == "Forbidden" and "Full Control" in error["message"]
            tried.append((method, route.path))
    assert sorted(tried) == [
        ("DELETE", "/odata/v2/Enrollments({key})"),
        ("PATCH", "/odata/v2/Enrollments({key})"),
        ("POST", "/odata/v2/Courses({key})/Enroll"),
        ("POST", "/odata/v2/Enrollments"),
    ]
    assert await enrollment_ids(read_only) == before
    assert await events(read_only) == []


# -- entity sets and single entities -----------------------------------------------------------


async def test_service_document_lists_entity_sets(api: httpx.AsyncClient) -> None:
    body = await get(api, V2)
    assert body["@odata.context"] == f"{IN_PROCESS_URL}{V2}/$metadata"
    assert [s["name"] for s in body["value"]] == list(ENTITY_SETS)


@pytest.mark.parametrize("entity_set", ENTITY_SETS)
async def test_list_entity_set_answers_odata_envelope(
    api: httpx.AsyncClient, entity_set: str
) -> None:
    response = await api.get(f"{V2}/{entity_set}")
    assert response.headers["OData-Version"] == "4.0"
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["@odata.context"] == f"{IN_PROCESS_URL}{V2}/$metadata#{entity_set}"
    assert 0 < len(body["value"]) <= 100
    ids = [e["Id"] for e in body["value"]]
    assert ids == sorted(ids)  # the server's stable order: by key


@pytest.mark.parametrize("entity_set", ENTITY_SETS)
async def test_get_entity_by_key_returns_entity(api: httpx.AsyncClient, entity_set: str) -> None:
    first = (await get(api, f"{V2}/{entity_set}?$top=1"))["value"][0]
    for key in (first["Id"], f"Id={first['Id']}", first["Id"].upper()):
        body = await get(api, f"{V2}/{entity_set}({key})")
        assert body.pop("@odata.context") == f"{IN_PROCESS_URL}{V2}/$metadata#{entity_set}/$entity"
        assert body == first


async def test_get_entity_unknown_key_not_found(api: httpx.AsyncClient) -> None:
    response = await api.get(f"{V2}/Users(00000000-0000-4000-8000-000000000000)")
    assert assert_odata_error(response, 404)["code"] == "NotFound"


@pytest.mark.parametrize("key", ["abc", "'x'", "Id=1", "1"])
async def test_get_entity_malformed_key_bad_request(api: httpx.AsyncClient, key: str) -> None:
    response = await api.get(f"{V2}/Courses({key})")
    assert "Edm.Guid" in assert_odata_error(response, 400)["message"]


async def test_get_entity_with_collection_option_bad_request(api: httpx.AsyncClient) -> None:
    first = (await get(api, f"{V2}/Users?$top=1"))["value"][0]
    response = await api.get(f"{V2}/Users({first['Id']})?$top=1")
    assert_query_error(response, "The requested resource is not a collection.")


async def test_get_entity_with_select_and_expand(api: httpx.AsyncClient) -> None:
    first = (await get(api, f"{V2}/Enrollments?$top=1"))["value"][0]
    body = await get(
        api, f"{V2}/Enrollments({first['Id']})?$select=Id&$expand=Course($select=Title)"
    )
    assert body["@odata.context"].endswith("#Enrollments(Id,Course(Title))/$entity")
    assert set(body) == {"@odata.context", "Id", "Course"}
    assert set(body["Course"]) == {"Title"}


async def test_wrong_method_answers_odata_error(api: httpx.AsyncClient) -> None:
    response = await api.put(f"{V2}/Users", json={})
    assert assert_odata_error(response, 405)["code"] == "MethodNotAllowed"


async def test_unknown_entity_set_not_found(api: httpx.AsyncClient) -> None:
    assert_odata_error(await api.get(f"{V2}/TrainingPlans"), 404)


# -- query options -----------------------------------------------------------------------------


async def test_filter_eq_returns_only_matches(api: httpx.AsyncClient) -> None:
    users = await values(
        api, f"{V2}/Users?$filter={q(chr(39).join(['Department eq ', 'Sales', '']))}"
    )
    assert users and {u["Department"] for u in users} == {"Sales"}
    assert len(users) == await count(api, "Users", "Department eq 'Sales'")


async def test_filter_string_comparison_ignores_case(api: httpx.AsyncClient) -> None:
    assert await count(api, "Users", "Department eq 'SALES'") == await count(
        api, "Users", "Department eq 'Sales'"
    )


async def test_filter_guid_and_integer_on_enrollments(api: httpx.AsyncClient) -> None:
    course = (await get(api, f"{V2}/Courses?$top=1"))["value"][0]["Id"]
    found = await values(
        api, f"{V2}/Enrollments?$filter={q(f'CourseId eq {course} and CoursePassingStatus eq 0')}"
    )
    assert found
    assert all(e["CourseId"] == course and e["CoursePassingStatus"] == 0 for e in found)


async def test_filter_functions_not_and_or(api: httpx.AsyncClient) -> None:
    text = "(startswith(LastName,'b') or endswith(Email,'.org')) and not contains(FirstName,'a')"
    users = await values(api, f"{V2}/Users?$filter={q(text)}")
    assert users
    for user in users:
        assert user["LastName"].lower().startswith("b") or user["Email"].endswith(".org")
        assert "a" not in user["FirstName"].lower()


async def test_filter_datetime_and_null(api: httpx.AsyncClient) -> None:
    text = "RegistrationDate ge 2026-01-01T00:00:00Z and CompletionDate ne null"
    found = await values(api, f"{V2}/Enrollments?$filter={q(text)}")
    assert found
    assert all(e["RegistrationDate"] >= "2026-01-01T00:00:00Z" for e in found)
    assert all(e["CompletionDate"] is not None for e in found)


async def test_filter_in_operator(api: httpx.AsyncClient) -> None:
    found = await values(
        api, f"{V2}/Courses?$filter={q(chr(39).join(['CourseType in (', 'InstructorLed', ')']))}"
    )
    assert found and {c["CourseType"] for c in found} == {"InstructorLed"}


async def test_select_returns_only_selected_properties(api: httpx.AsyncClient) -> None:
    body = await get(api, f"{V2}/Users?$select=Email,Id&$top=3")
    assert body["@odata.context"].endswith("#Users(Id,Email)")
    assert all(set(u) == {"Id", "Email"} for u in body["value"])


async def test_orderby_several_keys_sorts(api: httpx.AsyncClient) -> None:
    courses = await values(api, f"{V2}/Courses?$orderby=CourseType desc,Duration,Title asc")
    keys = [(c["CourseType"], c["Duration"], c["Title"].casefold()) for c in courses]
    assert keys == sorted(keys, key=lambda k: (_Reverse(k[0]), k[1], k[2]))
    assert courses[0]["CourseType"] == "InstructorLed"


class _Reverse:
    def __init__(self, value: str) -> None:
        self.value = value

    def __lt__(self, other: _Reverse) -> bool:
        return other.value < self.value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Reverse) and other.value == self.value

    def __hash__(self) -> int:
        return hash(self.value)


async def test_orderby_nulls_sort_first(api: httpx.AsyncClient) -> None:
    found = (await get(api, f"{V2}/Enrollments?$orderby=CompletionDate&$top=1"))["value"]
    assert found[0]["CompletionDate"] is None


async def test_top_and_skip_window_the_order(api: httpx.AsyncClient) -> None:
    every = (await get(api, f"{V2}/Courses?$orderby=Title"))["value"]
    window = (await get(api, f"{V2}/Courses?$orderby=Title&$top=5&$skip=7"))["value"]
    assert window == every[7:12]


async def test_count_true_reports_total(api: httpx.AsyncClient) -> None:
    body = await get(api, f"{V2}/Courses?$count=true&$top=3")
    assert body["@odata.count"] == 40 and len(body["value"]) == 3
    assert list(body)[:3] == ["@odata.context", "@odata.count", "value"]


async def test_expand_enrollment_user_and_course(api: httpx.AsyncClient) -> None:
    body = await get(api, f"{V2}/Enrollments?$top=5&$expand=User($select=Email,LoginName),Course")
    assert body["@odata.context"].endswith("#Enrollments(User(LoginName,Email),Course())")
    for enrollment in body["value"]:
        assert set(enrollment["User"]) == {"Email", "LoginName"}
        assert enrollment["User"]["LoginName"] == enrollment["UserLoginName"]
        assert enrollment["Course"]["Id"] == enrollment["CourseId"]


async def test_expand_course_sessions_of_courses(api: httpx.AsyncClient) -> None:
    course = await course_of_type(api, "AllSessions")
    body = await get(api, f"{V2}/Courses({course['Id']})?$expand=CourseSessions($select=Id)")
    expanded = [s["Id"] for s in body["CourseSessions"]]
    assert sorted(expanded) == sorted(await sessions_of(api, course["Id"]))


async def test_paging_next_link_until_end_equals_count(api: httpx.AsyncClient) -> None:
    url = (
        f"{V2}/Enrollments?$count=true&$orderby=RegistrationDate desc&$filter={q('Progress ge 0')}"
    )
    body = await get(api, url)
    total = body["@odata.count"]
    assert total > 200 and len(body["value"]) == 100
    assert "$skiptoken=" in body["@odata.nextLink"]
    seen = list(body["value"])
    while "@odata.nextLink" in body:
        body = await get(api, body["@odata.nextLink"])
        assert body["@odata.count"] == total
        seen.extend(body["value"])
    assert len(seen) == total == len({e["Id"] for e in seen})
    dates = [e["RegistrationDate"] for e in seen]
    assert dates == sorted(dates, reverse=True)


async def test_paging_with_top_stops_at_top(api: httpx.AsyncClient) -> None:
    body = await get(api, f"{V2}/Users?$top=250")
    sizes = [len(body["value"])]
    while "@odata.nextLink" in body:
        body = await get(api, body["@odata.nextLink"])
        sizes.append(len(body["value"]))
    assert sizes == [100, 100, 50]


async def test_paging_survives_an_insert_before_the_cursor(api: httpx.AsyncClient) -> None:
    first = await get(api, f"{V2}/Enrollments")
    last_id = first["value"][-1]["Id"]
    course = await course_of_type(api, None)
    user = await user_not_in(api, course["Id"])
    assert (await enroll(api, course["Id"], user["LoginName"])).status_code == 201
    second = await get(api, first["@odata.nextLink"])
    assert all(e["Id"] > last_id for e in second["value"])


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("$filter=Title eq 'abc", "Unterminated string literal"),
        ("$filter=Title xx 'a'", "unknown operator 'xx'"),
        ("$filter=Nope eq 1", "Could not find a property named 'Nope' on type 'LMS365.Course'."),
        ("$filter=Title eq 'a' 'b'", "Syntax error at position"),
        ("$filter=Duration eq 'x'", "incompatible types"),
        ("$filter=__import__('os').system('id')", "character '.' is not valid at position 16"),
        ("$filter=__import__('os')", "unknown function with name '__import__'"),
        ("$filter=", "Expression expected at position 0"),
        ("$orderby=Nope", "Could not find a property named 'Nope'"),
        ("$orderby=Title sideways", "',' or the end of the $orderby expected"),
        ("$select=Nope", "Could not find a property named 'Nope'"),
        ("$select=Title,,Code", "is not a property name"),
        ("$expand=Nope", "Could not find a property named 'Nope'"),
        ("$expand=Title", "Only navigation properties can be expanded."),
        ("$top=1001", "The limit of '1000' for Top query has been exceeded."),
        ("$top=-1", "Invalid value '-1' for $top query option found."),
        ("$skip=x", "Invalid value 'x' for $skip query option found."),
        ("$count=maybe", "'maybe' is not a valid count option."),
        ("$search=x", "The query parameter '$search' is not supported."),
        ("$top=1&$top=2", "Query option '$top' was specified more than once"),
        ("$skiptoken=forged", "The $skiptoken is not valid"),
    ],
)
async def test_invalid_query_option_bad_request(
    api: httpx.AsyncClient, query: str, detail: str
) -> None:
    assert_query_error(await api.get(f"{V2}/Courses?{query}"), detail)


async def test_skiptoken_of_another_filter_bad_request(api: httpx.AsyncClient) -> None:
    body = await get(api, f"{V2}/Users")
    token = body["@odata.nextLink"].split("$skiptoken=")[1]
    response = await api.get(f"{V2}/Users?$filter=IsActive&$skiptoken={token}")
    assert_query_error(response, "for another $filter or $orderby")


@pytest.mark.parametrize(
    ("entity_set", "query", "member"),
    [
        ("Courses", "$filter=TimeZone eq 'UTC'", "TimeZone"),
        ("Users", "$filter=IsExternal eq false", "IsExternal"),
        ("Users", "$orderby=IsExternal", "IsExternal"),
        ("CourseSessions", "$filter=Room ne null", "Room"),
    ],
)
async def test_non_filterable_property_answers_linq_error(
    api: httpx.AsyncClient, entity_set: str, query: str, member: str
) -> None:
    response = await api.get(f"{V2}/{entity_set}?{query}")
    assert_query_error(
        response,
        f"The specified type member '{member}' is not supported in LINQ to Entities. Only "
        "initializers, entity members, and entity navigation properties are supported.",
    )
    assert response.json()["error"]["innererror"]["type"] == "System.NotSupportedException"


async def test_non_filterable_property_is_still_selectable(api: httpx.AsyncClient) -> None:
    body = await get(api, f"{V2}/Users?$select=IsExternal&$top=1")
    assert body["value"] == [{"IsExternal": False}]


@pytest.mark.parametrize(
    "url",
    [
        f"{V2}/Users?$filter={q('(' * 500)}",
        f"{V2}/Users?$filter={q('not ' * 500 + 'IsActive')}",
        f"{V2}/Users?$filter={q(' or '.join(['IsActive'] * 200))}",
        f"{V2}/Users?$filter={q(chr(0))}",
        f"{V2}/Users?$filter={q('Email eq ' + chr(39) * 3)}",
        f"{V2}/Users?$orderby={q(',' * 10)}",
        f"{V2}/Users?$expand={q('((((')}",
        f"{V2}/Enrollments?$expand={q('User($select=)')}",
        f"{V2}/Users?$skiptoken={q('@@@')}",
        f"{V2}/Users({q(')(')})",
        f"{V2}/Courses({q('x')})/Enroll",
    ],
)
async def test_hostile_requests_never_answer_server_error(api: httpx.AsyncClient, url: str) -> None:
    response = await api.request("POST" if url.endswith("/Enroll") else "GET", url)
    assert 400 <= response.status_code < 500, response.text
    assert_odata_error(response, response.status_code)


# -- seeding -----------------------------------------------------------------------------------


async def test_seeded_passing_statuses_are_the_three_values(api: httpx.AsyncClient) -> None:
    counts = [await count(api, "Enrollments", f"CoursePassingStatus eq {s}") for s in (0, 1, 2)]
    assert all(n > 0 for n in counts)
    assert sum(counts) == await count(api, "Enrollments")
    assert (
        await count(api, "Enrollments", "CoursePassingStatus eq 0 and CompletionDate eq null") == 0
    )


async def test_seeded_ilt_courses_have_each_enrollment_type(api: httpx.AsyncClient) -> None:
    courses = await values(api, f"{V2}/Courses")
    ilt = {c["EnrollmentType"] for c in courses if c["CourseType"] == "InstructorLed"}
    assert ilt == {"SingleSession", "MultipleSessions", "AllSessions"}
    assert all(c["EnrollmentType"] is None for c in courses if c["CourseType"] == "ELearning")


async def test_seeded_users_have_claims_login_names(api: httpx.AsyncClient) -> None:
    user = (await get(api, f"{V2}/Users?$top=1"))["value"][0]
    assert user["LoginName"] == f"i:0#.f|membership|{user['Email'].lower()}"


async def test_seeded_ids_are_deterministic(api: httpx.AsyncClient) -> None:
    other = create_app(SandboxConfig(memory=True))
    key = sandbox_credentials(other, IN_PROCESS_URL)["lms365"]["api_key"]
    async with in_process_client(other) as client:
        client.auth = httpx.BasicAuth("api", key)
        theirs = (await get(client, f"{V2}/Enrollments?$select=Id"))["value"]
    assert theirs == (await get(api, f"{V2}/Enrollments?$select=Id"))["value"]


# -- POST Courses({Id})/Enroll -----------------------------------------------------------------


async def test_enroll_elearning_course_creates_enrollment(api: httpx.AsyncClient) -> None:
    course = await course_of_type(api, None)
    user = await user_not_in(api, course["Id"])
    response = await enroll(api, course["Id"], user["LoginName"])
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["@odata.context"].endswith("#Enrollments/$entity")
    assert body["RegistrationDate"].endswith("Z")
    assert (body["CourseId"], body["UserId"]) == (course["Id"], user["Id"])
    assert body["CoursePassingStatus"] == 1 and body["CourseSessionIds"] == []
    assert response.headers["Location"] == f"{IN_PROCESS_URL}{V2}/Enrollments({body['Id']})"
    assert (await get(api, f"{V2}/Enrollments({body['Id']})"))["Id"] == body["Id"]
    (event,) = await events(api)
    assert event["event"] == "enrollment"
    assert event["body"]["To"] == user["Email"] and event["body"]["EnrollmentId"] == body["Id"]


async def test_enroll_single_session_without_session_asks_to_pick(api: httpx.AsyncClient) -> None:
    course = await course_of_type(api, "SingleSession")
    user = await user_not_in(api, course["Id"])
    response = await enroll(api, course["Id"], user["LoginName"])
    assert response.status_code == 201
    assert response.json()["CourseSessionIds"] == []
    (event,) = await events(api)
    assert event["event"] == "session_selection_required"
    assert "select a session" in event["body"]["Subject"]


async def test_enroll_single_session_with_session_registers(api: httpx.AsyncClient) -> None:
    course = await course_of_type(api, "SingleSession")
    session = (await sessions_of(api, course["Id"]))[0]
    user = await user_not_in(api, course["Id"])
    response = await enroll(api, course["Id"], user["LoginName"], [session])
    assert response.status_code == 201
    assert response.json()["CourseSessionIds"] == [session]
    (event,) = await events(api)
    assert event["event"] == "enrollment" and event["body"]["CourseSessionIds"] == [session]


async def test_enroll_single_session_pending_then_session_registers(
    api: httpx.AsyncClient,
) -> None:
    course = await course_of_type(api, "SingleSession")
    session = (await sessions_of(api, course["Id"]))[-1]
    user = await user_not_in(api, course["Id"])
    first = (await enroll(api, course["Id"], user["LoginName"])).json()
    response = await enroll(api, course["Id"], user["LoginName"], [session])
    assert response.status_code == 200
    assert response.json()["Id"] == first["Id"]
    assert response.json()["CourseSessionIds"] == [session]
    assert [e["event"] for e in await events(api)] == [
        "session_selection_required",
        "session_registration",
    ]


async def test_enroll_single_session_with_two_sessions_bad_request(
    api: httpx.AsyncClient,
) -> None:
    course = await course_of_type(api, "SingleSession")
    sessions = await sessions_of(api, course["Id"])
    user = await user_not_in(api, course["Id"])
    before = await enrollment_ids(api)
    response = await enroll(api, course["Id"], user["LoginName"], sessions[:2])
    assert "single course session" in assert_odata_error(response, 400)["message"]
    assert await enrollment_ids(api) == before and await events(api) == []


async def test_enroll_single_session_other_session_when_registered_bad_request(
    api: httpx.AsyncClient,
) -> None:
    course = await course_of_type(api, "SingleSession")
    first, second, *_ = await sessions_of(api, course["Id"])
    user = await user_not_in(api, course["Id"])
    await enroll(api, course["Id"], user["LoginName"], [first])
    response = await enroll(api, course["Id"], user["LoginName"], [second])
    assert "already registered" in assert_odata_error(response, 400)["message"]
    assert len(await events(api)) == 1


async def test_enroll_multiple_sessions_registers_each(api: httpx.AsyncClient) -> None:
    course = await course_of_type(api, "MultipleSessions")
    sessions = await sessions_of(api, course["Id"])
    assert len(sessions) >= 2
    user = await user_not_in(api, course["Id"])
    response = await enroll(api, course["Id"], user["LoginName"], sessions[:2])
    assert response.status_code == 201
    assert response.json()["CourseSessionIds"] == sessions[:2]


async def test_enroll_multiple_sessions_without_session_asks_to_pick(
    api: httpx.AsyncClient,
) -> None:
    course = await course_of_type(api, "MultipleSessions")
    user = await user_not_in(api, course["Id"])
    response = await enroll(api, course["Id"], user["LoginName"], [])
    assert response.status_code == 201 and response.json()["CourseSessionIds"] == []
    assert [e["event"] for e in await events(api)] == ["session_selection_required"]


async def test_enroll_all_sessions_without_session_registers_all(api: httpx.AsyncClient) -> None:
    course = await course_of_type(api, "AllSessions")
    sessions = await sessions_of(api, course["Id"])
    user = await user_not_in(api, course["Id"])
    response = await enroll(api, course["Id"], user["LoginName"])
    assert response.status_code == 201
    assert response.json()["CourseSessionIds"] == sessions
    (event,) = await events(api)
    assert event["event"] == "enrollment"


async def test_enroll_all_sessions_with_session_registers_that_one(
    api: httpx.AsyncClient,
) -> None:
    course = await course_of_type(api, "AllSessions")
    session = (await sessions_of(api, course["Id"]))[1]
    user = await user_not_in(api, course["Id"])
    response = await enroll(api, course["Id"], user["LoginName"], [session])
    assert response.status_code == 201 and response.json()["CourseSessionIds"] == [session]


async def test_enroll_deprecated_course_session_id_registers(api: httpx.AsyncClient) -> None:
    course = await course_of_type(api, "SingleSession")
    session = (await sessions_of(api, course["Id"]))[0]
    user = await user_not_in(api, course["Id"])
    response = await api.post(
        f"{V2}/Courses({course['Id']})/Enroll",
        json={"userLoginName": user["LoginName"], "courseSessionId": session},
    )
    assert response.status_code == 201 and response.json()["CourseSessionIds"] == [session]


async def test_enroll_already_enrolled_returns_existing_without_event(
    api: httpx.AsyncClient,
) -> None:
    existing = (await get(api, f"{V2}/Enrollments?$top=1"))["value"][0]
    response = await enroll(api, existing["CourseId"], existing["UserLoginName"].upper())
    assert response.status_code == 200
    assert response.json()["Id"] == existing["Id"]
    assert "Location" not in response.headers
    assert await events(api) == []


async def test_enroll_group_enrolls_each_member(api: httpx.AsyncClient) -> None:
    group = (await get(api, f"{V2}/Groups?$filter={q(chr(39).join(['Title eq ', 'Legal', '']))}"))[
        "value"
    ][0]
    course = await course_of_type(api, None)
    members = await values(
        api,
        f"{V2}/Users?$filter={q(chr(39).join(['Department eq ', 'Legal', '']) + ' and IsActive')}",
    )
    assert len(members) == group["MemberCount"]
    already = await count(api, "Enrollments", f"CourseId eq {course['Id']}")
    response = await enroll(api, course["Id"], group["LoginName"])
    assert response.status_code == 201
    body = response.json()
    assert body["@odata.context"].endswith("#Enrollments")
    assert {e["UserId"] for e in body["value"]} == {m["Id"] for m in members}
    created = await count(api, "Enrollments", f"CourseId eq {course['Id']}") - already
    assert created > 0
    found = await events(api)
    assert len(found) == created
    assert {e["body"]["To"] for e in found} <= {m["Email"] for m in members}


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({}, "'userLoginName' is required"),
        ({"userLoginName": ""}, "'userLoginName' is required"),
        ({"userLoginName": 5}, "'userLoginName' is required"),
        ({"userLoginName": "i:0#.f|membership|nobody@example.org"}, "No user or group"),
        ({"userLoginName": "x", "courseSessionIds": "abc"}, "must be an array"),
        ({"userLoginName": "x", "courseSessionIds": ["guid"]}, "Edm.Guid"),
        ({"userLoginName": "x", "courseSessionId": "string"}, "Edm.Guid"),
        ({"userLoginName": "x", "sessions": []}, "not a valid parameter for the operation"),
        ({"userLoginName": "x", "ignoreMaxAttendees": "yes"}, "must be a boolean"),
    ],
)
async def test_enroll_invalid_body_bad_request_changes_nothing(
    api: httpx.AsyncClient, body: dict[str, Any], detail: str
) -> None:
    course = await course_of_type(api, None)
    before = await enrollment_ids(api)
    response = await api.post(f"{V2}/Courses({course['Id']})/Enroll", json=body)
    assert detail in assert_odata_error(response, 400)["message"]
    assert await enrollment_ids(api) == before and await events(api) == []


async def test_enroll_not_json_bad_request(api: httpx.AsyncClient) -> None:
    course = await course_of_type(api, None)
    response = await api.post(f"{V2}/Courses({course['Id']})/Enroll", content=b"{nope")
    assert "not valid JSON" in assert_odata_error(response, 400)["message"]


async def test_enroll_session_of_other_course_bad_request(api: httpx.AsyncClient) -> None:
    single = await course_of_type(api, "SingleSession")
    other = await course_of_type(api, "AllSessions")
    foreign = (await sessions_of(api, other["Id"]))[0]
    user = await user_not_in(api, single["Id"])
    response = await enroll(api, single["Id"], user["LoginName"], [foreign])
    assert "is not a session of the course" in assert_odata_error(response, 400)["message"]


async def test_enroll_elearning_with_session_bad_request(api: httpx.AsyncClient) -> None:
    course = await course_of_type(api, None)
    other = await course_of_type(api, "AllSessions")
    session = (await sessions_of(api, other["Id"]))[0]
    user = await user_not_in(api, course["Id"])
    response = await enroll(api, course["Id"], user["LoginName"], [session])
    assert "e-learning course" in assert_odata_error(response, 400)["message"]


async def test_enroll_unknown_course_not_found(api: httpx.AsyncClient) -> None:
    user = (await get(api, f"{V2}/Users?$top=1"))["value"][0]
    response = await enroll(api, "00000000-0000-4000-8000-000000000000", user["LoginName"])
    assert_odata_error(response, 404)


# -- POST, PATCH, DELETE Enrollments -----------------------------------------------------------


async def test_create_enrollment_by_user_id_created(api: httpx.AsyncClient) -> None:
    course = await course_of_type(api, "MultipleSessions")
    user = await user_not_in(api, course["Id"])
    response = await api.post(
        f"{V2}/Enrollments",
        json={"CourseId": course["Id"], "UserId": user["Id"], "DueDate": "2027-01-31T17:00:00Z"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["UserLoginName"] == user["LoginName"]
    assert body["DueDate"] == "2027-01-31T17:00:00Z" and body["CourseSessionIds"] == []
    assert response.headers["Location"].endswith(f"/Enrollments({body['Id']})")
    assert [e["event"] for e in await events(api)] == ["enrollment"]


async def test_create_enrollment_by_login_name_created(api: httpx.AsyncClient) -> None:
    course = await course_of_type(api, None)
    user = await user_not_in(api, course["Id"])
    response = await api.post(
        f"{V2}/Enrollments",
        json={"CourseId": course["Id"], "UserLoginName": user["LoginName"], "@odata.type": "x"},
    )
    assert response.status_code == 201 and response.json()["UserId"] == user["Id"]


async def test_create_enrollment_duplicate_conflict(api: httpx.AsyncClient) -> None:
    existing = (await get(api, f"{V2}/Enrollments?$top=1"))["value"][0]
    response = await api.post(
        f"{V2}/Enrollments", json={"CourseId": existing["CourseId"], "UserId": existing["UserId"]}
    )
    assert assert_odata_error(response, 409)["code"] == "Conflict"


@pytest.mark.parametrize(
    ("fields", "detail"),
    [
        ({"CourseId": None}, "Edm.Guid"),
        ({"CourseId": "__missing__"}, "'CourseId' is required"),
        ({"UserId": "__missing__"}, "'UserId' or 'UserLoginName' is required"),
        ({"Nope": 1}, "The property 'Nope' does not exist on type 'LMS365.Enrollment'"),
        ({"Id": "0f8fad5b-d9cb-469f-a165-70867728950e"}, "cannot be set"),
        ({"DueDate": "tomorrow"}, "Edm.DateTimeOffset"),
        ({"DueDate": "2027-01-31T17:00:00"}, "Edm.DateTimeOffset"),
        ({"CoursePassingStatus": 3}, "not a valid CoursePassingStatus"),
        ({"CEU": -1}, "CEU must be a non-negative number"),
        ({"Progress": 101}, "between 0 and 100"),
        ({"UserLoginName": "i:0#.f|membership|nobody@example.org"}, "No user with the login"),
    ],
)
async def test_create_enrollment_invalid_body_bad_request_changes_nothing(
    api: httpx.AsyncClient, fields: dict[str, Any], detail: str
) -> None:
    course = await course_of_type(api, None)
    user = await user_not_in(api, course["Id"])
    body: dict[str, Any] = {"CourseId": course["Id"], "UserId": user["Id"], **fields}
    body = {k: v for k, v in body.items() if v != "__missing__"}
    before = await enrollment_ids(api)
    response = await api.post(f"{V2}/Enrollments", json=body)
    assert detail in assert_odata_error(response, 400)["message"]
    assert await enrollment_ids(api) == before and await events(api) == []


async def test_patch_enrollment_updates_dates_and_ceu(api: httpx.AsyncClient) -> None:
    existing = (await get(api, f"{V2}/Enrollments?$filter=CoursePassingStatus eq 2&$top=1"))[
        "value"
    ][0]
    url = f"{V2}/Enrollments({existing['Id']})"
    patch = {
        "RegistrationDate": "2024-01-15T15:00:00.00Z",
        "StartDate": "2024-02-15T17:00:00+02:00",
        "DueDate": "2024-04-15T15:00:00Z",
        "CEU": "20",
        "CourseDuration": 60,
    }
    response = await api.patch(url, json=patch)
    assert response.status_code == 204 and response.content == b""
    after = await get(api, url)
    assert after["RegistrationDate"] == "2024-01-15T15:00:00Z"
    assert after["StartDate"] == "2024-02-15T15:00:00Z"
    assert after["DueDate"] == "2024-04-15T15:00:00Z"
    assert (after["CEU"], after["CourseDuration"]) == (20, 60)
    assert after["CoursePassingStatus"] == 2 and after["Modified"] != existing["Modified"]


async def test_patch_enrollment_prefer_representation_returns_entity(
    api: httpx.AsyncClient,
) -> None:
    existing = (await get(api, f"{V2}/Enrollments?$top=1"))["value"][0]
    response = await api.patch(
        f"{V2}/Enrollments({existing['Id']})",
        json={"CEU": 1.5},
        headers={"Prefer": "return=representation"},
    )
    assert response.status_code == 200
    assert response.headers["Preference-Applied"] == "return=representation"
    assert response.json()["CEU"] == 1.5


@pytest.mark.parametrize(
    ("status", "from_status", "expected"),
    [
        (0, 1, {"Progress": 100}),
        (1, 0, {"Progress": 0, "CompletionDate": None, "StartDate": None}),
        (2, 0, {"CompletionDate": None}),
    ],
)
async def test_patch_enrollment_passing_status_sets_state(
    api: httpx.AsyncClient, status: int, from_status: int, expected: dict[str, Any]
) -> None:
    existing = (
        await get(api, f"{V2}/Enrollments?$filter=CoursePassingStatus eq {from_status}&$top=1")
    )["value"][0]
    url = f"{V2}/Enrollments({existing['Id']})"
    assert (await api.patch(url, json={"CoursePassingStatus": status})).status_code == 204
    after = await get(api, url)
    assert after["CoursePassingStatus"] == status
    assert {k: after[k] for k in expected} == expected
    if status == 0:
        assert after["CompletionDate"] is not None and after["StartDate"] is not None
    if status == 2:
        assert after["StartDate"] is not None


async def test_patch_enrollment_completed_with_given_date_keeps_it(
    api: httpx.AsyncClient,
) -> None:
    existing = (await get(api, f"{V2}/Enrollments?$filter=CoursePassingStatus eq 1&$top=1"))[
        "value"
    ][0]
    url = f"{V2}/Enrollments({existing['Id']})"
    body = {"CoursePassingStatus": 0, "CompletionDate": "2024-03-15T15:00:00Z"}
    assert (await api.patch(url, json=body)).status_code == 204
    assert (await get(api, url))["CompletionDate"] == "2024-03-15T15:00:00Z"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"CoursePassingStatus": 3}, "not a valid CoursePassingStatus"),
        ({"CoursePassingStatus": "0"}, "not a valid CoursePassingStatus"),
        ({"CoursePassingStatus": True}, "not a valid CoursePassingStatus"),
        ({"CourseId": "0f8fad5b-d9cb-469f-a165-70867728950e"}, "cannot be set here"),
        ({"CompletionDate": "2024-13-01T00:00:00Z"}, "Edm.DateTimeOffset"),
        ({"CourseDuration": 1.5}, "whole number"),
        ({"CEU": "lots"}, "CEU must be a non-negative number"),
        ({"CEU": "nan"}, "CEU must be a non-negative number"),
    ],
)
async def test_patch_enrollment_invalid_body_bad_request_changes_nothing(
    api: httpx.AsyncClient, body: dict[str, Any], detail: str
) -> None:
    existing = (await get(api, f"{V2}/Enrollments?$top=1"))["value"][0]
    url = f"{V2}/Enrollments({existing['Id']})"
    response = await api.patch(url, json=body)
    assert detail in assert_odata_error(response, 400)["message"]
    after = await get(api, url)
    assert after == {**existing, "@odata.context": after["@odata.context"]}


async def test_patch_unknown_enrollment_not_found(api: httpx.AsyncClient) -> None:
    response = await api.patch(
        f"{V2}/Enrollments(00000000-0000-4000-8000-000000000000)", json={"CEU": 1}
    )
    assert_odata_error(response, 404)


async def test_delete_enrollment_unenrolls(api: httpx.AsyncClient) -> None:
    existing = (await get(api, f"{V2}/Enrollments?$top=1"))["value"][0]
    url = f"{V2}/Enrollments({existing['Id']})"
    response = await api.delete(url)
    assert response.status_code == 204 and response.content == b""
    assert_odata_error(await api.get(url), 404)
    (event,) = await events(api)
    assert event["event"] == "unenrollment" and event["body"]["EnrollmentId"] == existing["Id"]
    assert_odata_error(await api.delete(url), 404)


async def test_delete_then_enroll_creates_new_enrollment(api: httpx.AsyncClient) -> None:
    existing = (await get(api, f"{V2}/Enrollments?$filter=CoursePassingStatus eq 0&$top=1"))[
        "value"
    ][0]
    await api.delete(f"{V2}/Enrollments({existing['Id']})")
    response = await enroll(api, existing["CourseId"], existing["UserLoginName"])
    assert response.status_code == 201
    assert response.json()["Id"] != existing["Id"]
    assert response.json()["CoursePassingStatus"] == 1
