"""What an enrollment listing keeps is compact, for every vendor of the in-process sandbox: one
``UserRef`` and one ``CourseRef`` per distinct learner and course (``core.models.Refs``), and
each item's JSON text as its ``remote_data`` (``core.remote.RawJson``), equal to the item."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
from starlette.applications import Starlette

from core.connections import Connection
from core.models import CourseRef, Enrollment, UserRef
from core.remote import RawJson
from tests.conftest import in_process_client

VENDORS = ["docebo", "kombo", "ispring", "lms365"]
#: the normalized id of an enrollment, from its item as the vendor lists it
ITEM_ID: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "docebo": lambda item: f"{item['course_id']}:{item['user_id']}",
    "kombo": lambda item: str(item["id"]),
    "lms365": lambda item: str(item["Id"]),
}


async def listing(
    vendor: str, sandbox_app: Starlette, connections: list[Connection]
) -> list[Enrollment]:
    (connection,) = [c for c in connections if c.vendor == vendor]
    async with (
        in_process_client(sandbox_app) as client,
        connection.connector(http_client=client) as connector,
    ):
        return [e async for e in connector.list_enrollments()]


@pytest.mark.parametrize("vendor", VENDORS)
async def test_enrollments_of_one_listing_share_their_refs(
    vendor: str, sandbox_app: Starlette, connections: list[Connection]
) -> None:
    listed = await listing(vendor, sandbox_app, connections)
    users: dict[UserRef, UserRef] = {}
    courses: dict[CourseRef, CourseRef] = {}
    for enrollment in listed:
        assert users.setdefault(enrollment.user, enrollment.user) is enrollment.user
        assert courses.setdefault(enrollment.course, enrollment.course) is enrollment.course
    # the default scenario enrolls learners in several courses each: sharing is visible
    assert len(users) < len(listed) and len(courses) < len(listed)


@pytest.mark.parametrize("vendor", VENDORS)
async def test_listed_enrollments_keep_each_item_as_its_json_text(
    vendor: str, sandbox_app: Starlette, connections: list[Connection]
) -> None:
    listed = await listing(vendor, sandbox_app, connections)
    for enrollment in listed:
        kept = enrollment.remote_data
        if vendor == "ispring":  # the enrollment joined with its learner result
            assert isinstance(kept["enrollment"], RawJson)
            assert kept["result"] is None or isinstance(kept["result"], RawJson)
            assert str(kept["enrollment"]["enrollmentId"]) == enrollment.id
        else:
            assert isinstance(kept, RawJson)
            assert ITEM_ID[vendor](kept) == enrollment.id
