"""A listing shares one ``UserRef`` and one ``CourseRef`` per distinct learner and course among
its enrollments (``core.models.Refs``), for every vendor of the in-process sandbox."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette

from core.connections import Connection
from core.models import CourseRef, Enrollment, UserRef
from tests.conftest import in_process_client

VENDORS = ["docebo", "kombo", "ispring", "lms365"]


@pytest.mark.parametrize("vendor", VENDORS)
async def test_enrollments_of_one_listing_share_their_refs(
    vendor: str, sandbox_app: Starlette, connections: list[Connection]
) -> None:
    (connection,) = [c for c in connections if c.vendor == vendor]
    async with (
        in_process_client(sandbox_app) as client,
        connection.connector(http_client=client) as connector,
    ):
        listed: list[Enrollment] = [e async for e in connector.list_enrollments()]
    users: dict[UserRef, UserRef] = {}
    courses: dict[CourseRef, CourseRef] = {}
    for enrollment in listed:
        assert users.setdefault(enrollment.user, enrollment.user) is enrollment.user
        assert courses.setdefault(enrollment.course, enrollment.course) is enrollment.course
    # the default scenario enrolls learners in several courses each: sharing is visible
    assert len(users) < len(listed) and len(courses) < len(listed)
