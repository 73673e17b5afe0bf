"""iSpring Learn wire records to normalized models, XML both ways, and the connector's token,
error and refusal behaviour. httpx's MockTransport stands in for the network where a test needs
a connector."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest

from core.capabilities import EnrollOption
from core.connectors import VENDORS, connector_class
from core.connectors.ispring import ISpringConnector, mapping, wire
from core.connectors.ispring.client import TOKEN_MARGIN
from core.errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    UnsupportedOperationError,
)
from core.models import EnrollmentStatus

BASE_URL = "https://api-learn.ispring.test"
ENROLLMENT_ID = "0b8e4f5c-360f-4ccf-8b3a-d572c04cf646"
USER_ID = "dda89384-3d81-47e8-b536-cb2516a186a6"
COURSE_ID = "07a530a5-4ada-4fa7-be06-5e105e851662"


def enrollment_item(**overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "enrollmentId": ENROLLMENT_ID,
        "courseId": COURSE_ID,
        "learnerId": USER_ID,
        "accessDate": "2024-03-30",
        "dueDate": "2025-06-22",
        "expirationDate": "2025-06-22",
        "shouldLockAfterDueDate": True,
        "enrollmentTypeGroup": 0,
    }
    item.update(overrides)
    return {k: v for k, v in item.items() if v is not None}


def result_item(**overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "userId": USER_ID,
        "courseId": COURSE_ID,
        "courseTitle": "Introduction to Cloud Computing",
        "enrollmentId": ENROLLMENT_ID,
        "accessDate": "2024-03-30T02:19:45+00:00",
        "dueDate": "2025-06-22T23:59:59+00:00",
        "completionDate": "2025-05-23T13:30:48+00:00",
        "duration": 3600,
        "timeSpent": 3341,
        "completionStatus": "passed",
        "awardedScore": 91.5,
        "passingScore": 80.0,
        "progress": 100.0,
        "isOverdue": False,
        "viewsCount": 2,
    }
    item.update(overrides)
    return {k: v for k, v in item.items() if v is not None}


def user_item(**overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "userId": USER_ID,
        "role": "learner",
        "roleId": "6a74e982-632e-4dbb-855f-8775f620253c",
        "departmentId": "e04689ed-16d3-443f-89a5-61eeb8e890ef",
        "status": 1,
        "fields": {
            "login": "amara.okafor",
            "email": "amara.okafor@example.com",
            "first_name": "Amara",
            "last_name": "Okafor",
            "job_title": "Analyst",
        },
        "addedDate": "2023-11-02T00:00:00+00:00",
        "lastLoginDate": "",
        "userRoles": [{"roleId": "6a74e982-632e-4dbb-855f-8775f620253c", "roleType": "learner"}],
        "subordination": {"subordinationType": "inherit"},
        "coSubordination": {"subordinationType": "no_supervisor"},
    }
    item.update(overrides)
    return item


def content_item(**overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "contentItemId": COURSE_ID,
        "title": "Introduction to Cloud Computing",
        "subtitle": "Engineering",
        "description": "Regions, zones and the shared responsibility model.",
        "userId": USER_ID,
        "addedDate": "2025-12-05T22:23:33+00:00",
        "viewUrl": f"https://academy.ispring.test/view/{COURSE_ID}",
        "type": "Course",
        "viewType": "default",
        "contentItemType": "Course",
    }
    item.update(overrides)
    return item


# -- the status table --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("completion_status", "is_overdue", "expected"),
    [
        ("not_started", False, EnrollmentStatus.ENROLLED),
        ("in_progress", False, EnrollmentStatus.IN_PROGRESS),
        ("pending", False, EnrollmentStatus.IN_PROGRESS),
        ("incomplete", False, EnrollmentStatus.IN_PROGRESS),
        ("complete", False, EnrollmentStatus.COMPLETED),
        ("accepted", False, EnrollmentStatus.COMPLETED),
        ("passed", False, EnrollmentStatus.PASSED),
        ("failed", False, EnrollmentStatus.FAILED),
        ("declined", False, EnrollmentStatus.FAILED),
        ("not_started", True, EnrollmentStatus.OVERDUE),
        ("in_progress", True, EnrollmentStatus.OVERDUE),
        ("pending", True, EnrollmentStatus.OVERDUE),
        ("incomplete", "true", EnrollmentStatus.OVERDUE),
        ("complete", True, EnrollmentStatus.COMPLETED),
        ("accepted", True, EnrollmentStatus.COMPLETED),
        ("passed", True, EnrollmentStatus.PASSED),
        ("failed", True, EnrollmentStatus.FAILED),
        ("declined", True, EnrollmentStatus.FAILED),
        ("Passed", False, EnrollmentStatus.PASSED),
        ("automatic", False, EnrollmentStatus.UNKNOWN),
        (None, True, EnrollmentStatus.UNKNOWN),
    ],
)
def test_map_status_follows_the_table(
    completion_status: str | None, is_overdue: Any, expected: EnrollmentStatus
) -> None:
    assert mapping.map_status(completion_status, is_overdue) is expected


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        ([], None),
        ([EnrollmentStatus.UNKNOWN], None),
        ([EnrollmentStatus.PASSED, EnrollmentStatus.UNKNOWN], None),
        ([EnrollmentStatus.PASSED], ["passed"]),
        ([EnrollmentStatus.COMPLETED], ["accepted", "complete"]),
        ([EnrollmentStatus.FAILED], ["declined", "failed"]),
        ([EnrollmentStatus.IN_PROGRESS], ["in_progress", "incomplete", "pending"]),
        ([EnrollmentStatus.ENROLLED], ["not_started"]),
        (
            [EnrollmentStatus.OVERDUE],
            ["in_progress", "incomplete", "not_started", "pending"],
        ),
        ([EnrollmentStatus.WITHDRAWN], []),
    ],
)
def test_completion_statuses_for_selects_every_status_that_can_match(
    wanted: list[EnrollmentStatus], expected: list[str] | None
) -> None:
    assert mapping.completion_statuses_for(wanted) == expected


# -- users and content -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"), [(1, "active"), (3, "inactive"), (5, "terminated"), (9, None)]
)
def test_map_user_status_follows_v2(status: int, expected: str | None) -> None:
    assert mapping.map_user(user_item(status=status)).status == expected


def test_map_user_reads_fields() -> None:
    user = mapping.map_user(user_item())
    assert (user.id, user.remote_id, user.vendor) == (USER_ID, USER_ID, "ispring")
    assert (user.first_name, user.last_name, user.name) == ("Amara", "Okafor", "Amara Okafor")
    assert user.username == "amara.okafor"
    assert user.primary_email == "amara.okafor@example.com"
    assert user.created_at == datetime(2023, 11, 2, tzinfo=UTC)
    assert user.remote_data["role"] == "learner"


def test_map_user_without_email_or_names_leaves_them_unset() -> None:
    user = mapping.map_user(user_item(fields={"login": "x", "email": ""}))
    assert user.emails == () and user.name is None and user.first_name is None


@pytest.mark.parametrize(
    ("overrides", "expected_type"),
    [
        ({}, "Course"),
        ({"contentItemType": "LearningTrack", "type": "LearningTrack"}, "LearningTrack"),
        ({"contentItemType": None, "type": "SCORM"}, "SCORM"),
    ],
)
def test_map_course_keeps_the_content_type(overrides: dict[str, Any], expected_type: str) -> None:
    item = {k: v for k, v in content_item(**overrides).items() if v is not None}
    course = mapping.map_course(item)
    assert course.type == expected_type
    assert course.id == course.remote_id == COURSE_ID
    assert course.title == "Introduction to Cloud Computing"
    assert course.created_at == datetime(2025, 12, 5, 22, 23, 33, tzinfo=UTC)
    assert course.remote_data == item


# -- enrollments and their results -------------------------------------------------------------


def test_map_enrollment_joins_the_result_fields() -> None:
    enrollment = mapping.map_enrollment(enrollment_item(), result_item())
    assert enrollment.id == enrollment.remote_id == ENROLLMENT_ID
    assert enrollment.user.id == USER_ID
    assert (enrollment.course.id, enrollment.course.title) == (
        COURSE_ID,
        "Introduction to Cloud Computing",
    )
    assert enrollment.status is EnrollmentStatus.PASSED
    assert enrollment.progress_percent == 100.0
    assert enrollment.score == 91.5
    assert enrollment.time_spent_seconds == 3341
    assert enrollment.enrolled_at == datetime(2024, 3, 30, 2, 19, 45, tzinfo=UTC)
    assert enrollment.started_at is None
    assert enrollment.due_at == datetime(2025, 6, 22, 23, 59, 59, tzinfo=UTC)
    assert enrollment.completed_at == datetime(2025, 5, 23, 13, 30, 48, tzinfo=UTC)
    assert enrollment.remote_data == {"enrollment": enrollment_item(), "result": result_item()}


def test_map_enrollment_without_result_is_unknown_with_enrollment_dates() -> None:
    enrollment = mapping.map_enrollment(enrollment_item(), None)
    assert enrollment.status is EnrollmentStatus.UNKNOWN
    assert enrollment.enrolled_at == datetime(2024, 3, 30, tzinfo=UTC)
    assert enrollment.due_at == datetime(2025, 6, 22, 23, 59, 59, tzinfo=UTC)
    assert enrollment.progress_percent is None and enrollment.score is None
    assert enrollment.course.title is None
    assert enrollment.remote_data["result"] is None


def test_map_enrollment_not_started_has_no_score_or_completion() -> None:
    result = result_item(
        completionStatus="not_started",
        awardedScore=None,
        passingScore=None,
        completionDate=None,
        progress=0.0,
        timeSpent=0,
        dueDate=None,
    )
    enrollment = mapping.map_enrollment(enrollment_item(dueDate=None), result)
    assert enrollment.status is EnrollmentStatus.ENROLLED
    assert enrollment.score is None and enrollment.completed_at is None
    assert enrollment.due_at is None
    assert (enrollment.progress_percent, enrollment.time_spent_seconds) == (0.0, 0)


def test_result_index_joins_by_enrollment_id_ignoring_case() -> None:
    other = result_item(enrollmentId="11111111-2222-4333-8444-555555555555")
    index = mapping.ResultIndex([other, result_item(enrollmentId=ENROLLMENT_ID.upper())])
    assert len(index) == 2
    found = index.find(enrollment_item())
    assert found is not None and found["enrollmentId"] == ENROLLMENT_ID.upper()


def test_result_index_joins_a_result_without_id_by_learner_and_course() -> None:
    index = mapping.ResultIndex([result_item(enrollmentId=None)])
    assert index.find(enrollment_item()) is not None
    assert index.find(enrollment_item(learnerId="someone-else")) is None


@pytest.mark.parametrize(
    ("user_id", "course_id", "expected"),
    [
        (USER_ID, COURSE_ID, True),
        (USER_ID.upper(), COURSE_ID.upper(), True),
        (COURSE_ID, USER_ID, False),
        (USER_ID, "another-course", False),
    ],
)
def test_is_pair_compares_learner_and_course_ignoring_case(
    user_id: str, course_id: str, expected: bool
) -> None:
    assert mapping.is_pair(enrollment_item(), user_id, course_id) is expected


def test_result_index_without_match_finds_nothing() -> None:
    index = mapping.ResultIndex([result_item(enrollmentId="22222222-2222-4333-8444-555555555555")])
    assert index.find(enrollment_item()) is None
    enrollment = mapping.map_enrollment(enrollment_item(), index.find(enrollment_item()))
    assert enrollment.status is EnrollmentStatus.UNKNOWN


# -- schedules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({}, {"dueDateType": "default"}),
        ({"due_date_type": "unlimited"}, {"dueDateType": "unlimited"}),
        (
            {"due_date": date(2027, 2, 1)},
            {"dueDateType": "due_date", "dueDate": "2027-02-01"},
        ),
        (
            {"due_date_type": "due_date", "due_date": datetime(2027, 2, 1, 17, 30, tzinfo=UTC)},
            {"dueDateType": "due_date", "dueDate": "2027-02-01 17:30:00"},
        ),
        ({"due_period_hours": 48}, {"dueDateType": "due_period", "duePeriod": 48}),
        (
            {
                "due_date_type": "default",
                "access_date": datetime(2027, 1, 2, 9, 0, tzinfo=UTC),
                "lock_after_due_date": True,
            },
            {
                "dueDateType": "default",
                "accessDate": "2027-01-02 09:00:00",
                "lockAfterDueDate": True,
            },
        ),
    ],
)
def test_schedule_builds_the_wire_fields(
    arguments: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert mapping.schedule(**arguments) == expected


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        ({"due_date_type": "someday"}, "unknown due date type"),
        ({"due_date_type": "due_date"}, "needs a due date"),
        ({"due_date_type": "due_period"}, "whole number of hours"),
        ({"due_period_hours": 0}, "whole number of hours"),
        ({"due_date_type": "due_period", "due_period_hours": True}, "whole number of hours"),
        ({"due_date_type": "unlimited", "due_date": "2027-01-01"}, "only used with"),
        ({"due_date_type": "default", "due_period_hours": 5}, "only used with"),
    ],
)
def test_schedule_contradictory_or_incomplete_is_refused(
    arguments: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(ValueError, match=fragment):
        mapping.schedule(**arguments)


def test_schedule_arguments_maps_enroll_options() -> None:
    options = {
        EnrollOption.DUE_AT: "2027-02-01",
        EnrollOption.VALID_FROM: "2027-01-01",
        EnrollOption.DUE_DATE_TYPE: "due_date",
        EnrollOption.LOCK_AFTER_DUE: True,
    }
    assert mapping.schedule_arguments(options) == {
        "due_date": "2027-02-01",
        "access_date": "2027-01-01",
        "due_date_type": "due_date",
        "lock_after_due_date": True,
    }


@pytest.mark.parametrize(
    ("value", "end_of_day", "expected"),
    [
        ("2025-06-22", False, datetime(2025, 6, 22, tzinfo=UTC)),
        ("2025-06-22", True, datetime(2025, 6, 22, 23, 59, 59, tzinfo=UTC)),
        ("2025-06-22T10:00:00+02:00", True, datetime(2025, 6, 22, 8, tzinfo=UTC)),
        ("2025-06-22T10:00:00Z", False, datetime(2025, 6, 22, 10, tzinfo=UTC)),
        ("2019-09-26 10:30:00", False, datetime(2019, 9, 26, 10, 30, tzinfo=UTC)),
        ("", False, None),
        ("soon", False, None),
        (None, False, None),
    ],
)
def test_parse_datetime_reads_dates_and_datetimes(
    value: str | None, end_of_day: bool, expected: datetime | None
) -> None:
    assert wire.parse_datetime(value, end_of_day=end_of_day) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2027, 2, 1), "2027-02-01"),
        (datetime(2027, 2, 1, 8, 30), "2027-02-01 08:30:00"),
        (datetime(2027, 2, 1, 10, 30, tzinfo=UTC) + timedelta(0), "2027-02-01 10:30:00"),
        (datetime.fromisoformat("2027-02-01T10:30:00+02:00"), "2027-02-01 08:30:00"),
        (" 2027-02-01 ", "2027-02-01"),
    ],
)
def test_format_moment_sends_utc(value: datetime | date | str, expected: str) -> None:
    assert wire.format_moment(value) == expected


# -- XML both ways -----------------------------------------------------------------------------

ONE_ENROLLMENT_PAGE = f"""<?xml version="1.0" encoding="UTF-8"?>
<response>
  <enrollments>
    <enrollment>
      <enrollmentId>{ENROLLMENT_ID}</enrollmentId>
      <courseId>{COURSE_ID}</courseId>
      <learnerId>{USER_ID}</learnerId>
      <accessDate>2024-03-30</accessDate>
      <dueDate>2025-06-22</dueDate>
      <expirationDate>2025-06-22</expirationDate>
      <shouldLockAfterDueDate>true</shouldLockAfterDueDate>
      <certificate>
        <issuedCertificateId>c0ffee00-0000-4000-8000-000000000001</issuedCertificateId>
        <issueDate>2025-05-23</issueDate>
      </certificate>
      <enrollmentTypeGroup>0</enrollmentTypeGroup>
    </enrollment>
  </enrollments>
  <nextPageToken>abc.def</nextPageToken>
