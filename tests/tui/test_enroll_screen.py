"""The enroll form against the in-process sandbox: pickers, options, the result in place."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from textual.widgets import Input, Select

from core.connections import Connection
from core.operations import LOST_ANSWER_ATTEMPTS, Outcome
from tests.tui.actions import (
    SIZE,
    add_fault,
    app_on,
    enrolled,
    free_pairs,
    fresh_view,
    only,
    settle,
)
from tui.loading import ConnectorFactory
from tui.screens.enroll import EnrollScreen
from tui.widgets.picker import Picker


async def test_enroll_form_enrolls_and_the_vendor_lists_it(
    connections: list[Connection], factory: ConnectorFactory, tmp_path: Path
) -> None:
    docebo = only(connections, "docebo")
    ((user, course),) = free_pairs(await fresh_view(factory, docebo), 1)
    assert user.primary_email is not None
    app = app_on([docebo], factory, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, EnrollScreen)
        await pilot.press(*user.primary_email, "enter")
        assert screen.query_one("#enroll-user", Picker).value == user.id
        label = f"{course.title} ({course.code})" if course.code else course.title
        await pilot.press("tab", *label, "enter")
        assert screen.query_one("#enroll-course", Picker).value == course.id
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert screen.outcome is Outcome.CREATED, screen.result
        assert screen.result.startswith("Enrolled ")
    assert enrolled(await fresh_view(factory, docebo), user.id, course.id)


async def test_enroll_form_shows_only_the_options_the_vendor_supports(
    connections: list[Connection], factory: ConnectorFactory, tmp_path: Path
) -> None:
    expected = {
        "docebo": {"access_date", "valid_until", "level"},
        "kombo": set(),
        "ispring": {
            "due_date",
            "access_date",
            "due_date_type",
            "due_period_hours",
            "lock_after_due",
        },
        "lms365": {"session"},
    }
    app = app_on(connections, factory, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        for connection in connections:
            screen = EnrollScreen(connection, app.connector_factory, app.workspace)
            await app.push_screen(screen)
            await settle(app, pilot)
            shown = {str(w.id).removeprefix("field-") for w in screen.query(".option")}
            assert shown == expected[connection.vendor], connection.vendor
            if connection.vendor == "docebo":
                levels = screen.query_one("#opt-level", Select)
                assert [v for _, v in levels._options if v is not Select.NULL] == [
                    "student",
                    "tutor",
                    "instructor",
                    "coach",
                ]
            screen.dismiss()
            await pilot.pause()


async def test_enroll_form_refuses_a_due_date_type_without_its_date(
    connections: list[Connection], factory: ConnectorFactory, tmp_path: Path
) -> None:
    ispring = only(connections, "ispring")
    ((user, course),) = free_pairs(await fresh_view(factory, ispring), 1)
    app = app_on([ispring], factory, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = EnrollScreen(ispring, factory, app.workspace, user_id=user.id, course_id=course.id)
        await app.push_screen(screen)
        await settle(app, pilot)
        screen.query_one("#opt-due_date_type", Select).value = "due_date"
        screen.query_one("#opt-access_date", Input).value = "not a date"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        errors = str(screen.query_one("#enroll-errors").render())
        assert "The due date type due_date needs a due date" in errors
        assert "Access from: not a date" in errors
        assert screen.outcome is None
    assert not enrolled(await fresh_view(factory, ispring), user.id, course.id)
    assert not (tmp_path / "activity.jsonl").exists()


async def test_enroll_form_shows_the_vendors_refusal_in_place(
    sandbox_app: Starlette,
    connections: list[Connection],
    factory: ConnectorFactory,
    tmp_path: Path,
) -> None:
    docebo = only(connections, "docebo")
    ((user, course),) = free_pairs(await fresh_view(factory, docebo), 1)
    path = f"/learn/v1/enrollments/{course.remote_id}/{user.remote_id}"
    await add_fault(
        sandbox_app,
        {"vendor": "docebo", "path": path, "status": 500, "count": LOST_ANSWER_ATTEMPTS},
    )
    app = app_on([docebo], factory, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = EnrollScreen(docebo, factory, app.workspace, user_id=user.id, course_id=course.id)
        await app.push_screen(screen)
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert screen.outcome is Outcome.FAILED
        assert screen.result.startswith("Docebo refused: ")
        assert "HTTP 500" in screen.result
        assert screen.query_one("#enroll-result").has_class("-error")
    assert not enrolled(await fresh_view(factory, docebo), user.id, course.id)
