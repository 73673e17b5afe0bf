"""Helpers of the action screens' tests: the app on the in-process sandbox, state read back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from textual.pilot import Pilot

from core.connections import Connection
from core.models import Course, EnrollmentStatus, User
from core.view import LocalView
from tests.conftest import in_process_client
from tui.app import LmsBridgeApp, make_app
from tui.loading import ConnectorFactory

SIZE = (140, 48)


def only(connections: list[Connection], vendor: str) -> Connection:
    (connection,) = [c for c in connections if c.vendor == vendor]
    return connection


def app_on(
    connections: list[Connection], factory: ConnectorFactory, state_dir: Path
) -> LmsBridgeApp:
    return make_app(connections, connector_factory=factory, state_dir=state_dir)


async def settle(app: LmsBridgeApp, pilot: Pilot[None], rounds: int = 6) -> None:
    """Wait until no worker runs and the messages they posted are handled (a handler may start
    another worker, so a few rounds)."""
    for _ in range(rounds):
        await app.workers.wait_for_complete()
        await pilot.pause()


async def fresh_view(factory: ConnectorFactory, connection: Connection) -> LocalView:
    """The vendor's state now, read anew through a new connector."""
    async with factory(connection) as connector:
        return await LocalView.load(connector)


def enrolled(view: LocalView, user_id: str, course_id: str) -> bool:
    found = view.enrollment_of(user_id, course_id)
    return found is not None and found.status is not EnrollmentStatus.WITHDRAWN


def free_pairs(view: LocalView, count: int) -> list[tuple[User, Course]]:
    """Users and courses not enrolled together (e-learning, active), in distinct courses."""
    pairs: list[tuple[User, Course]] = []
    courses = sorted(view.courses.values(), key=lambda c: c.id)
    users = sorted(view.users.values(), key=lambda u: u.id)
    for course in courses:
        if (course.type or "").lower() in {"classroom", "webinar", "instructor_led"}:
            continue
        if (course.status or "").upper() == "INACTIVE":
            continue
        for user in users:
            if user.emails and not enrolled(view, user.id, course.id):
                pairs.append((user, course))
                break
        if len(pairs) == count:
            return pairs
    raise AssertionError("not enough free pairs")


async def add_fault(sandbox_app: Starlette, rule: dict[str, Any]) -> None:
    async with in_process_client(sandbox_app) as client:
        answer = await client.post("/_sandbox/faults", json=rule)
        assert answer.status_code == 201, answer.text
