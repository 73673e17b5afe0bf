"""The Docebo emulation on the wire, in process: envelopes, paging, filters, errors, auth."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount, Route

from sandbox.app import sandbox_credentials, sandbox_of
from tests.conftest import IN_PROCESS_URL, in_process_client

ENROLLMENTS = "/docebo/course/v1/courses/enrollments"


@pytest.fixture
def creds(sandbox_app: Starlette) -> dict[str, str]:
    return sandbox_credentials(sandbox_app, IN_PROCESS_URL)["docebo"]


@pytest.fixture
async def client(sandbox_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process_client(sandbox_app) as client:
        yield client


@pytest.fixture
async def api(client: httpx.AsyncClient, creds: dict[str, str]) -> httpx.AsyncClient:
    """The client with a valid bearer token."""
    answer = await client.post(
        "/docebo/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": creds["client_id"],
            "client_secret": creds["client_secret"],
        },
    )
    client.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
    return client


def assert_docebo_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"name", "message", "code", "status"}
    assert body["status"] == status and body["message"]
    assert "Traceback" not in response.text
    return body


# -- authentication ----------------------------------------------------------------------------


async def test_token_multipart_form_as_curl_sends_it(
    client: httpx.AsyncClient, creds: dict[str, str]
) -> None:
    fields = {
        "grant_type": "password",
        "client_id": creds["client_id"],
        "client_secret": creds["client_secret"],
        "username": creds["username"],
        "password": creds["password"],
        "scope": "api",
    }
    answer = await client.post(
        "/docebo/oauth2/token", files={k: (None, v) for k, v in fields.items()}
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600 and body["scope"] == "api"
    assert len(body["access_token"]) == 40


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({}, 400, "invalid_request"),
        ({"grant_type": "authorization_code"}, 400, "unsupported_grant_type"),
        (
            {"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"},
            401,
            "invalid_client",
        ),
        (
            {"grant_type": "password", "username": "admin", "password": "wrong"},
            400,
            "invalid_grant",
        ),
        ({"grant_type": "refresh_token", "refresh_token": "forged"}, 400, "invalid_grant"),
        ({"grant_type": "client_credentials", "scope": "everything"}, 400, "invalid_scope"),
    ],
)
async def test_token_errors_follow_rfc6749(
    client: httpx.AsyncClient, creds: dict[str, str], form: dict[str, str], status: int, error: str
) -> None:
    if form.get("client_id") is None and form:
        form = {"client_id": creds["client_id"], "client_secret": creds["client_secret"], **form}
    answer = await client.post("/docebo/oauth2/token", data=form)
    assert answer.status_code == status
    assert answer.json()["error"] == error
    assert answer.json()["error_description"]


async def test_refresh_token_is_single_use(
    client: httpx.AsyncClient, creds: dict[str, str]
) -> None:
    base = {"client_id": creds["client_id"], "client_secret": creds["client_secret"]}
    first = (
        await client.post(
            "/docebo/oauth2/token",
            data={
                **base,
                "grant_type": "password",
                "username": creds["username"],
                "password": creds["password"],
            },
        )
    ).json()
    refresh = {**base, "grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    assert (await client.post("/docebo/oauth2/token", data=refresh)).status_code == 200
    assert (await client.post("/docebo/oauth2/token", data=refresh)).status_code == 400


def docebo_routes(app: Starlette) -> list[tuple[str, str]]:
    (mount,) = [r for r in app.routes if isinstance(r, Mount) and r.path == "/docebo"]
    found = []
    for route in mount.routes:
        assert isinstance(route, Route)
        path = route.path.replace("{course_id}", "1").replace("{user_id}", "10001")
        for method in sorted((route.methods or set()) - {"HEAD"}):
            if path != "/oauth2/token":
                found.append((method, "/docebo" + path))
    return found


@pytest.mark.parametrize("authorization", [None, "Bearer nope", "Basic YWRtaW46YWRtaW4=", "Bearer"])
async def test_every_route_refuses_missing_or_wrong_token(
    sandbox_app: Starlette, client: httpx.AsyncClient, authorization: str | None
) -> None:
    routes = docebo_routes(sandbox_app)
    assert len(routes) >= 10
    headers = {"Authorization": authorization} if authorization else {}
    for method, path in routes:
        answer = await client.request(method, path, headers=headers)
        assert_docebo_error(answer, 401)
        assert answer.headers["www-authenticate"].startswith("Bearer")


async def test_expired_token_is_refused(sandbox_app: Starlette, api: httpx.AsyncClient) -> None:
    assert (await api.get("/docebo/manage/v1/user")).status_code == 200
    sandbox_of(sandbox_app).clock.advance(3601)
    body = assert_docebo_error(await api.get("/docebo/manage/v1/user"), 401)
    assert "expired" in body["message"]


# -- envelope and paging -----------------------------------------------------------------------


async def test_list_envelope_has_docebo_paging_keys(api: httpx.AsyncClient) -> None:
    answer = await api.get(ENROLLMENTS, params={"page": 2, "page_size": 50})
    assert answer.headers["x-docebo-api-version"] == "1.0.0"
    body = answer.json()
    assert set(body) == {"data", "version", "_links"}
    data = body["data"]
    assert data["current_page"] == 2 and data["current_page_size"] == 50
    assert data["count"] == len(data["items"]) == 50
    assert data["total_page_count"] == -(-data["total_count"] // 50)
    assert data["has_more_data"] is True
    assert "page=3" in body["_links"]["next"]["href"]


async def test_default_page_size_is_20_and_cap_is_200(api: httpx.AsyncClient) -> None:
    default = (await api.get(ENROLLMENTS)).json()["data"]
    capped = (await api.get(ENROLLMENTS, params={"page_size": 5000})).json()["data"]
    assert (default["count"], capped["count"], capped["current_page_size"]) == (20, 200, 200)


async def test_last_page_has_no_more_data(api: httpx.AsyncClient) -> None:
    total = (await api.get(ENROLLMENTS, params={"page_size": 1})).json()["data"]["total_count"]
    last = (await api.get(ENROLLMENTS, params={"page_size": 200, "page": -(-total // 200)})).json()
    assert last["data"]["has_more_data"] is False
    assert last["data"]["count"] == total - 200 * (-(-total // 200) - 1)
    assert "next" not in last["_links"]
    beyond = await api.get(ENROLLMENTS, params={"page_size": 200, "page": 10_000})
    assert beyond.json()["data"]["items"] == []


@pytest.mark.parametrize(
    ("name", "value"),
    [("page", "0"), ("page", "-1"), ("page", "two"), ("page_size", "0"), ("page_size", "x")],
)
async def test_bad_paging_parameter_is_400(api: httpx.AsyncClient, name: str, value: str) -> None:
    body = assert_docebo_error(await api.get(ENROLLMENTS, params={name: value}), 400)
    assert name in body["message"]


async def test_cursor_pages_match_page_numbers(api: httpx.AsyncClient) -> None:
    by_page = [
        item
        for page in range(1, 4)
        for item in (await api.get(ENROLLMENTS, params={"page": page, "page_size": 100})).json()[
            "data"
        ]["items"]
    ]
    by_cursor: list[dict[str, Any]] = []
    params: dict[str, Any] = {"page_size": 100, "get_cursor": 1}
    for _ in range(3):
        data = (await api.get(ENROLLMENTS, params=params)).json()["data"]
        by_cursor += data["items"]
        params = {"page_size": 100, "cursor": data["cursor"]}
    assert by_cursor == by_page


async def test_forged_cursor_is_400(api: httpx.AsyncClient) -> None:
    body = assert_docebo_error(
        await api.get(ENROLLMENTS, params={"cursor": "bm90LWEtY3Vyc29y"}), 400
    )
    assert "cursor" in body["message"].lower()


async def test_cursor_from_other_filters_is_400(api: httpx.AsyncClient) -> None:
    data = (await api.get(ENROLLMENTS, params={"get_cursor": 1, "status": "completed"})).json()
    answer = await api.get(ENROLLMENTS, params={"cursor": data["data"]["cursor"]})
    assert_docebo_error(answer, 400)


# -- filters -----------------------------------------------------------------------------------


async def all_items(api: httpx.AsyncClient, path: str, params: list[tuple[str, Any]]) -> list[Any]:
    items: list[Any] = []
    page = 1
    while True:
        data = (await api.get(path, params=[*params, ("page", page), ("page_size", 200)])).json()
        items += data["data"]["items"]
        if not data["data"]["has_more_data"]:
            return items
        page += 1


@pytest.mark.parametrize(
    "params",
    [
        [("user_id[]", "{a}"), ("user_id[]", "{b}")],
        [("user_ids[]", "{a}"), ("user_ids[]", "{b}")],
        [("user_ids", "{a},{b}")],
        [("user_id", "{a}"), ("user_id", "{b}")],
    ],
    ids=["user_id[]", "user_ids[]", "csv", "repeated"],
)
async def test_user_filter_accepts_every_array_form(
    api: httpx.AsyncClient, params: list[tuple[str, str]]
) -> None:
    first = (await api.get(ENROLLMENTS, params={"page_size": 2})).json()["data"]["items"]
    a, b = first[0]["user_id"], first[1]["user_id"]
    query = [(k, v.format(a=a, b=b)) for k, v in params]
    items = await all_items(api, ENROLLMENTS, query)
    assert items and {item["user_id"] for item in items} <= {a, b}
    everyone = await all_items(api, ENROLLMENTS, [])
    assert len(items) == sum(1 for item in everyone if item["user_id"] in (a, b))


@pytest.mark.parametrize(
    "params",
    [
        [("course_id[]", "{a}"), ("course_id[]", "{b}")],
        [("course_ids[]", "{a}"), ("course_ids[]", "{b}")],
        [("course_ids", "{a},{b}")],
        [("course_id", "{a}"), ("course_id", "{b}")],
    ],
    ids=["course_id[]", "course_ids[]", "csv", "repeated"],
)
async def test_course_filter_accepts_every_array_form(
    api: httpx.AsyncClient, params: list[tuple[str, str]]
) -> None:
    everyone = await all_items(api, ENROLLMENTS, [])
    a = everyone[0]["course_id"]
    b = next(item["course_id"] for item in everyone if item["course_id"] != a)
    query = [(k, v.format(a=a, b=b)) for k, v in params]
    items = await all_items(api, ENROLLMENTS, query)
    assert {item["course_id"] for item in items} == {a, b}
    assert items == [item for item in everyone if item["course_id"] in (a, b)]


async def test_status_filter_accepts_not_started_alias(api: httpx.AsyncClient) -> None:
    items = await all_items(api, ENROLLMENTS, [("status", "not_started,completed")])
    assert {item["enrollment_status"] for item in items} == {"subscribed", "completed"}


async def test_unknown_status_is_400(api: httpx.AsyncClient) -> None:
    body = assert_docebo_error(await api.get(ENROLLMENTS, params={"status": "finished"}), 400)
    assert "finished" in body["message"]


async def test_non_numeric_id_filter_is_400(api: httpx.AsyncClient) -> None:
    assert_docebo_error(await api.get(ENROLLMENTS, params={"course_id[]": "abc"}), 400)


async def test_updated_from_filter(api: httpx.AsyncClient) -> None:
    since = "2026-06-01 00:00:00"
    items = await all_items(api, ENROLLMENTS, [("updated_from", since)])
    assert items and all(item["enrollment_date_last_updated"] >= since for item in items)
    assert_docebo_error(await api.get(ENROLLMENTS, params={"updated_from": "June"}), 400)


async def test_sort_descending_by_created_at(api: httpx.AsyncClient) -> None:
    params = [("sort_attr", "enrollment_created_at"), ("sort_dir", "desc")]
    items = await all_items(api, ENROLLMENTS, params)
    created = [item["enrollment_created_at"] for item in items]
    assert created == sorted(created, reverse=True)


async def test_users_search_and_sort(api: httpx.AsyncClient) -> None:
    users = await all_items(api, "/docebo/manage/v1/user", [("sort_attr", "username")])
    assert [u["username"] for u in users] == sorted(u["username"].lower() for u in users)
    assert all(isinstance(u["user_id"], str) for u in users)
    needle = users[5]["last_name"]
    found = await all_items(api, "/docebo/manage/v1/user", [("search_text", needle)])
    assert found and all(needle.lower() in str(u).lower() for u in found)


async def test_learner_view_id_is_the_course(api: httpx.AsyncClient) -> None:
    admin = (await api.get(ENROLLMENTS, params={"page_size": 1})).json()["data"]["items"][0]
    learner = (
        await api.get(
            "/docebo/learn/v1/enrollments",
            params={"id_user[]": admin["user_id"], "id_course[]": admin["course_id"]},
        )
    ).json()["data"]["items"]
    assert len(learner) == 1
    assert learner[0]["id"] == admin["course_id"]
    assert learner[0]["status"] == admin["enrollment_status"]


# -- enroll and unenroll -----------------------------------------------------------------------


async def free_pair(api: httpx.AsyncClient) -> tuple[int, int]:
    taken = {(i["user_id"], i["course_id"]) for i in await all_items(api, ENROLLMENTS, [])}
    users = await all_items(api, "/docebo/manage/v1/user", [])
    courses = await all_items(api, "/docebo/learn/v1/courses", [])
    return next(
        (int(u["user_id"]), c["id_course"])
        for u in users
        for c in courses
        if (int(u["user_id"]), c["id_course"]) not in taken
    )


async def test_enroll_answers_enrolled_list(api: httpx.AsyncClient) -> None:
    user_id, course_id = await free_pair(api)
    answer = await api.post(f"/docebo/learn/v1/enrollments/{course_id}/{user_id}", json={})
    assert answer.status_code == 200
    assert answer.json()["data"] == {
        "enrolled": [{"user_id": user_id, "course_id": course_id, "waiting": False}]
    }


async def test_singular_path_enrolls_and_unenrolls(api: httpx.AsyncClient) -> None:
    user_id, course_id = await free_pair(api)
    path = f"/docebo/learn/v1/enrollment/{course_id}/{user_id}"
    assert (await api.post(path, data={"level": "6"})).status_code == 200
    item = (await api.get(ENROLLMENTS, params={"user_id": user_id, "course_id": course_id})).json()
    assert item["data"]["items"][0]["enrollment_level"] == "instructor"
    deleted = await api.delete(path)
    assert isinstance(deleted.json()["data"]["deleted_enrollment"], int)
    assert_docebo_error(await api.delete(path), 404)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"{not json", "JSON"),
        (b"[1, 2]", "object"),
        (b'{"level": 5}', "level"),
        (b'{"level": true}', "level"),
        (b'{"date_expire_validity": "tomorrow"}', "date_expire_validity"),
        (b'{"date_expire_validity": "2026-02-30"}', "calendar"),
        (b'{"date_begin_validity": "2027-01-01", "date_expire_validity": "2026-01-01"}', "after"),
        (b'{"enrollment_fields": [1]}', "enrollment_fields"),
    ],
)
async def test_invalid_enroll_body_is_400_and_changes_nothing(
    api: httpx.AsyncClient, body: bytes, fragment: str
) -> None:
    user_id, course_id = await free_pair(api)
    before = (await api.get(ENROLLMENTS, params={"page_size": 1})).json()["data"]["total_count"]
    answer = await api.post(
        f"/docebo/learn/v1/enrollments/{course_id}/{user_id}",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert fragment in assert_docebo_error(answer, 400)["message"]
    after = (await api.get(ENROLLMENTS, params={"page_size": 1})).json()["data"]["total_count"]
    assert after == before


async def test_non_numeric_path_id_is_400(api: httpx.AsyncClient) -> None:
    assert_docebo_error(await api.post("/docebo/learn/v1/enrollments/abc/1", json={}), 400)


async def test_body_over_limit_is_413_in_docebo_format(api: httpx.AsyncClient) -> None:
    user_id, course_id = await free_pair(api)
    answer = await api.post(
        f"/docebo/learn/v1/enrollments/{course_id}/{user_id}",
        content=b'{"x": "' + b"a" * (2 << 20) + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert_docebo_error(answer, 413)


async def test_unknown_route_and_method_in_docebo_format(api: httpx.AsyncClient) -> None:
    assert_docebo_error(await api.get("/docebo/learn/v9/nothing"), 404)
    assert_docebo_error(await api.put(ENROLLMENTS), 405)


async def test_reset_restores_seeded_state(api: httpx.AsyncClient) -> None:
    before = await all_items(api, ENROLLMENTS, [])
    user_id, course_id = await free_pair(api)
    await api.post(f"/docebo/learn/v1/enrollments/{course_id}/{user_id}", json={})
    await api.delete(
        f"/docebo/learn/v1/enrollments/{before[0]['course_id']}/{before[0]['user_id']}"
    )
    reset = await api.post("/_sandbox/reset")
    assert reset.status_code == 200
    assert await all_items(api, ENROLLMENTS, []) == before
