"""Display rows and the detail view's JSON, from normalized models."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from core.models import (
    Course,
    CourseRef,
    Email,
    Enrollment,
    EnrollmentStatus,
    User,
    UserRef,
)
from core.remote import item_texts
from tui.records import COLUMNS, Kind, RowBuilder, record_fields, search_text, to_json


def enrollment(**overrides: object) -> Enrollment:
    values: dict[str, object] = {
        "id": "10:7",
        "vendor": "docebo",
        "remote_id": "10:7",
        "user": UserRef(id="7", name="Ada Lovelace"),
        "course": CourseRef(id="10", title="Safety 101"),
        "status": EnrollmentStatus.IN_PROGRESS,
        "progress_percent": 45.4,
        "due_at": datetime(2025, 3, 1, 23, 30, tzinfo=UTC),
        "remote_data": {"user_id": 7, "course_id": 10},
    }
    values.update(overrides)
    return Enrollment(**values)  # type: ignore[arg-type]


def test_enrollment_row_formats_every_column() -> None:
    row = RowBuilder(Kind.ENROLLMENTS).row(enrollment())
    assert row == ("Ada Lovelace", "Safety 101", "in_progress", "45%", "2025-03-01")
    assert len(row) == len(COLUMNS[Kind.ENROLLMENTS])


def test_enrollment_row_falls_back_to_ids_and_blanks() -> None:
    row = RowBuilder(Kind.ENROLLMENTS).row(
        enrollment(
            user=UserRef(id="7"), course=CourseRef(id="10"), progress_percent=None, due_at=None
        )
    )
    assert row == ("7", "10", "in_progress", "", "")


def test_enrollment_rows_share_equal_derived_cells() -> None:
    builder = RowBuilder(Kind.ENROLLMENTS)
    first = builder.row(enrollment())
    second = builder.row(enrollment(due_at=datetime(2025, 3, 1, 23, 30, tzinfo=UTC)))
    assert first[3] is second[3]
    assert first[4] is second[4]


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        (
            User(
                id="7",
                vendor="docebo",
                remote_id="7",
                name="Ada Lovelace",
                username="ada",
                emails=(Email(email="ada@example.com", is_primary=True),),
                status="active",
            ),
            ("Ada Lovelace", "ada@example.com", "ada", "active", "7"),
        ),
        (
            User(id="8", vendor="docebo", remote_id="8", first_name="Alan", last_name="Turing"),
            ("Alan Turing", "", "", "", "8"),
        ),
    ],
    ids=["complete", "name-from-parts"],
)
def test_user_row_formats_every_column(user: User, expected: tuple[str, ...]) -> None:
    assert RowBuilder(Kind.USERS).row(user) == expected


def test_course_row_formats_every_column() -> None:
    course = Course(id="10", vendor="docebo", remote_id="10", title="Safety", type="elearning")
    assert RowBuilder(Kind.COURSES).row(course) == ("Safety", "", "elearning", "10")


def test_search_text_is_lowercase_row_text() -> None:
    assert search_text(("Ada", "SAFETY 101")) == "ada\tsafety 101"


def test_record_fields_are_json_ready_without_remote_data() -> None:
    fields = record_fields(enrollment())
    assert fields["user"] == {"id": "7", "name": "Ada Lovelace", "emails": []}
    assert fields["status"] == "in_progress"
    assert fields["due_at"] == "2025-03-01T23:30:00+00:00"
    assert "remote_data" not in fields
    assert json.loads(to_json(fields)) == fields


def test_to_json_shows_unencodable_values_as_text() -> None:
    assert json.loads(to_json({"when": datetime(2025, 1, 2, tzinfo=UTC)})) == {
        "when": "2025-01-02 00:00:00+00:00"
    }


def test_to_json_shows_kept_json_texts_as_their_objects() -> None:
    page = b'{"value": [{"enrollmentId": "e1", "progress": 50}, {"userId": "u1"}]}'
    texts = item_texts(page, ("value",), 2)
    assert texts is not None
    kept = {"enrollment": texts[0], "result": texts[1]}  # iSpring's shape
    assert json.loads(to_json(kept)) == {
        "enrollment": {"enrollmentId": "e1", "progress": 50},
        "result": {"userId": "u1"},
    }
    assert json.loads(to_json(texts[0])) == {"enrollmentId": "e1", "progress": 50}
