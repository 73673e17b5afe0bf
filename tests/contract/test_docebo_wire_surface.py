"""The Docebo emulation's plans, sessions, batch calls and webhook events, on the wire."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from sandbox.app import sandbox_credentials
from tests.conftest import IN_PROCESS_URL, in_process_client
from tests.contract.test_docebo_wire import all_items, assert_docebo_error

ENROLLMENTS = "/docebo/course/v1/courses/enrollments"
LEARNER = "/docebo/learn/v1/enrollments"


@pytest.fixture
async def api(sandbox_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    creds = sandbox_credentials(sandbox_app, IN_PROCESS_URL)["docebo"]
    async with in_process_client(sandbox_app) as client:
        answer = await client.post(
            "/docebo/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": creds["client_id"],
                "client_secret": creds["client_secret"],
            },
        )
        client.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
        yield client


async def events(api: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    answer = await api.get("/_sandbox/events", params=params)
    assert answer.status_code == 200
    found: list[dict[str, Any]] = answer.json()["events"]
    return found


async def ilt_session(api: httpx.AsyncClient, *, full: bool) -> dict[str, Any]:
    for course in await all_items(api, "/docebo/learn/v1/courses", []):
        if course["course_type"] == "elearning":
            continue
        for session in await all_items(
            api, f"/docebo/course/v1/courses/{course['id_course']}/sessions", []
        ):
            if (session["enrolled_count"] >= session["max_enrollments"]) == full:
                found: dict[str, Any] = session
                return found
    raise AssertionError("no such session in the scenario")


async def outsider(api: httpx.AsyncClient, course_id: int) -> int:
    """A user with no enrollment in ``course_id``."""
    taken = {i["user_id"] for i in await all_items(api, ENROLLMENTS, [("course_id", course_id)])}
    users = await all_items(api, "/docebo/manage/v1/user", [])
    return next(int(u["user_id"]) for u in users if int(u["user_id"]) not in taken)


# -- sessions ----------------------------------------------------------------------------------


async def test_sessions_of_elearning_course_is_400(api: httpx.AsyncClient) -> None:
    courses = await all_items(api, "/docebo/learn/v1/courses", [])
    elearning = next(c for c in courses if c["course_type"] == "elearning")
    body = assert_docebo_error(
        await api.get(f"/docebo/course/v1/courses/{elearning['id_course']}/sessions"), 400
    )
    assert "does not have sessions" in body["message"]


async def test_session_has_events_inside_its_dates(api: httpx.AsyncClient) -> None:
    session = await ilt_session(api, full=False)
    assert session["dates"]
    assert session["date_begin"] <= session["date_end"]
    assert all(d["time_begin"] < d["time_end"] for d in session["dates"])
    assert (session["tool"] is None) != (session["location_name"] is None)


async def test_full_session_puts_learner_on_waiting_list(api: httpx.AsyncClient) -> None:
    session = await ilt_session(api, full=True)
    user_id = await outsider(api, session["course_id"])
    answer = await api.post(
        LEARNER,
        json={
            "user_ids": [user_id],
            "course_ids": [session["course_id"]],
            "session_id": session["id"],
        },
    )
    assert answer.json()["data"]["enrolled"] == [
        {
            "user_id": user_id,
            "course_id": session["course_id"],
            "session_id": session["id"],
            "waiting": 1,
        }
    ]
    detail = (await api.get(f"/docebo/course/v1/sessions/{session['id']}")).json()["data"]
    assert (detail["enrolled_count"], detail["waiting_count"]) == (
        session["enrolled_count"],
        session["waiting_count"] + 1,
    )
    item = (
        await api.get(ENROLLMENTS, params={"user_id": user_id, "course_id": session["course_id"]})
    ).json()
    assert item["data"]["items"][0]["enrollment_status"] == "waiting"


async def test_freed_seat_goes_to_first_waiting_user(api: httpx.AsyncClient) -> None:
    session = await ilt_session(api, full=True)
    waiting_user = await outsider(api, session["course_id"])
    await api.post(
        LEARNER,
        json={
            "user_ids": [waiting_user],
            "course_ids": [session["course_id"]],
            "session_id": session["id"],
        },
    )
    roster = await all_items(api, f"/docebo/course/v1/sessions/{session['id']}/enrollments", [])
    seated = next(e["user_id"] for e in roster if e["status"] == "subscribed")
    answer = await api.request(
        "DELETE",
        f"/docebo/course/v1/sessions/{session['id']}/enrollments",
        json={"user_ids": [seated]},
    )
    assert answer.json()["data"] == {"success": True}
    roster = await all_items(api, f"/docebo/course/v1/sessions/{session['id']}/enrollments", [])
    assert {e["user_id"]: e["status"] for e in roster}[waiting_user] == "subscribed"
    assert seated not in {e["user_id"] for e in roster}


async def test_session_unenroll_of_non_member_changes_nothing(api: httpx.AsyncClient) -> None:
    session = await ilt_session(api, full=False)
    roster = await all_items(api, f"/docebo/course/v1/sessions/{session['id']}/enrollments", [])
    member = roster[0]["user_id"]
    stranger = await outsider(api, session["course_id"])
    answer = await api.request(
        "DELETE",
        f"/docebo/course/v1/sessions/{session['id']}/enrollments",
        json={"user_ids": [member, stranger]},
    )
    assert_docebo_error(answer, 404)
    after = await all_items(api, f"/docebo/course/v1/sessions/{session['id']}/enrollments", [])
    assert after == roster


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({}, "required"),
        ({"user_ids": [10001]}, "required"),
        ({"user_ids": [10001], "course_ids": [1, 2], "session_id": 1}, "exactly one course"),
        ({"user_ids": ["abc"], "course_ids": [1]}, "whole number"),
        ({"user_ids": [10001], "course_ids": [1], "level": 5}, "level"),
    ],
)
async def test_batch_enroll_invalid_body_is_400(
    api: httpx.AsyncClient, body: dict[str, Any], fragment: str
) -> None:
    assert fragment in assert_docebo_error(await api.post(LEARNER, json=body), 400)["message"]


async def test_batch_enroll_reports_each_failing_pair(api: httpx.AsyncClient) -> None:
    existing = (await api.get(ENROLLMENTS, params={"page_size": 1})).json()["data"]["items"][0]
    free_user = await outsider(api, existing["course_id"])
    answer = await api.post(
        LEARNER,
        json={
            "user_ids": [existing["user_id"], free_user, 999],
            "course_ids": [existing["course_id"]],
        },
    )
    data = answer.json()["data"]
    assert [e["user_id"] for e in data["enrolled"]] == [free_user]
    assert len(data["errors"]) == 2
    assert any("already enrolled" in error for error in data["errors"])


async def test_course_at_capacity_enrolls_on_waiting_list(api: httpx.AsyncClient) -> None:
    courses = await all_items(api, "/docebo/learn/v1/courses", [])
    capped = next(c for c in courses if c["max_enrollments"] is not None)
    user_id = await outsider(api, capped["id_course"])
    answer = await api.post(
        f"/docebo/learn/v1/enrollments/{capped['id_course']}/{user_id}", json={}
    )
    assert answer.json()["data"]["enrolled"][0]["waiting"] is True


# -- RSVP --------------------------------------------------------------------------------------


async def test_rsvp_unknown_event_is_404(api: httpx.AsyncClient) -> None:
    answer = await api.put(
        "/docebo/course/v1/events/999999/rsvp", json={"items": [{"user_id": 1, "response": 1}]}
    )
    assert_docebo_error(answer, 404)


@pytest.mark.parametrize("body", [{}, {"items": []}, {"items": "x"}])
async def test_rsvp_without_items_is_400(api: httpx.AsyncClient, body: dict[str, Any]) -> None:
    assert_docebo_error(await api.put("/docebo/course/v1/events/1/rsvp", json=body), 400)


async def test_rsvp_is_stored_on_the_roster(api: httpx.AsyncClient) -> None:
    session = await ilt_session(api, full=False)
    event_id = session["dates"][0]["id_event"]
    member = (await all_items(api, f"/docebo/course/v1/sessions/{session['id']}/enrollments", []))[
        0
    ]
    answer = await api.put(
        f"/docebo/course/v1/events/{event_id}/rsvp",
        json={
            "items": [{"user_id": member["user_id"], "response": 2}],
            "sync_timestamp": "2030-01-01",
        },
    )
    assert answer.json()["data"] == [{"row_index": 0, "success": True, "message": "RSVP updated"}]
    roster = await all_items(api, f"/docebo/course/v1/sessions/{session['id']}/enrollments", [])
    mine = next(e for e in roster if e["user_id"] == member["user_id"])
    assert mine["events"][0]["rsvp"] == 2
    assert mine["events"][0]["rsvp_updated_at"] == "2030-01-01 00:00:00"


# -- learning plans ----------------------------------------------------------------------------


async def test_plan_detail_lists_its_courses_in_order(api: httpx.AsyncClient) -> None:
    plan = (await all_items(api, "/docebo/learningplan/v1/learningplans", []))[0]
    detail = (
        await api.get(f"/docebo/learningplan/v1/learningplans/{plan['learning_plan_id']}")
    ).json()
    courses = detail["data"]["courses"]
    assert len(courses) == plan["courses_count"]
    assert [c["position"] for c in courses] == list(range(1, len(courses) + 1))
    assert "courses" not in plan


async def test_plan_course_enrollments_cover_only_plan_courses(api: httpx.AsyncClient) -> None:
    plan = (await all_items(api, "/docebo/learningplan/v1/learningplans", []))[0]
    detail = (
        await api.get(f"/docebo/learningplan/v1/learningplans/{plan['learning_plan_id']}")
    ).json()
    course_ids = {c["id_course"] for c in detail["data"]["courses"]}
    items = await all_items(
        api,
        f"/docebo/learningplan/v1/learningplans/{plan['learning_plan_id']}/courses/enrollments",
        [],
    )
    assert items and {i["course_id"] for i in items} <= course_ids
    assert_docebo_error(
        await api.get("/docebo/learningplan/v1/learningplans/99999/courses/enrollments"), 404
    )


async def test_plan_unenroll_without_body_keys_is_400(api: httpx.AsyncClient) -> None:
    assert_docebo_error(await api.request("DELETE", LEARNER, json={"user_ids": [1]}), 400)


async def test_plan_unenroll_reset_tracks_keeps_and_resets_courses(api: httpx.AsyncClient) -> None:
    plans = await all_items(api, "/docebo/learningplan/v1/learningplans/enrollments", [])
    counts: dict[int, int] = {}
    for p in plans:
        counts[p["user_id"]] = counts.get(p["user_id"], 0) + 1
    enrollment = next(
        p for p in plans if counts[p["user_id"]] == 1 and p["enrollment_status"] == "completed"
    )
    answer = await api.request(
        "DELETE",
        LEARNER,
        json={
            "user_ids": [enrollment["user_id"]],
            "learningplan_ids": [enrollment["learning_plan_id"]],
            "reset_tracks": True,
        },
    )
    assert answer.json()["data"] == {"unenrolled": [enrollment["user_id"]], "errors": []}
    plan_id = enrollment["learning_plan_id"]
    courses = await all_items(
        api,
        f"/docebo/learningplan/v1/learningplans/{plan_id}/courses/enrollments",
        [("user_id", enrollment["user_id"])],
    )
    assert courses
    assert all(
        (c["enrollment_status"], c["enrollment_completion_percentage"]) == ("subscribed", 0)
        for c in courses
    )


# -- the learner view --------------------------------------------------------------------------


async def test_learner_view_lists_both_kinds(api: httpx.AsyncClient) -> None:
    plans = await all_items(api, LEARNER, [("type", "learning_plan")])
    courses = await all_items(api, ENROLLMENTS, [])
    assert plans and all(p["type"] == "learning_plan" and p["courses_count"] for p in plans)
    everything = (await api.get(LEARNER, params={"page_size": 1})).json()["data"]["total_count"]
    assert everything == len(plans) + len(courses)


@pytest.mark.parametrize(
    "param", [("channel", "3"), ("skills[]", "1"), ("is_paid", "1"), ("field_6", "3")]
)
async def test_learner_filters_on_absent_features_match_nothing(
    api: httpx.AsyncClient, param: tuple[str, str]
) -> None:
    data = (await api.get(LEARNER, params=[param])).json()["data"]
    assert data["total_count"] == 0


async def test_exclude_courses_in_lp(api: httpx.AsyncClient) -> None:
    plan_courses = set()
    for plan in await all_items(api, "/docebo/learningplan/v1/learningplans", []):
        detail = (
            await api.get(f"/docebo/learningplan/v1/learningplans/{plan['learning_plan_id']}")
        ).json()
        plan_courses |= {c["id_course"] for c in detail["data"]["courses"]}
    items = await all_items(
        api, LEARNER, [("exclude_courses_in_lp", "1"), ("type", "elearning,classroom,webinar")]
    )
    assert items and not {i["id"] for i in items} & plan_courses


async def test_rating_filter_is_a_minimum(api: httpx.AsyncClient) -> None:
    items = await all_items(api, LEARNER, [("rating", "4")])
    assert items and all(i["rating"] >= 4 for i in items)


#: the learner item's output fields of the Connect doc beyond the filters' own, with their types
LEARNER_OUTPUT: dict[str, type | tuple[type, ...]] = {
    "image_url": str,
    "url": str,
    "rating_option": str,
    "can_enter_reason": (str, type(None)),
    "course_end_date": (str, type(None)),
    "hidden": bool,
    "subscription": dict,
    "outdated": dict,
}


async def test_learner_view_items_carry_connect_output_fields(api: httpx.AsyncClient) -> None:
    items = await all_items(api, LEARNER, [])
    admin = await all_items(api, ENROLLMENTS, [])
    per_course = Counter(item["course_id"] for item in admin)
    for item in items:
        for key, kind in LEARNER_OUTPUT.items():
            assert isinstance(item[key], kind), (key, item)
        assert item["image_url"].startswith("https://") and item["url"].startswith("https://")
        assert set(item["subscription"]) == {"subscribed", "is_active"}
        assert set(item["outdated"]) == {"total_users", "already_marked"}
        assert isinstance(item["outdated"]["already_marked"], bool)
        assert item["can_enter"] is (item["can_enter_reason"] is None)
        if item["type"] != "learning_plan":
            assert item["outdated"]["total_users"] == per_course[item["id"]]
            assert f"/course/{item['id']}/" in item["url"]
    blocked = {i["status"]: i["can_enter_reason"] for i in items if not i["can_enter"]}
    assert blocked["waiting"] == "waiting_list"
    assert len({item["url"] for item in items if item["type"] != "learning_plan"}) == len(
        {item["id"] for item in items if item["type"] != "learning_plan"}
    )


async def test_learner_view_session_dates_carry_user_attendance(api: httpx.AsyncClient) -> None:
    items = await all_items(
        api, LEARNER, [("type", "classroom,webinar"), ("get_session_details", "1")]
    )
    rosters: dict[int, dict[int, dict[str, Any]]] = {}
    seen: Counter[str | None] = Counter()
    for item in items:
        for session in item["enrolled_sessions"]:
            if session["id"] not in rosters:
                path = f"/docebo/course/v1/sessions/{session['id']}/enrollments"
                entries = await all_items(api, path, [])
                rosters[session["id"]] = {entry["user_id"]: entry for entry in entries}
            entry = rosters[session["id"]][item["user_id"]]
            marked = {event["id_event"]: event["attendance_status"] for event in entry["events"]}
            for date in session["dates"]:
                assert date["attendance_status"] == marked[date["id_event"]]
                seen[date["attendance_status"]] += 1
    assert set(seen) == {"present", "absent", None}


# -- webhook events ----------------------------------------------------------------------------


async def test_events_carry_docebo_common_properties(api: httpx.AsyncClient) -> None:
    existing = (await api.get(ENROLLMENTS, params={"page_size": 1})).json()["data"]["items"][0]
    await api.delete(f"/docebo/learn/v1/enrollments/{existing['course_id']}/{existing['user_id']}")
    (event,) = await events(api, vendor="docebo")
    body = event["body"]
    assert event["event"] == body["event"] == "course.enrollment.deleted"
    assert set(body) == {
        "message_id", "webhook_id", "original_domain", "event", "fired_by_batch_action", "payload",
    }  # fmt: skip
    assert body["fired_by_batch_action"] is False
    assert body["payload"]["user_id"] == existing["user_id"]
    assert body["payload"]["course_id"] == existing["course_id"]


async def test_events_filter_after_and_reset_empties(api: httpx.AsyncClient) -> None:
    session = await ilt_session(api, full=False)
    user_id = await outsider(api, session["course_id"])
    await api.post(
        LEARNER,
        json={
            "user_ids": [user_id],
            "course_ids": [session["course_id"]],
            "session_id": session["id"],
        },
    )
    everything = await events(api)
    assert [e["event"] for e in everything] == [
        "course.enrollment.created",
        "ilt.session.enrollment.created",
    ]
    assert await events(api, after=everything[0]["id"]) == everything[1:]
    assert await events(api, event="ilt.session.enrollment.created") == everything[1:]
    assert (await api.get("/_sandbox/events", params={"limit": "0"})).status_code == 400
    await api.post("/_sandbox/reset")
    assert await events(api) == []


async def test_time_filter_cursor_survives_clock_moving(
    api: httpx.AsyncClient, sandbox_app: Starlette
) -> None:
    from sandbox.app import sandbox_of

    params = {"show_upcoming_sessions": "1", "page_size": "5"}
    first = (await api.get(LEARNER, params={**params, "get_cursor": "1"})).json()["data"]
    assert first["has_more_data"]
    sandbox_of(sandbox_app).clock.advance(2)  # past a second boundary, within the hour
    following = await api.get(LEARNER, params={**params, "cursor": first["cursor"]})
    assert following.status_code == 200, following.text
    assert following.json()["data"]["items"]
    assert following.json()["data"]["items"][0] not in first["items"]
