"""The Kombo emulation on the wire, in process: auth, paging, filters, actions, limits, events."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount, Route

from sandbox.app import SandboxConfig, create_app, sandbox_credentials, sandbox_of
from sandbox.seeding import build_world, drift_world
from sandbox.vendors.kombo import KomboBackend
from sandbox.vendors.kombo.render import STATE_STATUS, timestamp
from tests.conftest import IN_PROCESS_URL, in_process_client

BASE = "/kombo/v1"
USERS = "/lms/users"
COURSES = "/lms/courses"
SKILLS = "/lms/skills"
PROGRESSIONS = "/lms/course-progressions"
LISTS = (USERS, COURSES, SKILLS, PROGRESSIONS)
KOMBO_ID = re.compile(r"^[1-9A-HJ-NP-Za-km-z]{24}$")


class Kombo:
    """The in-process client with Kombo's headers, and the backend behind it."""

    def __init__(self, app: Starlette, client: httpx.AsyncClient) -> None:
        self.creds = sandbox_credentials(app, IN_PROCESS_URL)["kombo"]
        self.app = app
        self.client = client
        self.headers = {
            "Authorization": f"Bearer {self.creds['api_key']}",
            "X-Integration-Id": self.creds["integration_id"],
        }
        backend = sandbox_of(app).vendors["kombo"]
        assert isinstance(backend, KomboBackend)
        self.backend = backend

    async def get(self, path: str, **params: str) -> httpx.Response:
        return await self.client.get(BASE + path, params=params, headers=self.headers)

    async def post(self, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        return await self.client.post(BASE + path, json=body, headers=self.headers, **kwargs)

    async def results(self, path: str, **params: str) -> list[dict[str, Any]]:
        answer = await self.get(path, **params)
        assert answer.status_code == 200, answer.text
        found: list[dict[str, Any]] = answer.json()["data"]["results"]
        return found

    async def every(
        self, path: str, page_size: int = 250, cursor: str = "", **params: str
    ) -> list[dict[str, Any]]:
        """Every record of a list (after ``cursor``, when given), following ``next``."""
        found: list[dict[str, Any]] = []
        while True:
            extra = {"cursor": cursor} if cursor else {}
            answer = await self.get(path, page_size=str(page_size), **params, **extra)
            assert answer.status_code == 200, answer.text
            data = answer.json()["data"]
            found.extend(data["results"])
            if data["next"] is None:
                return found
            cursor = data["next"]

    async def events(self) -> list[dict[str, Any]]:
        answer = await self.client.get("/_sandbox/events", params={"vendor": "kombo"})
        events: list[dict[str, Any]] = answer.json()["events"]
        return events

    def revision(self, revision_id: str) -> dict[str, Any]:
        course_doc, position = self.backend.revisions[revision_id]
        revision: dict[str, Any] = self.backend.courses.docs[course_doc]["item"]["revisions"][
            position
        ]
        return revision

    async def active_revision(self) -> dict[str, Any]:
        for course in await self.results(COURSES, page_size="250"):
            for revision in course["revisions"]:
                if revision["status"] == "ACTIVE":
                    return dict(revision)
        raise AssertionError("no active revision")

    async def fresh_pair(self, revision: dict[str, Any] | None = None) -> tuple[str, str]:
        """An active (user id, revision id) pair with no progression yet."""
        revision = revision or await self.active_revision()
        busy = {
            p["user_id"]
            for p in await self.every(PROGRESSIONS, include_deleted="true")
            if p["course_revision_id"] == revision["id"]
        }
        users = await self.results(USERS, page_size="250")
        user = next(u["id"] for u in users if u["id"] not in busy)
        return user, revision["id"]

    async def enroll(self, user_id: str, revision_id: str) -> httpx.Response:
        return await self.post(
            PROGRESSIONS, {"user_id": user_id, "course_revision_id": revision_id}
        )

    def advance_past_seed(self) -> None:
        """Move the clock a day past every seeded date (whatever the machine's date)."""
        sandbox = sandbox_of(self.app)
        reference = sandbox.scenario.reference_date.timestamp()
        sandbox.clock.advance(max(0.0, reference - sandbox.clock.time()) + 86_400)


@pytest.fixture
async def kombo(sandbox_app: Starlette) -> AsyncIterator[Kombo]:
    async with in_process_client(sandbox_app) as client:
        yield Kombo(sandbox_app, client)


def assert_kombo_error(response: httpx.Response, status: int, code: str) -> str:
    """The answer is Kombo's error envelope with ``code``; returns the message."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"status", "error"} and body["status"] == "error"
    error = body["error"]
    assert set(error) == {"code", "title", "message", "log_url"}
    assert error["code"] == code
    assert error["message"] and error["title"]
    assert "Traceback" not in response.text
    message: str = error["message"]
    return message


def course_item(origin_id: str, **course: Any) -> dict[str, Any]:
    return {
        "origin_id": origin_id,
        "course": {
            "type": "EXTERNAL",
            "title": f"Course {origin_id}",
            "course_url": f"https://content.example.com/{origin_id}",
            **course,
        },
    }


# -- routes and authentication ---------------------------------------------------------------------


def kombo_routes(app: Starlette) -> list[tuple[str, str]]:
    (mount,) = [r for r in app.routes if isinstance(r, Mount) and r.path == BASE]
    found = []
    for route in mount.routes:
        assert isinstance(route, Route)
        path = re.sub(r"\{[^}]+\}", "x", route.path)
        for method in sorted((route.methods or set()) - {"HEAD"}):
            found.append((method, BASE + path))
    return found


@pytest.mark.parametrize("authorization", [None, "Bearer nope", "Basic YWRtaW46YWRtaW4=", "Bearer"])
async def test_every_route_bad_api_key_is_authentication_invalid(
    sandbox_app: Starlette, kombo: Kombo, authorization: str | None
) -> None:
    routes = kombo_routes(sandbox_app)
    assert len(routes) == 9
    headers = {"X-Integration-Id": kombo.creds["integration_id"]}
    if authorization:
        headers["Authorization"] = authorization
    for method, path in routes:
        answer = await kombo.client.request(method, path, headers=headers)
        assert_kombo_error(answer, 401, "PLATFORM.AUTHENTICATION_INVALID")
        assert answer.headers["www-authenticate"] == "Bearer"


async def test_every_route_missing_integration_id_is_input_invalid(
    sandbox_app: Starlette, kombo: Kombo
) -> None:
    headers = {"Authorization": kombo.headers["Authorization"]}
    for method, path in kombo_routes(sandbox_app):
        answer = await kombo.client.request(method, path, headers=headers)
        message = assert_kombo_error(answer, 400, "PLATFORM.INPUT_INVALID")
        assert "X-Integration-Id" in message


async def test_every_route_unknown_integration_is_integration_not_found(
    sandbox_app: Starlette, kombo: Kombo
) -> None:
    headers = {**kombo.headers, "X-Integration-Id": "sandbox:HWUTwvyx2wLoSUHphiWVrp28"}
    for method, path in kombo_routes(sandbox_app):
        answer = await kombo.client.request(method, path, headers=headers)
        assert_kombo_error(answer, 404, "PLATFORM.INTEGRATION_NOT_FOUND")


async def test_credentials_name_the_kombo_base_url_and_a_sandbox_integration(
    kombo: Kombo,
) -> None:
    assert kombo.creds["base_url"] == f"{IN_PROCESS_URL}/kombo/v1"
    tool, _, identifier = kombo.creds["integration_id"].partition(":")
    assert tool == "sandbox" and KOMBO_ID.match(identifier)
    assert kombo.creds["api_key"]


async def test_get_users_lowercase_bearer_scheme_ok(kombo: Kombo) -> None:
    headers = {**kombo.headers, "Authorization": f"bearer {kombo.creds['api_key']}"}
    assert (await kombo.client.get(BASE + USERS, headers=headers)).status_code == 200


async def test_unknown_route_and_wrong_method_have_kombo_envelope(kombo: Kombo) -> None:
    missing = await kombo.client.get(BASE + "/lms/nothing", headers=kombo.headers)
    wrong = await kombo.client.delete(BASE + USERS, headers=kombo.headers)
    assert_kombo_error(missing, 404, "PLATFORM.INPUT_INVALID")
    assert_kombo_error(wrong, 405, "PLATFORM.INPUT_INVALID")


# -- paging ----------------------------------------------------------------------------------------


async def test_get_users_default_page_size_is_100(kombo: Kombo) -> None:
    answer = await kombo.get(USERS)
    body = answer.json()
    assert set(body) == {"status", "data"} and body["status"] == "success"
    assert len(body["data"]["results"]) == 100
    assert isinstance(body["data"]["next"], str)


async def test_get_course_progressions_max_page_size_is_250(kombo: Kombo) -> None:
    assert len(await kombo.results(PROGRESSIONS, page_size="250")) == 250


@pytest.mark.parametrize("size", ["0", "251", "-1", "ten", "2.5", ""])
async def test_get_users_invalid_page_size_is_input_invalid(kombo: Kombo, size: str) -> None:
    message = assert_kombo_error(
        await kombo.get(USERS, page_size=size), 400, "PLATFORM.INPUT_INVALID"
    )
    assert "page_size" in message


@pytest.mark.parametrize("path", LISTS)
async def test_list_cursor_round_trip_equals_full_list(kombo: Kombo, path: str) -> None:
    whole = await kombo.every(path, page_size=250)
    paged = await kombo.every(path, page_size=7 if path != PROGRESSIONS else 97)
    assert [r["id"] for r in paged] == [r["id"] for r in whole]
    assert len({r["id"] for r in whole}) == len(whole)
    assert all(KOMBO_ID.match(r["id"]) for r in whole)


async def test_get_skills_last_page_next_is_null(kombo: Kombo) -> None:
    answer = await kombo.get(SKILLS, page_size="250")
    assert answer.json()["data"]["next"] is None


async def test_get_course_progressions_cursor_stable_while_records_added(kombo: Kombo) -> None:
    before = await kombo.every(PROGRESSIONS)
    first = (await kombo.get(PROGRESSIONS, page_size="100")).json()["data"]
    user, revision = await kombo.fresh_pair()
    created = (await kombo.enroll(user, revision)).json()["data"]
    seen = [r["id"] for r in first["results"]]
    cursor = first["next"]
    while cursor:
        data = (await kombo.get(PROGRESSIONS, page_size="100", cursor=cursor)).json()["data"]
        seen.extend(r["id"] for r in data["results"])
        cursor = data["next"]
    assert seen == [r["id"] for r in before] + [created["id"]]


async def test_get_course_progressions_cursor_stable_while_records_change(kombo: Kombo) -> None:
    before = await kombo.every(PROGRESSIONS)
    first = (await kombo.get(PROGRESSIONS, page_size="100")).json()["data"]
    open_ones = [n for n, p in enumerate(before) if p["status"] in ("ENROLLED", "IN_PROGRESS")]
    seen_one = before[next(n for n in open_ones if n < 100)]["id"]
    later_one = before[next(n for n in open_ones if n >= 200)]["id"]
    kombo.advance_past_seed()
    for progression_id in (seen_one, later_one):
        done = await kombo.post(f"{PROGRESSIONS}/{progression_id}/complete", {"score": 80})
        assert done.json()["data"]["status"] == "COMPLETED"
    pages = [first["results"]]
    cursor = first["next"]
    while cursor:
        data = (await kombo.get(PROGRESSIONS, page_size="100", cursor=cursor)).json()["data"]
        pages.append(data["results"])
        cursor = data["next"]
    listed = {r["id"]: r for page in pages for r in page}
    assert [r["id"] for page in pages for r in page] == [r["id"] for r in before]
    assert listed[seen_one]["status"] != "COMPLETED"  # as it was when its page was read
    assert listed[later_one]["status"] == "COMPLETED"


async def test_get_courses_cursor_stable_while_records_change(kombo: Kombo) -> None:
    before = await kombo.every(COURSES)
    first = (await kombo.get(COURSES, page_size="5")).json()["data"]
    seen_one, later_one = before[1]["id"], before[-2]["id"]
    kombo.advance_past_seed()
    for course_id in (seen_one, later_one):
        assert (await kombo.post(f"{COURSES}/{course_id}/deactivate", {})).status_code == 200
    listed = await kombo.every(COURSES, page_size=5, cursor=first["next"])
    assert [r["id"] for r in first["results"] + listed] == [r["id"] for r in before]
    changed = next(r for r in listed if r["id"] == later_one)
    assert {rev["status"] for rev in changed["revisions"]} == {"INACTIVE"}


async def test_get_course_progressions_updated_after_cursor_sees_records_that_change(
    kombo: Kombo,
) -> None:
    kombo.advance_past_seed()
    since = kombo.backend.now()
    progressions = await kombo.every(PROGRESSIONS)
    open_ones = [p["id"] for p in progressions if p["status"] in ("ENROLLED", "IN_PROGRESS")]
    earliest, early, middle, late = open_ones[0], open_ones[1], open_ones[10], open_ones[-1]
    for progression_id in (early, middle):
        await kombo.post(f"{PROGRESSIONS}/{progression_id}/complete", {})
    first = (await kombo.get(PROGRESSIONS, page_size="1", updated_after=since)).json()["data"]
    assert [r["id"] for r in first["results"]] == [early]
    for progression_id in (earliest, late):  # now changed too: one before the cursor, one after
        await kombo.post(f"{PROGRESSIONS}/{progression_id}/complete", {})
    rest = await kombo.every(PROGRESSIONS, page_size=1, updated_after=since, cursor=first["next"])
    assert [r["id"] for r in rest] == [middle, late]

    real = (await kombo.get(USERS, page_size="5")).json()["data"]["next"]
    for forged in ("nope", real[:-2] + ("AA" if real[-2:] != "AA" else "BB"), "eyJwYWdlIjoxMn0="):
        message = assert_kombo_error(
            await kombo.get(USERS, cursor=forged), 400, "PLATFORM.INPUT_INVALID"
        )
        assert "cursor" in message


async def test_get_users_cursor_of_other_filters_is_input_invalid(kombo: Kombo) -> None:
    cursor = (await kombo.get(USERS, page_size="5")).json()["data"]["next"]
    other_filters = await kombo.get(USERS, cursor=cursor, include_deleted="true")
    other_list = await kombo.get(COURSES, cursor=cursor)
    assert_kombo_error(other_filters, 400, "PLATFORM.INPUT_INVALID")
    assert_kombo_error(other_list, 400, "PLATFORM.INPUT_INVALID")


async def test_get_users_page_size_may_change_between_pages(kombo: Kombo) -> None:
    first = (await kombo.get(USERS, page_size="5")).json()["data"]
    second = await kombo.results(USERS, page_size="10", cursor=first["next"])
    whole = await kombo.results(USERS, page_size="15")
    assert [r["id"] for r in first["results"] + second] == [r["id"] for r in whole]


# -- filters ---------------------------------------------------------------------------------------


async def test_get_users_ids_filter_any_of(kombo: Kombo) -> None:
    users = await kombo.results(USERS, page_size="5")
    wanted = [users[3]["id"], users[1]["id"], "unknown"]
    found = await kombo.results(USERS, ids=",".join(wanted))
    assert [u["id"] for u in found] == [users[1]["id"], users[3]["id"]]


async def test_get_users_remote_ids_and_ids_combine_with_and(kombo: Kombo) -> None:
    users = await kombo.results(USERS, page_size="3")
    both = await kombo.results(USERS, ids=users[0]["id"], remote_ids=users[0]["remote_id"])
    crossed = await kombo.results(USERS, ids=users[0]["id"], remote_ids=users[1]["remote_id"])
    assert [u["id"] for u in both] == [users[0]["id"]] and crossed == []


async def test_get_users_work_emails_filter_is_case_insensitive(kombo: Kombo) -> None:
    users = await kombo.results(USERS, page_size="2")
    emails = f"{users[0]['work_email'].upper()}, {users[1]['work_email']}"
    found = await kombo.results(USERS, work_emails=emails)
    assert [u["id"] for u in found] == [users[0]["id"], users[1]["id"]]


async def test_get_skills_remote_ids_filter(kombo: Kombo) -> None:
    found = await kombo.results(SKILLS, remote_ids="skill-2,skill-1")
    assert [s["remote_id"] for s in found] == ["skill-1", "skill-2"]


async def test_get_courses_remote_ids_filter(kombo: Kombo) -> None:
    found = await kombo.results(COURSES, remote_ids="3,1")
    assert [c["remote_id"] for c in found] == ["1", "3"]


async def test_get_course_progressions_user_ids_filter(kombo: Kombo) -> None:
    every = await kombo.every(PROGRESSIONS)
    user = every[0]["user_id"]
    found = await kombo.every(PROGRESSIONS, user_ids=user)
    assert found == [p for p in every if p["user_id"] == user]
    assert found


async def test_get_course_progressions_course_ids_filter(kombo: Kombo) -> None:
    every = await kombo.every(PROGRESSIONS)
    course = every[0]["course_revision"]["course"]["id"]
    found = await kombo.every(PROGRESSIONS, course_ids=f"{course},unknown")
    assert found == [p for p in every if p["course_revision"]["course"]["id"] == course]
    assert found


async def test_get_course_progressions_user_and_course_filters_combine(kombo: Kombo) -> None:
    first = (await kombo.results(PROGRESSIONS, page_size="1"))[0]
    course = first["course_revision"]["course"]["id"]
    found = await kombo.results(PROGRESSIONS, user_ids=first["user_id"], course_ids=course)
    assert first["id"] in [p["id"] for p in found]
    assert all(p["user_id"] == first["user_id"] for p in found)


@pytest.mark.parametrize(
    ("path", "param"),
    [
        (COURSES, "work_emails"),
        (SKILLS, "user_ids"),
        (USERS, "course_ids"),
        (PROGRESSIONS, "work_emails"),
        (USERS, "page"),
    ],
)
async def test_list_filter_of_other_endpoint_is_input_invalid(
    kombo: Kombo, path: str, param: str
) -> None:
    message = assert_kombo_error(
        await kombo.get(path, **{param: "x"}), 400, "PLATFORM.INPUT_INVALID"
    )
    assert param in message


async def test_get_users_repeated_parameter_is_input_invalid(kombo: Kombo) -> None:
    answer = await kombo.client.get(BASE + USERS + "?ids=a&ids=b", headers=kombo.headers)
    assert "ids" in assert_kombo_error(answer, 400, "PLATFORM.INPUT_INVALID")


@pytest.mark.parametrize("value", ["true", "false"])
async def test_get_users_ignore_unsupported_filters_accepted(kombo: Kombo, value: str) -> None:
    found = await kombo.results(USERS, ignore_unsupported_filters=value, page_size="3")
    assert len(found) == 3


@pytest.mark.parametrize("name", ["include_deleted", "ignore_unsupported_filters"])
@pytest.mark.parametrize("value", ["1", "yes", "TRUE", ""])
async def test_get_courses_boolean_parameter_not_true_or_false_is_input_invalid(
    kombo: Kombo, name: str, value: str
) -> None:
    message = assert_kombo_error(
        await kombo.get(COURSES, **{name: value}), 400, "PLATFORM.INPUT_INVALID"
    )
    assert name in message


@pytest.mark.parametrize("path", LISTS)
async def test_list_include_deleted_shows_remotely_deleted_records(kombo: Kombo, path: str) -> None:
    live = await kombo.every(path)
    every = await kombo.every(path, include_deleted="true")
    deleted = [r for r in every if r["remote_deleted_at"] is not None]
    assert deleted, "the seed deletes a few records of every kind"
    assert all(r["remote_deleted_at"] is None for r in live)
    assert len(every) == len(live) + len(deleted)
    assert await kombo.every(path, include_deleted="false") == live


async def test_get_course_progressions_deleted_user_hides_progressions(kombo: Kombo) -> None:
    gone = {
        u["id"] for u in await kombo.every(USERS, include_deleted="true") if u["remote_deleted_at"]
    }
    every = await kombo.every(PROGRESSIONS, include_deleted="true")
    theirs = [p for p in every if p["user_id"] in gone]
    assert theirs and all(p["remote_deleted_at"] for p in theirs)


@pytest.mark.parametrize(
    "value",
    ["2026-13-01", "yesterday", "2026-01-01T10:00", "2026-01-01 10:00:00", "2026-02-30T00:00:00Z"],
)
async def test_get_skills_malformed_updated_after_is_input_invalid(
    kombo: Kombo, value: str
) -> None:
    message = assert_kombo_error(
        await kombo.get(SKILLS, updated_after=value), 400, "PLATFORM.INPUT_INVALID"
    )
    assert "updated_after" in message


@pytest.mark.parametrize("path", LISTS)
async def test_list_updated_after_keeps_records_changed_since(kombo: Kombo, path: str) -> None:
    every = await kombo.every(path, include_deleted="true")
    stamps = sorted({r["changed_at"] for r in every})
    since = stamps[len(stamps) // 2]
    found = await kombo.every(path, include_deleted="true", updated_after=since)
    if path == COURSES:
        expected = [
            c["id"]
            for c in every
            if max([c["changed_at"], *(r["changed_at"] for r in c["revisions"])]) >= since
        ]
    else:
        expected = [r["id"] for r in every if r["changed_at"] >= since]
    assert [r["id"] for r in found] == expected and 0 < len(found) < len(every)


async def test_get_users_updated_after_date_only_means_midnight_utc(kombo: Kombo) -> None:
    every = await kombo.every(USERS)
    day = sorted(u["changed_at"] for u in every)[len(every) // 2][:10]
    found = await kombo.every(USERS, updated_after=day)
    assert [u["id"] for u in found] == [
        u["id"] for u in every if u["changed_at"] >= f"{day}T00:00:00.000Z"
    ]


async def test_get_courses_updated_after_sees_deactivated_revisions(kombo: Kombo) -> None:
    kombo.advance_past_seed()
    since = timestamp(sandbox_of(kombo.app).clock.now())
    assert await kombo.results(COURSES, updated_after=since) == []
    course = (await kombo.results(COURSES, page_size="1"))[0]
    await kombo.post(f"{COURSES}/{course['id']}/deactivate", {})
    found = await kombo.results(COURSES, updated_after=since)
    assert [c["id"] for c in found] == [course["id"]]
    assert found[0]["changed_at"] == course["changed_at"]  # the course's own fields did not change
    assert all(r["changed_at"] >= since for r in found[0]["revisions"])


async def test_get_course_progressions_updated_after_sees_completion(kombo: Kombo) -> None:
    kombo.advance_past_seed()
    since = timestamp(sandbox_of(kombo.app).clock.now())
    progression = (await kombo.results(PROGRESSIONS, page_size="1"))[0]
    assert await kombo.results(PROGRESSIONS, updated_after=since) == []
    await kombo.post(f"{PROGRESSIONS}/{progression['id']}/complete", {})
    found = await kombo.results(PROGRESSIONS, updated_after=since)
    assert [p["id"] for p in found] == [progression["id"]]


# -- the seeded tenant -----------------------------------------------------------------------------


async def test_seed_same_seed_same_ids() -> None:
    firsts = []
    for _ in range(2):
        app = create_app(SandboxConfig(memory=True))
        async with in_process_client(app) as client:
            kombo = Kombo(app, client)
            firsts.append(
                [
                    (await kombo.results(path, page_size="3", include_deleted="true"))
                    for path in LISTS
                ]
            )
    assert firsts[0] == firsts[1]


async def test_seed_progression_statuses_follow_world_states(kombo: Kombo) -> None:
    # the world Kombo's tenant holds: the scenario's, with its drift
    world = drift_world(build_world(sandbox_of(kombo.app).scenario), "kombo")
    every = await kombo.every(PROGRESSIONS, include_deleted="true")
    expected = Counter(STATE_STATUS[a.state] for a in world.assignments)
    assert Counter(p["status"] for p in every) == expected
    assert set(expected) == {"ENROLLED", "IN_PROGRESS", "COMPLETED", "DROPPED"}
    completed = [p for p in every if p["status"] == "COMPLETED"]
    assert all(p["completed_at"] for p in completed)
    assert not any(p["completed_at"] for p in every if p["status"] != "COMPLETED")


async def test_seed_courses_have_revisions_with_category_skills(kombo: Kombo) -> None:
    courses = await kombo.every(COURSES, include_deleted="true")
    skills = {s["id"] for s in await kombo.every(SKILLS)}
    assert all(c["revisions"] for c in courses)
    assert any(len(c["revisions"]) > 1 for c in courses)
    for course in courses:
        statuses = [r["status"] for r in course["revisions"]]
        assert statuses[-1] == "ACTIVE" and statuses.count("ACTIVE") == 1
        for revision in course["revisions"]:
            assert revision["course_id"] == course["id"]
            assert revision["skill_assignments"][0]["skill"]["id"] in skills


# -- enroll ----------------------------------------------------------------------------------------


async def test_post_course_progressions_enrolls_with_200(kombo: Kombo) -> None:
    kombo.advance_past_seed()
    user, revision = await kombo.fresh_pair()
    clock = sandbox_of(kombo.app).clock
    before = timestamp(clock.now())
    answer = await kombo.enroll(user, revision)
    after = timestamp(clock.now())
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "success" and body["warnings"] == []
    data = body["data"]
    assert (data["user_id"], data["course_revision_id"], data["status"]) == (
        user,
        revision,
        "ENROLLED",
    )
    assert data["enrolled_at"] == data["changed_at"] and data["completed_at"] is None
    assert before <= data["enrolled_at"] <= after
    assert data["user"]["id"] == user and data["course_revision"]["id"] == revision
    assert KOMBO_ID.match(data["id"])
    assert data in await kombo.results(PROGRESSIONS, ids=data["id"])


async def test_post_course_progressions_remote_ids_accepted(kombo: Kombo) -> None:
    user, revision = await kombo.fresh_pair()
    remote_user = (await kombo.results(USERS, ids=user))[0]["remote_id"]
    remote_revision = kombo.revision(revision)["remote_id"]
    answer = await kombo.enroll(f"remote:{remote_user}", f"remote:{remote_revision}")
    assert answer.status_code == 200
    data = answer.json()["data"]
    assert (data["user_id"], data["course_revision_id"]) == (user, revision)


async def test_post_course_progressions_already_enrolled_returns_existing(kombo: Kombo) -> None:
    existing = (await kombo.results(PROGRESSIONS, page_size="1"))[0]
    count = len(await kombo.every(PROGRESSIONS))
    answer = await kombo.enroll(existing["user_id"], existing["course_revision_id"])
    assert answer.status_code == 200
    body = answer.json()
    assert body["data"] == existing
    assert "already enrolled" in body["warnings"][0]["message"]
    assert len(await kombo.every(PROGRESSIONS)) == count
    assert await kombo.events() == []


async def test_post_course_progressions_already_enrolled_error_when_configured(
    kombo: Kombo,
) -> None:
    kombo.backend.duplicate_enrollment = "error"
    existing = (await kombo.results(PROGRESSIONS, page_size="1"))[0]
    answer = await kombo.enroll(existing["user_id"], existing["course_revision_id"])
    assert "already enrolled" in assert_kombo_error(answer, 400, "PLATFORM.INPUT_INVALID")


async def test_post_course_progressions_dropped_reenrolls(kombo: Kombo) -> None:
    dropped = next(p for p in await kombo.every(PROGRESSIONS) if p["status"] == "DROPPED")
    revision = kombo.revision(dropped["course_revision_id"])
    if revision["status"] != "ACTIVE":
        pytest.fail("the first dropped progression is in an inactive revision")
    answer = await kombo.enroll(dropped["user_id"], dropped["course_revision_id"])
    data = answer.json()["data"]
    assert (data["id"], data["status"], data["completed_at"]) == (dropped["id"], "ENROLLED", None)


async def test_post_course_progressions_inactive_revision_is_input_invalid(kombo: Kombo) -> None:
    course = next(c for c in await kombo.every(COURSES) if len(c["revisions"]) > 1)
    old = course["revisions"][0]
    assert old["status"] == "INACTIVE"
    user, _ = await kombo.fresh_pair(old)
    message = assert_kombo_error(await kombo.enroll(user, old["id"]), 400, "PLATFORM.INPUT_INVALID")
    assert "inactive" in message


async def test_post_course_progressions_deleted_user_is_input_invalid(kombo: Kombo) -> None:
    gone = next(
        u for u in await kombo.every(USERS, include_deleted="true") if u["remote_deleted_at"]
    )
    revision = await kombo.active_revision()
    message = assert_kombo_error(
        await kombo.enroll(gone["id"], revision["id"]), 400, "PLATFORM.INPUT_INVALID"
    )
    assert "user_id" in message


async def test_post_course_progressions_unknown_revision_is_input_invalid(kombo: Kombo) -> None:
    user = (await kombo.results(USERS, page_size="1"))[0]["id"]
    for ref in ("nope", "remote:nope"):
        message = assert_kombo_error(await kombo.enroll(user, ref), 400, "PLATFORM.INPUT_INVALID")
        assert "course_revision_id" in message


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"user_id": "a"},
        {"course_revision_id": "a"},
        {"user_id": 12, "course_revision_id": "a"},
        {"user_id": "a", "course_revision_id": None},
        [],
        "text",
    ],
)
async def test_post_course_progressions_invalid_body_leaves_state_unchanged(
    kombo: Kombo, body: Any
) -> None:
    version = kombo.backend.store.version
    assert_kombo_error(await kombo.post(PROGRESSIONS, body), 400, "PLATFORM.INPUT_INVALID")
    assert kombo.backend.store.version == version
    assert await kombo.events() == []


async def test_post_course_progressions_malformed_json_is_input_invalid(kombo: Kombo) -> None:
    answer = await kombo.client.post(
        BASE + PROGRESSIONS, content=b"{not json", headers=kombo.headers
    )
    assert "JSON" in assert_kombo_error(answer, 400, "PLATFORM.INPUT_INVALID")


# -- complete --------------------------------------------------------------------------------------


async def test_complete_course_progression_sets_status_date_and_score(kombo: Kombo) -> None:
    kombo.advance_past_seed()  # the dates below are in the past
    progression = next(p for p in await kombo.every(PROGRESSIONS) if p["status"] == "IN_PROGRESS")
    answer = await kombo.post(
        f"{PROGRESSIONS}/{progression['id']}/complete", {"completed_at": "2026-01-15", "score": 93}
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["warnings"] == []
    data = body["data"]
    assert (data["status"], data["completed_at"]) == ("COMPLETED", "2026-01-15T00:00:00.000Z")
    assert data["enrolled_at"] == progression["enrolled_at"]
    (doc_id,) = kombo.backend.progressions.lookup("id", progression["id"])
    assert kombo.backend.progressions.docs[doc_id]["score"] == 93


async def test_complete_course_progression_defaults_to_now(kombo: Kombo) -> None:
    progression = (await kombo.results(PROGRESSIONS, page_size="1"))[0]
    clock = sandbox_of(kombo.app).clock
    before = timestamp(clock.now())
    answer = await kombo.post(f"{PROGRESSIONS}/remote:{progression['remote_id']}/complete")
    after = timestamp(clock.now())
    data = answer.json()["data"]
    assert data["status"] == "COMPLETED" and data["completed_at"] == data["changed_at"]
    assert before <= data["completed_at"] <= after


async def test_complete_course_progression_timestamp_with_fraction(kombo: Kombo) -> None:
    kombo.advance_past_seed()  # the dates below are in the past
    progression = (await kombo.results(PROGRESSIONS, page_size="1"))[0]
    answer = await kombo.post(
        f"{PROGRESSIONS}/{progression['id']}/complete",
        {"completed_at": "2026-03-04T05:06:07.891234Z", "score": None},
    )
    assert answer.json()["data"]["completed_at"] == "2026-03-04T05:06:07.891Z"


@pytest.mark.parametrize("score", [0, 100, 42.0])
async def test_complete_course_progression_score_bounds_accepted(
    kombo: Kombo, score: float
) -> None:
    progression = (await kombo.results(PROGRESSIONS, page_size="1"))[0]
    answer = await kombo.post(f"{PROGRESSIONS}/{progression['id']}/complete", {"score": score})
    assert answer.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"score": -1},
        {"score": 101},
        {"score": 50.5},
        {"score": "90"},
        {"score": True},
        {"completed_at": "15.04.2024"},
        {"completed_at": "2024-02-30"},
        {"completed_at": 20240415},
        {"completed_at": "2999-01-01"},
    ],
)
async def test_complete_course_progression_invalid_body_leaves_state_unchanged(
    kombo: Kombo, body: dict[str, Any]
) -> None:
    progression = (await kombo.results(PROGRESSIONS, page_size="1"))[0]
    version = kombo.backend.store.version
    answer = await kombo.post(f"{PROGRESSIONS}/{progression['id']}/complete", body)
    assert_kombo_error(answer, 400, "PLATFORM.INPUT_INVALID")
    assert kombo.backend.store.version == version
    assert (await kombo.results(PROGRESSIONS, ids=progression["id"]))[0] == progression


async def test_complete_course_progression_unknown_is_404(kombo: Kombo) -> None:
    for ref in ("nope", "remote:nope"):
        answer = await kombo.post(f"{PROGRESSIONS}/{ref}/complete", {})
        assert ref in assert_kombo_error(answer, 404, "PLATFORM.INPUT_INVALID")


async def test_complete_course_progression_deleted_is_404(kombo: Kombo) -> None:
    gone = next(
        p for p in await kombo.every(PROGRESSIONS, include_deleted="true") if p["remote_deleted_at"]
    )
    answer = await kombo.post(f"{PROGRESSIONS}/{gone['id']}/complete", {})
    assert_kombo_error(answer, 404, "PLATFORM.INPUT_INVALID")


async def test_complete_course_progression_same_values_changes_nothing(kombo: Kombo) -> None:
    kombo.advance_past_seed()  # the dates below are in the past
    done = next(p for p in await kombo.every(PROGRESSIONS) if p["status"] == "COMPLETED")
    day = done["completed_at"]
    answer = await kombo.post(f"{PROGRESSIONS}/{done['id']}/complete", {"completed_at": day})
    assert answer.json()["data"]["changed_at"] == done["changed_at"]
    assert await kombo.events() == []


# -- deactivate ------------------------------------------------------------------------------------


async def test_deactivate_course_sets_every_revision_inactive(kombo: Kombo) -> None:
    course = (await kombo.results(COURSES, page_size="1"))[0]
    progressions = await kombo.every(PROGRESSIONS, course_ids=course["id"])
    answer = await kombo.post(f"{COURSES}/{course['id']}/deactivate", {})
    assert answer.status_code == 200
    body = answer.json()
    assert body["warnings"] == []
    assert {r["status"] for r in body["data"]["revisions"]} == {"INACTIVE"}
    assert (await kombo.results(COURSES, ids=course["id"]))[0] == body["data"]
    assert await kombo.every(PROGRESSIONS, course_ids=course["id"]) == progressions


async def test_deactivate_course_refuses_new_enrollments(kombo: Kombo) -> None:
    revision = await kombo.active_revision()
    user, _ = await kombo.fresh_pair(revision)
    await kombo.post(f"{COURSES}/{revision['course_id']}/deactivate")
    assert_kombo_error(await kombo.enroll(user, revision["id"]), 400, "PLATFORM.INPUT_INVALID")


async def test_deactivate_course_twice_changes_nothing_more(kombo: Kombo) -> None:
    course = (await kombo.results(COURSES, page_size="1"))[0]
    first = await kombo.post(f"{COURSES}/remote:{course['remote_id']}/deactivate", {})
    sandbox_of(kombo.app).clock.advance(60)
    second = await kombo.post(f"{COURSES}/{course['id']}/deactivate", {"ignored": True})
    assert first.json()["data"] == second.json()["data"]
    assert len(await kombo.events()) == 1


async def test_deactivate_course_unknown_or_deleted_is_404(kombo: Kombo) -> None:
    gone = next(
        c for c in await kombo.every(COURSES, include_deleted="true") if c["remote_deleted_at"]
    )
    for ref in ("nope", "remote:nope", gone["id"]):
        answer = await kombo.post(f"{COURSES}/{ref}/deactivate", {})
        assert_kombo_error(answer, 404, "PLATFORM.INPUT_INVALID")


async def test_deactivate_course_body_not_object_is_input_invalid(kombo: Kombo) -> None:
    course = (await kombo.results(COURSES, page_size="1"))[0]
    answer = await kombo.post(f"{COURSES}/{course['id']}/deactivate", [1])
    assert_kombo_error(answer, 400, "PLATFORM.INPUT_INVALID")
    assert (await kombo.results(COURSES, ids=course["id"]))[0] == course


# -- bulk upsert -----------------------------------------------------------------------------------


async def poll(kombo: Kombo, task_id: str) -> dict[str, Any]:
    answer = await kombo.get(f"{COURSES}/bulk/{task_id}")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"status", "data"}
    data: dict[str, Any] = body["data"]
    return data


async def submit(kombo: Kombo, *items: dict[str, Any]) -> str:
    answer = await kombo.post(f"{COURSES}/bulk", {"items": list(items)})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["warnings"] == []
    task_id: str = body["data"]["task_id"]
    return task_id


async def test_post_courses_bulk_task_pending_then_completed(kombo: Kombo) -> None:
    clock = sandbox_of(kombo.app).clock
    task_id = await submit(
        kombo,
        course_item("c-1", description="One", duration=45, languages=["en", "de-CH"]),
        course_item("c-2", thumbnail_url=None, duration=None, languages=None),
    )
    pending = await poll(kombo, task_id)
    assert pending["status"] == "PENDING" and pending["completed_at"] is None
    assert pending["task_id"] == task_id
    clock.advance(kombo.backend.bulk_task_seconds - 0.5)
    assert (await poll(kombo, task_id))["status"] == "PENDING"
    assert await kombo.results(COURSES, ids="x") == []
    clock.advance(0.5)
    done = await poll(kombo, task_id)
    assert done["status"] == "COMPLETED" and done["created_at"] == pending["created_at"]
    assert [(r["origin_id"], r["status"]) for r in done["data"]] == [
        ("c-1", "SUCCEEDED"),
        ("c-2", "SUCCEEDED"),
    ]
    ids = [r["data"]["id"] for r in done["data"]]
    courses = await kombo.results(COURSES, ids=",".join(ids))
    assert [(c["origin_id"], c["revisions"][0]["title"]) for c in courses] == [
        ("c-1", "Course c-1"),
        ("c-2", "Course c-2"),
    ]
    assert courses[0]["revisions"][0]["description"] == "One"
    assert courses[0]["provider"]["id"] == courses[0]["provider_id"]
    assert await poll(kombo, task_id) == done


async def test_post_courses_bulk_upsert_updates_by_origin_id(kombo: Kombo) -> None:
    clock = sandbox_of(kombo.app).clock
    first = await submit(kombo, course_item("c-1"))
    clock.advance(kombo.backend.bulk_task_seconds)
    course_id = (await poll(kombo, first))["data"][0]["data"]["id"]
    second = await submit(kombo, course_item("c-1", title="Renamed"))
    clock.advance(kombo.backend.bulk_task_seconds)
    assert (await poll(kombo, second))["data"][0]["data"]["id"] == course_id
    (course,) = await kombo.results(COURSES, ids=course_id)
    assert [r["title"] for r in course["revisions"]] == ["Renamed"]


async def test_post_courses_bulk_created_course_accepts_enrollments(kombo: Kombo) -> None:
    task_id = await submit(kombo, course_item("c-9"))
    sandbox_of(kombo.app).clock.advance(kombo.backend.bulk_task_seconds)
    course_id = (await poll(kombo, task_id))["data"][0]["data"]["id"]
    (course,) = await kombo.results(COURSES, ids=course_id)
    user = (await kombo.results(USERS, page_size="1"))[0]["id"]
    answer = await kombo.enroll(user, course["revisions"][0]["id"])
    assert answer.json()["data"]["course_revision"]["course"]["id"] == course_id


async def test_post_courses_bulk_item_that_cannot_be_upserted_fails_alone(kombo: Kombo) -> None:
    clock = sandbox_of(kombo.app).clock
    created = await submit(kombo, course_item("old"))
    clock.advance(kombo.backend.bulk_task_seconds)
    old_id = (await poll(kombo, created))["data"][0]["data"]["id"]
    await kombo.post(f"{COURSES}/{old_id}/deactivate", {})
    task_id = await submit(
        kombo,
        course_item("ok"),
        course_item("bad-url", course_url="content/bad-url"),
        course_item("old", title="Update of a deactivated course"),
    )
    clock.advance(kombo.backend.bulk_task_seconds)
    done = await poll(kombo, task_id)
    assert done["status"] == "COMPLETED"
    outcomes = {r["origin_id"]: r for r in done["data"]}
    assert outcomes["ok"]["status"] == "SUCCEEDED"
    assert outcomes["bad-url"]["status"] == "FAILED"
    assert outcomes["bad-url"]["error"]["code"] == "REMOTE.INPUT_INVALID"
    assert outcomes["old"]["error"]["code"] == "LMS.COURSE_UPDATE_NOT_SUPPORTED"
    assert [c["origin_id"] for c in await kombo.every(COURSES) if c["origin_id"]] == ["old", "ok"]


async def test_post_courses_bulk_repeated_origin_id_fails_task(kombo: Kombo) -> None:
    count = len(await kombo.every(COURSES))
    task_id = await submit(kombo, course_item("same"), course_item("same"))
    sandbox_of(kombo.app).clock.advance(kombo.backend.bulk_task_seconds)
    failed = await poll(kombo, task_id)
    assert failed["status"] == "FAILED" and "data" not in failed
    assert failed["error"]["code"] == "PLATFORM.INPUT_INVALID"
    assert "same" in failed["error"]["message"] and failed["completed_at"]
    assert len(await kombo.every(COURSES)) == count
    assert await kombo.events() == []


async def test_get_courses_bulk_task_unknown_is_404(kombo: Kombo) -> None:
    assert_kombo_error(await kombo.get(f"{COURSES}/bulk/nope"), 404, "PLATFORM.INPUT_INVALID")


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({}, "items"),
        ({"items": {}}, "items"),
        ({"items": [1]}, "items[0]"),
        ({"items": [{"course": {}}]}, "items[0].origin_id"),
        ({"items": [course_item("a", type="INTERNAL")]}, "items[0].course.type"),
        ({"items": [course_item("a", title=None)]}, "items[0].course.title"),
        ({"items": [course_item("a", duration=0)]}, "items[0].course.duration"),
        ({"items": [course_item("a", duration=1.5)]}, "items[0].course.duration"),
        (
            {"items": [course_item("a"), course_item("b", languages=["EN"])]},
            "items[1].course.languages[0]",
        ),
        ({"items": [course_item("a", languages="en")]}, "items[0].course.languages"),
        ({"items": [course_item("a", thumbnail_url=3)]}, "items[0].course.thumbnail_url"),
    ],
)
async def test_post_courses_bulk_invalid_body_creates_no_task(
    kombo: Kombo, body: dict[str, Any], where: str
) -> None:
    version = kombo.backend.store.version
    answer = await kombo.post(f"{COURSES}/bulk", body)
    assert where in assert_kombo_error(answer, 400, "PLATFORM.INPUT_INVALID")
    assert kombo.backend.store.version == version
    assert len(kombo.backend.tasks) == 0


# -- the concurrency limit -------------------------------------------------------------------------


async def test_post_action_sends_concurrency_remaining(kombo: Kombo) -> None:
    course = (await kombo.results(COURSES, page_size="1"))[0]
    answer = await kombo.post(f"{COURSES}/{course['id']}/deactivate", {})
    assert answer.headers["concurrency-remaining"] == str(kombo.backend.max_concurrent_actions - 1)
    refused = await kombo.post(f"{COURSES}/nope/deactivate", {})
    assert refused.headers["concurrency-remaining"] == str(kombo.backend.max_concurrent_actions - 1)
    assert "concurrency-remaining" not in (await kombo.get(USERS)).headers


async def test_post_course_progressions_over_concurrency_limit_is_429(kombo: Kombo) -> None:
    kombo.backend.max_concurrent_actions = 2
    user, revision = await kombo.fresh_pair()
    body = f'{{"user_id": "{user}", "course_revision_id": "{revision}"}}'.encode()
    started = [asyncio.Event(), asyncio.Event()]
    release = asyncio.Event()

    async def held(n: int) -> AsyncIterator[bytes]:
        yield body[:5]
        started[n].set()
        await release.wait()
        yield body[5:]

    in_flight = [
        asyncio.create_task(
            kombo.client.post(BASE + PROGRESSIONS, content=held(n), headers=kombo.headers)
        )
        for n in range(2)
    ]
    for event in started:
        await event.wait()
    refused = await kombo.enroll(user, revision)
    message = assert_kombo_error(refused, 429, "PLATFORM.CONCURRENCY_LIMIT_EXCEEDED")
    assert "2" in message and refused.headers["concurrency-remaining"] == "0"
    assert (await kombo.get(USERS)).status_code == 200  # reads are exempt
    release.set()
    answers = await asyncio.gather(*in_flight)
    assert [a.status_code for a in answers] == [200, 200]
    assert sorted(a.headers["concurrency-remaining"] for a in answers) == ["0", "1"]
    assert kombo.backend.in_flight == {}
    assert (await kombo.enroll(user, revision)).status_code == 200


async def test_post_course_progressions_31st_concurrent_action_is_429_at_default_limit(
    kombo: Kombo,
) -> None:
    limit = kombo.backend.max_concurrent_actions
    assert limit == 30  # Kombo's documented limit, left at its default
    integration = kombo.creds["integration_id"]
    user, revision = await kombo.fresh_pair()
    body = f'{{"user_id": "{user}", "course_revision_id": "{revision}"}}'.encode()
    started = [asyncio.Event() for _ in range(limit)]
    release = asyncio.Event()

    async def held(n: int) -> AsyncIterator[bytes]:
        """A body sent in two parts: the handler is inside its action when it asks for the
        second, and gets it only on ``release``."""
        yield body[:5]
        started[n].set()
        await release.wait()
        yield body[5:]

    in_flight = [
        asyncio.create_task(
            kombo.client.post(BASE + PROGRESSIONS, content=held(n), headers=kombo.headers)
        )
        for n in range(limit)
    ]
    try:
        async with asyncio.timeout(60):  # a guard only: every wait ends on an event
            await asyncio.gather(*(event.wait() for event in started))
        assert kombo.backend.in_flight == {integration: limit}
        refused = await kombo.enroll(user, revision)
        assert (await kombo.get(USERS)).status_code == 200  # reads are exempt
    finally:
        release.set()
        answers = await asyncio.gather(*in_flight)
    message = assert_kombo_error(refused, 429, "PLATFORM.CONCURRENCY_LIMIT_EXCEEDED")
    assert "30" in message and refused.headers["concurrency-remaining"] == "0"
    assert [a.status_code for a in answers] == [200] * limit
    remaining = sorted(int(a.headers["concurrency-remaining"]) for a in answers)
    assert remaining == list(range(limit))
    assert len({a.json()["data"]["id"] for a in answers}) == 1  # one progression, answered 30x
    assert kombo.backend.in_flight == {}
    assert (await kombo.enroll(user, revision)).status_code == 200


# -- webhook events --------------------------------------------------------------------------------


async def test_post_course_progressions_records_data_changed(kombo: Kombo) -> None:
    user, revision = await kombo.fresh_pair()
    await kombo.enroll(user, revision)
    (event,) = await kombo.events()
    assert event["event"] == "data-changed"
    body = event["body"]
    assert body["type"] == "data-changed" and KOMBO_ID.match(body["id"])
    assert body["data"] == {
        "integration_id": kombo.creds["integration_id"],
        "integration_tool": "sandbox",
        "integration_category": "LMS",
        "changed_models": [{"name": "lms_course_progressions"}],
    }


async def test_actions_record_data_changed_per_model(kombo: Kombo) -> None:
    progression = (await kombo.results(PROGRESSIONS, page_size="1"))[0]
    course = (await kombo.results(COURSES, page_size="1"))[0]
    await kombo.post(f"{PROGRESSIONS}/{progression['id']}/complete", {"score": 70})
    await kombo.post(f"{COURSES}/{course['id']}/deactivate", {})
    task_id = await submit(kombo, course_item("c-1"))
    assert len(await kombo.events()) == 2  # a task changes nothing before it runs
    sandbox_of(kombo.app).clock.advance(kombo.backend.bulk_task_seconds)
    await poll(kombo, task_id)
    models = [
        [m["name"] for m in e["body"]["data"]["changed_models"]] for e in await kombo.events()
    ]
    assert models == [
        ["lms_course_progressions"],
        ["lms_course_revisions"],
        ["lms_courses", "lms_course_revisions"],
    ]
    assert len({e["body"]["id"] for e in await kombo.events()}) == 3


async def test_reset_restores_seeded_kombo_state(kombo: Kombo) -> None:
    before = await kombo.every(PROGRESSIONS)
    user, revision = await kombo.fresh_pair()
    await kombo.enroll(user, revision)
    assert (await kombo.client.post("/_sandbox/reset")).status_code == 200
    assert await kombo.every(PROGRESSIONS) == before
    assert await kombo.events() == []