</response>""".encode()


def test_decode_xml_one_element_list_is_a_list() -> None:
    body = wire.decode_xml(ONE_ENROLLMENT_PAGE, wire.ENROLLMENTS_PAGE)
    assert body == {
        "enrollments": [
            enrollment_item(
                certificate={
                    "issuedCertificateId": "c0ffee00-0000-4000-8000-000000000001",
                    "issueDate": "2025-05-23",
                }
            )
        ],
        "nextPageToken": "abc.def",
    }


def test_decode_xml_empty_wrapper_is_an_empty_list() -> None:
    body = wire.decode_xml(b"<response><enrollments/></response>", wire.ENROLLMENTS_PAGE)
    assert body == {"enrollments": []}
    assert wire.read_page(body, "enrollments") == wire.Page(items=[], next_token=None)


def test_decode_xml_nested_wrappers_and_repeated_elements() -> None:
    xml = f"""<response><userProfiles><userProfile>
        <userId>{USER_ID}</userId><role>department_administrator</role>
        <status>5</status>
        <fields><login>amara</login><email>a@example.com</email><team>Blue</team></fields>
        <lastLoginDate></lastLoginDate>
        <manageableDepartmentIds><id>d1</id></manageableDepartmentIds>
        <userRole><roleId>r1</roleId><roleType>learner</roleType></userRole>
        <userRole><roleId>r2</roleId>
          <manageableDepartmentIds><id>d1</id><id>d2</id></manageableDepartmentIds>
          <roleType>department_administrator</roleType></userRole>
        <groups/>
        <subordination><subordinationType>manual</subordinationType>
          <supervisorId>s1</supervisorId></subordination>
    </userProfile></userProfiles></response>""".encode()
    (profile,) = wire.decode_xml(xml, wire.USERS_PAGE)["userProfiles"]
    assert profile == {
        "userId": USER_ID,
        "role": "department_administrator",
        "status": 5,
        "fields": {"login": "amara", "email": "a@example.com", "team": "Blue"},
        "lastLoginDate": "",
        "manageableDepartmentIds": ["d1"],
        "userRoles": [
            {"roleId": "r1", "roleType": "learner"},
            {
                "roleId": "r2",
                "manageableDepartmentIds": ["d1", "d2"],
                "roleType": "department_administrator",
            },
        ],
        "groups": [],
        "subordination": {"subordinationType": "manual", "supervisorId": "s1"},
    }


def test_decode_xml_converts_numbers_and_booleans_per_schema() -> None:
    xml = b"""<response><results><result>
        <courseTitle>007</courseTitle><timeSpent>3341</timeSpent><duration>3600</duration>
        <awardedScore>91.5</awardedScore><progress>100</progress><isOverdue>false</isOverdue>
        <viewsCount>2</viewsCount><completionStatus>passed</completionStatus>
        <extra><a>1</a><a>2</a></extra>
    </result></results></response>"""
    (result,) = wire.decode_xml(xml, wire.RESULTS_PAGE)["results"]
    assert result == {
        "courseTitle": "007",
        "timeSpent": 3341,
        "duration": 3600,
        "awardedScore": 91.5,
        "progress": 100.0,
        "isOverdue": False,
        "viewsCount": 2,
        "completionStatus": "passed",
        "extra": {"a": ["1", "2"]},
    }
    assert isinstance(result["progress"], float) and isinstance(result["timeSpent"], int)


def test_decode_xml_unwrapped_list_of_the_property_name_is_read() -> None:
    shape = wire.Obj({"courseIds": wire.ListOf("str", "courseIds", wrapped=False)})
    xml = b"<request><courseIds>a</courseIds><courseIds>b</courseIds></request>"
    assert wire.decode_xml(xml, shape) == {"courseIds": ["a", "b"]}
    repeated_wrapped = b"<request><courseIds>a</courseIds><courseIds>b</courseIds></request>"
    assert wire.decode_xml(repeated_wrapped, wire.Obj({"courseIds": wire.IDS})) == {
        "courseIds": ["a", "b"]
    }


def test_decode_xml_top_level_list_reads_repeated_items() -> None:
    xml = b"<response><contentItem><title>A</title></contentItem>" + (
        b"<contentItem><title>B</title></contentItem></response>"
    )
    shape = wire.ListOf(wire.CONTENT_ITEM, "contentItem", wrapped=False)
    assert wire.decode_xml(xml, shape) == [{"title": "A"}, {"title": "B"}]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b'<!DOCTYPE r [<!ENTITY x "y">]><response>&x;</response>', "DTD"),
        (b"<response><code>", "well-formed"),
    ],
    ids=["dtd", "malformed"],
)
def test_decode_xml_refuses_dtds_and_malformed_answers(content: bytes, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        wire.decode_xml(content, wire.ERROR)


def test_encode_xml_wraps_id_lists_as_seed_003() -> None:
    body = {
        "courseIds": ["c1"],
        "learnerIds": ["u1", "u2"],
        "accessDate": "2019-09-26 10:30:00",
        "dueDateType": "unlimited",
        "duePeriod": 0,
        "lockAfterDueDate": False,
        "dueDate": None,
    }
    assert wire.encode_xml(body) == (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b"<request><courseIds><id>c1</id></courseIds>"
        b"<learnerIds><id>u1</id><id>u2</id></learnerIds>"
        b"<accessDate>2019-09-26 10:30:00</accessDate><dueDateType>unlimited</dueDateType>"
        b"<duePeriod>0</duePeriod><lockAfterDueDate>false</lockAfterDueDate></request>"
    )


def test_encode_xml_repeats_the_fields_declared_unwrapped() -> None:
    content = wire.encode_xml(
        {"courseIds": ["c1", "c2"], "pageSize": 5}, repeated=wire.LIST_ENROLLMENTS_REPEATED
    )
    assert content.endswith(
        b"<request><courseIds>c1</courseIds><courseIds>c2</courseIds>"
        b"<pageSize>5</pageSize></request>"
    )


def test_encode_then_decode_xml_round_trips() -> None:
    body = {"enrollmentIds": ["e1"], "flag": True, "note": "a < b & c"}
    shape = wire.Obj({"enrollmentIds": wire.IDS, "flag": "bool", "note": "str"})
    assert wire.decode_xml(wire.encode_xml(body), shape) == body


# -- errors in both formats --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "content_type", "expected"),
    [
        (b'{"code": 403, "message": "Not yours"}', "application/json", ("403", "Not yours")),
        (
            b"<response><code>403</code><message>Not yours</message></response>",
            "application/xml; charset=utf-8",
            ("403", "Not yours"),
        ),
        (
            b"<?xml version='1.0'?><response><code>404</code><message>Gone</message></response>",
            None,
            ("404", "Gone"),
        ),
    ],
    ids=["json", "xml", "xml-sniffed"],
)
def test_error_details_read_both_formats(
    content: bytes, content_type: str | None, expected: tuple[str, str]
) -> None:
    body = wire.decode(content, content_type, wire.ERROR)
    assert wire.error_details(body) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Bad gateway from the proxy", (None, "Bad gateway from the proxy")),
        ("", (None, None)),
        ({"message": "no code"}, (None, "no code")),
    ],
)
def test_error_details_are_lenient(body: Any, expected: tuple[str | None, str | None]) -> None:
    assert wire.error_details(body) == expected


# -- the connector on a mock network -----------------------------------------------------------

Handler = Callable[[httpx.Request], httpx.Response]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def token_answer(token: str, fmt: str = "json") -> httpx.Response:
    if fmt == "xml":
        xml = (
            f"<response><access_token>{token}</access_token><expires_in>1800</expires_in>"
            "<token_type>bearer</token_type></response>"
        )
        return httpx.Response(
            200, content=xml.encode(), headers={"Content-Type": "application/xml"}
        )
    return httpx.Response(
        200, json={"access_token": token, "expires_in": 1800, "token_type": "bearer"}
    )


def empty_page(request: httpx.Request, key: str) -> httpx.Response:
    if request.headers.get("accept") == "application/xml":
        return httpx.Response(
            200,
            content=f"<response><{key}/></response>".encode(),
            headers={"Content-Type": "application/xml"},
        )
    return httpx.Response(200, json={key: []})


class Network:
    """A mock iSpring: numbered tokens, empty lists, and whatever ``answers`` a path with."""

    def __init__(self, fmt: str = "json", answers: dict[str, Handler] | None = None) -> None:
        self.fmt = fmt
        self.answers = answers or {}
        self.requests: list[httpx.Request] = []
        self.tokens = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path in self.answers:
            return self.answers[path](request)
        if path == "/api/v3/token":
            self.tokens += 1
            return token_answer(f"token-{self.tokens}", self.fmt)
        keys = {"/users/v2": "userProfiles", "/enrollments": "enrollments"}
        return empty_page(request, keys.get(path, "results"))

    def calls(self, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path == path]


def connector(network: Network, clock: FakeClock | None = None, **options: Any) -> ISpringConnector:
    return ISpringConnector(
        base_url=BASE_URL,
        client_id="client",
        client_secret="secret",
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(network)),
        clock=clock or FakeClock(),
        backoff_base=0.0,
        format=network.fmt,  # type: ignore[arg-type]
        **options,
    )


async def list_users(ispring: ISpringConnector) -> None:
    assert [u async for u in ispring.list_users()] == []


async def test_token_is_reused_until_the_margin_then_renewed() -> None:
    network, clock = Network(), FakeClock()
    ispring = connector(network, clock)
    await list_users(ispring)
    clock.now += 1800 - TOKEN_MARGIN - 1
    await list_users(ispring)
    assert network.tokens == 1
    clock.now += 2
    await list_users(ispring)
    assert network.tokens == 2
    auth = [r.headers["authorization"] for r in network.calls("/users/v2")]
    assert auth == ["Bearer token-1", "Bearer token-1", "Bearer token-2"]
    (form,) = {r.content for r in network.calls("/api/v3/token")}
    assert form == b"client_id=client&client_secret=secret&grant_type=client_credentials"


async def test_token_concurrent_calls_fetch_one() -> None:
    network = Network()
    ispring = connector(network)
    await asyncio.gather(*(list_users(ispring) for _ in range(5)))
    assert network.tokens == 1


async def test_token_rejected_with_401_is_renewed_once_and_the_call_retried() -> None:
    refused: list[str] = []

    def users(request: httpx.Request) -> httpx.Response:
        if request.headers["authorization"] == "Bearer token-1":
            refused.append("token-1")
            return httpx.Response(
                401, json={"code": 401, "message": "The access token has expired"}
            )
        return httpx.Response(200, json={"userProfiles": []})

    network = Network(answers={"/users/v2": users})
    await list_users(connector(network))
    assert refused == ["token-1"] and network.tokens == 2


async def test_token_401_twice_raises_authentication_error() -> None:
    def users(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"code": 401, "message": "Invalid access token"})

    network = Network(answers={"/users/v2": users})
    with pytest.raises(AuthenticationError) as info:
        await list_users(connector(network))
    assert (info.value.code, info.value.message) == ("401", "Invalid access token")
    assert network.tokens == 2


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_token_refused_raises_authentication_error(fmt: str) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        if fmt == "xml":
            xml = b"<response><code>401</code><message>Invalid client credentials</message>"
            xml += b"</response>"
            return httpx.Response(401, content=xml, headers={"Content-Type": "application/xml"})
        return httpx.Response(401, json={"code": 401, "message": "Invalid client credentials"})

    network = Network(fmt, answers={"/api/v3/token": refuse})
    with pytest.raises(AuthenticationError) as info:
        await list_users(connector(network))
    assert info.value.code == "401"
    assert "Invalid client credentials" in info.value.message
    assert not network.calls("/users/v2")


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_list_users_403_raises_permission_denied_with_code_and_message(fmt: str) -> None:
    message = "User 42 does not belong to the departments you manage"

    def deny(request: httpx.Request) -> httpx.Response:
        if fmt == "xml":
            xml = f"<response><code>403</code><message>{message}</message></response>".encode()
            return httpx.Response(403, content=xml, headers={"Content-Type": "application/xml"})
        return httpx.Response(403, json={"code": 403, "message": message})

    network = Network(fmt, answers={"/users/v2": deny})
    with pytest.raises(PermissionDeniedError) as info:
        await list_users(connector(network))
    assert (info.value.status, info.value.code, info.value.message) == (403, "403", message)
    assert info.value.body == {"code": 403, "message": message}


async def test_list_users_unreadable_answer_raises_bad_request() -> None:
    network = Network(answers={"/users/v2": lambda r: httpx.Response(200, content=b"<html")})
    with pytest.raises(BadRequestError, match="unexpected answer from /users/v2"):
        await list_users(connector(network))


async def test_list_users_repeated_page_token_raises_bad_request() -> None:
    def loop(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"userProfiles": [user_item()], "nextPageToken": "same"})

    network = Network(answers={"/users/v2": loop})
    with pytest.raises(BadRequestError, match="repeats"):
        await list_users(connector(network))


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_unenroll_unknown_pair_raises_not_found(fmt: str) -> None:
    network = Network(fmt)
    with pytest.raises(NotFoundError) as info:
        await connector(network).unenroll(user_id=USER_ID, course_id=COURSE_ID)
    assert info.value.status == 404 and USER_ID in info.value.message
    (listing,) = network.calls("/enrollments")
    assert listing.url.params.get_list("learnerIds[]") == [USER_ID]
    assert listing.url.params.get_list("courseIds[]") == [COURSE_ID]
    assert not network.calls("/enrollment/delete")


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_unenroll_deletes_the_pairs_enrollment(fmt: str) -> None:
    def enrollments(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"enrollments": [enrollment_item()]})

    network = Network(
        fmt,
        answers={"/enrollments": enrollments, "/enrollment/delete": lambda r: httpx.Response(204)},
    )
    await connector(network).unenroll(user_id=USER_ID.upper(), course_id=COURSE_ID)
    (delete,) = network.calls("/enrollment/delete")
    if fmt == "xml":
        assert delete.headers["content-type"] == "application/xml"
        assert delete.content.endswith(
            f"<request><enrollmentIds><id>{ENROLLMENT_ID}</id></enrollmentIds></request>".encode()
        )
    else:
        assert orjson.loads(delete.content) == {"enrollmentIds": [ENROLLMENT_ID]}


async def test_list_enrollments_reads_results_once_and_joins_them() -> None:
    second = enrollment_item(enrollmentId="e2", learnerId="u2")

    def enrollments(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("pageToken"):
            return httpx.Response(200, json={"enrollments": [second]})
        return httpx.Response(200, json={"enrollments": [enrollment_item()], "nextPageToken": "p2"})

    def results(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "results": [
                    result_item(),
                    result_item(enrollmentId="e2", userId="u2", completionStatus="in_progress"),
                ]
            },
        )

    network = Network(answers={"/enrollments": enrollments, "/learners/results": results})
    found = [e async for e in connector(network, page_size=1).list_enrollments()]
    assert [(e.id, e.status) for e in found] == [
        (ENROLLMENT_ID, EnrollmentStatus.PASSED),
        ("e2", EnrollmentStatus.IN_PROGRESS),
    ]
    (results_call,) = network.calls("/learners/results")
    assert results_call.url.params.get_list("userStatuses") == ["1", "3", "5"]
    assert len(network.calls("/enrollments")) == 2


async def test_list_enrollments_status_filter_asks_for_completion_statuses() -> None:
    network = Network()
    statuses = [EnrollmentStatus.COMPLETED]
    assert [e async for e in connector(network).list_enrollments(statuses=statuses)] == []
    (results_call,) = network.calls("/learners/results")
    assert results_call.url.params.get_list("completionStatuses") == ["accepted", "complete"]


async def test_list_enrollments_status_no_result_can_have_sends_nothing() -> None:
    network = Network()
    statuses = [EnrollmentStatus.WITHDRAWN, EnrollmentStatus.EXPIRED]
    assert [e async for e in connector(network).list_enrollments(statuses=statuses)] == []
    assert network.requests == []


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_list_enrollments_many_ids_go_in_a_post_body(fmt: str) -> None:
    network = Network(fmt)
    users = [f"user-{n}" for n in range(60)]
    assert [e async for e in connector(network).list_enrollments(user_ids=users)] == []
    (listing,) = network.calls("/enrollments")
    assert listing.method == "POST"
    (results_call,) = network.calls("/learners/results")
    assert "userIds" not in results_call.url.params
    if fmt == "xml":
        assert listing.content.count(b"<learnerIds>") == 60
        assert b"<pageSize>1000</pageSize>" in listing.content
    else:
        assert orjson.loads(listing.content) == {"learnerIds": users, "pageSize": 1000}


@pytest.mark.parametrize(
    "options",
    [
        {EnrollOption.DUE_DATE_TYPE: "someday"},
        {EnrollOption.DUE_DATE_TYPE: "due_date"},
        {EnrollOption.DUE_PERIOD_HOURS: -3},
        {EnrollOption.DUE_DATE_TYPE: "unlimited", EnrollOption.DUE_AT: "2030-01-01"},
    ],
)
async def test_enroll_bad_schedule_is_refused_before_any_request(
    options: dict[EnrollOption, Any],
) -> None:
    network = Network()
    with pytest.raises(BadRequestError):
        await connector(network).enroll(user_id=USER_ID, course_id=COURSE_ID, options=options)
    assert network.requests == []


async def test_enroll_unsupported_option_is_refused_before_any_request() -> None:
    network = Network()
    with pytest.raises(UnsupportedOperationError):
        await connector(network).enroll(
            user_id=USER_ID, course_id=COURSE_ID, options={EnrollOption.LEVEL: "tutor"}
        )
    assert network.requests == []


async def test_reenroll_409_raises_conflict_with_code_and_message() -> None:
    message = f"Enrollment {ENROLLMENT_ID} has not been started: nothing to reenroll"
    path = f"/enrollment/{ENROLLMENT_ID}/reenroll"
    network = Network(
        answers={path: lambda r: httpx.Response(409, json={"code": 409, "message": message})}
    )
    with pytest.raises(ConflictError) as info:
        await connector(network).reenroll(ENROLLMENT_ID)
    assert (info.value.code, info.value.message) == ("409", message)
    body = orjson.loads(network.calls(path)[0].content)
    assert body["dueDateType"] == "default" and body["accessDate"]


def test_connector_option_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="page_size"):
        ISpringConnector(base_url=BASE_URL, client_id="c", client_secret="s", page_size=1001)
    with pytest.raises(ValueError, match="format"):
        ISpringConnector(
            base_url=BASE_URL,
            client_id="c",
            client_secret="s",
            format="yaml",  # type: ignore[arg-type]
        )


async def test_from_secrets_ignores_department_credentials() -> None:
    secrets = {
        "client_id": "admin-id",
        "client_secret": "admin-secret",
        "department_client_id": "dept-id",
        "department_client_secret": "dept-secret",
    }
    assert "ispring" in VENDORS
    cls = connector_class("ispring")
    async with cls.from_secrets(base_url=BASE_URL, secrets=secrets, format="xml") as built:
        assert isinstance(built, ISpringConnector)
        assert built.format == "xml"
        assert "secret" not in repr(built)


def test_capabilities_offer_the_due_date_types() -> None:
    capabilities = ISpringConnector.capabilities
    assert capabilities.due_date_types == ("default", "unlimited", "due_date", "due_period")
    assert {EnrollOption.DUE_AT, EnrollOption.VALID_FROM, EnrollOption.DUE_DATE_TYPE} <= (
        capabilities.enroll_options
    )
    assert EnrollOption.LEVEL not in capabilities.enroll_options
