"""Hand-written bad input for every vendor: malformed and hostile bodies, XML attacks, page sizes
out of range, forged and tampered page tokens. Each is refused with the status named here, in
the vendor's own error format, with the store left as it was (the probe checks the last two on
every answer)."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from typing import Any, Final

import pytest

from sandbox.app import sandbox_of
from tests.reliability.harness import Probe

#: a write route of each vendor whose body needs fields, and a valid body's shape
WRITES: Final = [
    ("docebo", "POST", "/docebo/learn/v1/enrollments", {"user_ids": [1], "course_ids": [1]}),
    ("docebo", "DELETE", "/docebo/learn/v1/enrollments", {"user_ids": [1], "course_ids": [1]}),
    (
        "kombo",
        "POST",
        "/kombo/v1/lms/course-progressions",
        {"user_id": "x", "course_revision_id": "y"},
    ),
    ("kombo", "POST", "/kombo/v1/lms/courses/bulk", {"items": [{"origin_id": "x", "course": {}}]}),
    (
        "ispring",
        "POST",
        "/ispring/enrollment",
        {"courseIds": ["x"], "learnerIds": ["y"], "dueDateType": "unlimited"},
    ),
    ("ispring", "POST", "/ispring/enrollment/delete", {"enrollmentIds": ["x"]}),
    ("lms365", "POST", "/lms365/odata/v2/Enrollments", {"CourseId": "x", "UserId": "y"}),
    ("lms365", "POST", "/lms365/odata/v2/Courses({course})/Enroll", {"userLoginName": "x"}),
]
WRITE_IDS: Final = [f"{vendor} {method} {path}" for vendor, method, path, _ in WRITES]
JSON: Final = "application/json"
TEN_MB: Final = b'{"user_ids": "' + b"x" * (10 * 1024 * 1024) + b'"}'
BODIES: Final = {
    "malformed JSON": (b'{"user_ids": [1,', JSON),
    "truncated string": (b'{"a": "unterminated', JSON),
    "empty body": (b"", JSON),
    "whitespace body": (b" \n\t ", JSON),
    "a JSON array": (b"[]", JSON),
    "a JSON string": (b'"enroll"', JSON),
    "JSON null": (b"null", JSON),
    "a JSON number": (b"1e999", JSON),
    "NaN": (b'{"a": NaN}', JSON),
    "invalid UTF-8": (b'{"a": "\xff\xfe"}', JSON),
    "UTF-16": ('{"a": 1}'.encode("utf-16"), "application/json; charset=utf-16"),
    "a NUL in a string": (b'{"a": "\x00"}', JSON),
    "deeply nested arrays": (b"[" * 100_000 + b"]" * 100_000, JSON),
    "deeply nested objects": (b'{"a":' * 20_000 + b"1" + b"}" * 20_000, JSON),
    "plain text": (b"enroll everyone please", "text/plain"),
    "a form": (b"user_ids=1&course_ids=1", "application/x-www-form-urlencoded"),
    "broken multipart": (b"--x\r\nContent-Disposition: form-data\r\n\r\n", "multipart/form-data"),
    "binary": (bytes(range(256)), "application/octet-stream"),
}
BILLION_LAUGHS: Final = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<request><courseIds><id>&lol4;</id></courseIds></request>"""
EXTERNAL_ENTITY: Final = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<request><courseIds><id>&xxe;</id></courseIds><learnerIds><id>&xxe;</id></learnerIds>
<dueDateType>unlimited</dueDateType></request>"""
PARAMETER_ENTITY: Final = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY % ext SYSTEM "http://127.0.0.1:9/evil.dtd"> %ext;]><request/>"""
XML_BODIES: Final = {
    "billion laughs": BILLION_LAUGHS,
    "external entity": EXTERNAL_ENTITY,
    "parameter entity": PARAMETER_ENTITY,
    "malformed XML": b"<request><courseIds><id>x</courseIds>",
    "another root": b"<enrollment><courseIds><id>x</id></courseIds></enrollment>",
    "a processing instruction only": b'<?xml version="1.0"?>',
    "XML with NUL": b"<request>\x00</request>",
}
UNICODE: Final = "\u202e\u200bé漢字💥\U0010fffd\ufeff' OR '1'='1"


@pytest.fixture(scope="module")
def probe() -> Iterator[Probe]:
    probe = Probe.open()
    yield probe
    probe.close()


def _route(probe: Probe, path: str) -> str:
    if "{course}" in path:
        courses = sandbox_of(probe.app).store.table("lms365.courses")
        path = path.replace("{course}", next(iter(courses.values()))["Id"])
    return path


def _unicode_everywhere(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _unicode_everywhere(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unicode_everywhere(item) for item in value]
    return UNICODE


@pytest.mark.parametrize("body", BODIES, ids=str)
@pytest.mark.parametrize(("vendor", "method", "path", "_shape"), WRITES, ids=WRITE_IDS)
def test_write_with_bad_body_refused_400(
    probe: Probe, vendor: str, method: str, path: str, _shape: object, body: str
) -> None:
    content, kind = BODIES[body]
    headers = {**probe.headers[vendor], "Content-Type": kind}
    answer = probe.send(method, _route(probe, path), content=content, headers=headers)
    assert answer.status_code == 400, answer.text


@pytest.mark.parametrize(("vendor", "method", "path", "shape"), WRITES, ids=WRITE_IDS)
def test_write_with_unicode_in_every_string_refused(
    probe: Probe, vendor: str, method: str, path: str, shape: dict[str, Any]
) -> None:
    body = _unicode_everywhere(shape)
    answer = probe.send(method, _route(probe, path), json=body, headers=probe.headers[vendor])
    assert answer.status_code in (400, 404), answer.text


@pytest.mark.parametrize(("vendor", "method", "path", "_shape"), WRITES, ids=WRITE_IDS)
def test_write_with_ten_megabyte_body_refused_413(
    probe: Probe, vendor: str, method: str, path: str, _shape: object
) -> None:
    headers = {**probe.headers[vendor], "Content-Type": JSON}
    answer = probe.send(method, _route(probe, path), content=TEN_MB, headers=headers)
    assert answer.status_code == 413, answer.text


def test_write_with_ten_megabyte_body_streamed_without_length_refused_413(probe: Probe) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"user_ids": "'
        for _ in range(10):
            yield b"x" * (1024 * 1024)

    async def stream() -> Any:
        for chunk in chunks():
            yield chunk

    headers = {**probe.headers["docebo"], "Content-Type": JSON}
    answer = probe.send("POST", "/docebo/learn/v1/enrollments", content=stream(), headers=headers)
    assert answer.status_code == 413, answer.text


@pytest.mark.parametrize("accept", ["application/json", "application/xml"])
@pytest.mark.parametrize("body", XML_BODIES, ids=str)
def test_ispring_xml_attack_refused_400_never_evaluated(
    probe: Probe, body: str, accept: str
) -> None:
    headers = {**probe.headers["ispring"], "Content-Type": "application/xml", "Accept": accept}
    answer = probe.send("POST", "/ispring/enrollment", content=XML_BODIES[body], headers=headers)
    assert answer.status_code == 400, answer.text
    assert "root:" not in answer.text and "lollol" not in answer.text
    assert len(answer.content) < 2000


# -- page sizes ---------------------------------------------------------------------------------

#: (vendor, list path, size parameter, values refused with 400)
SIZES: Final = [
    ("docebo", "/docebo/course/v1/courses/enrollments", "page_size", ["-1", "0", "x", "1.5", "²"]),
    (
        "docebo",
        "/docebo/course/v1/courses/enrollments",
        "page",
        ["-5", "0", str(10**30), "9" * 5000],
    ),
    ("kombo", "/kombo/v1/lms/users", "page_size", ["-1", "0", "251", str(10**30), "9" * 5000, ""]),
    ("ispring", "/ispring/enrollments", "pageSize", ["-1", "0", "x", "9" * 5000]),
    ("lms365", "/lms365/odata/v2/Enrollments", "$top", ["-1", "1001", str(10**30), "9" * 5000]),
    ("lms365", "/lms365/odata/v2/Enrollments", "$skip", ["-1", "x", "9" * 5000]),
]
#: (vendor, list path, size parameter, huge values served, clamped or past the end)
HUGE_SERVED: Final = [
    ("docebo", "/docebo/course/v1/courses/enrollments", "page_size", str(10**30)),
    ("ispring", "/ispring/enrollments", "pageSize", str(10**30)),
    ("lms365", "/lms365/odata/v2/Enrollments", "$skip", str(10**30)),
]


@pytest.mark.parametrize(("vendor", "path", "name", "values"), SIZES, ids=lambda v: str(v)[:40])
def test_list_with_page_size_out_of_range_refused_400(
    probe: Probe, vendor: str, path: str, name: str, values: list[str]
) -> None:
    headers = {**probe.headers[vendor], "Accept": JSON}
    for value in values:
        answer = probe.send("GET", path, params={name: value}, headers=headers)
        assert answer.status_code == 400, (value[:20], answer.text)


@pytest.mark.parametrize(("vendor", "path", "name", "value"), HUGE_SERVED, ids=lambda v: str(v))
def test_list_with_huge_page_size_served(
    probe: Probe, vendor: str, path: str, name: str, value: str
) -> None:
    headers = {**probe.headers[vendor], "Accept": JSON}
    answer = probe.send("GET", path, params={name: value}, headers=headers)
    assert answer.status_code == 200, answer.text


# -- page tokens and cursors --------------------------------------------------------------------


def _issued(probe: Probe, vendor: str) -> tuple[str, str, str, dict[str, str]]:
    """A real token of each vendor: (list path, token parameter, token, other filters)."""
    headers = {**probe.headers[vendor], "Accept": JSON}
    if vendor == "docebo":
        path = "/docebo/course/v1/courses/enrollments"
        data = probe.send(
            "GET", path, params={"get_cursor": "1", "page_size": "2"}, headers=headers
        )
        return path, "cursor", data.json()["data"]["cursor"], {"status": "completed"}
    if vendor == "kombo":
        path = "/kombo/v1/lms/users"
        data = probe.send("GET", path, params={"page_size": "2"}, headers=headers)
        return path, "cursor", data.json()["data"]["next"], {"include_deleted": "true"}
    if vendor == "ispring":
        path = "/ispring/enrollments"
        data = probe.send("GET", path, params={"pageSize": "2"}, headers=headers)
        course = next(iter(sandbox_of(probe.app).store.table("ispring.content").values()))
        return (
            path,
            "pageToken",
            data.json()["nextPageToken"],
            {"courseIds": course["contentItemId"]},
        )
    path = "/lms365/odata/v2/Enrollments"
    link = probe.send("GET", path, headers=headers).json()["@odata.nextLink"]
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(link).query))
    return path, "$skiptoken", query["$skiptoken"], {"$filter": "Progress gt 0"}


def _tampered(token: str) -> str:
    middle = len(token) // 2
    return token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]


VENDORS: Final = ("docebo", "kombo", "ispring", "lms365")


@pytest.mark.parametrize("vendor", VENDORS)
def test_list_with_forged_or_tampered_token_refused_400(probe: Probe, vendor: str) -> None:
    path, name, token, other = _issued(probe, vendor)
    headers = {**probe.headers[vendor], "Accept": JSON}
    forged = [
        "garbage",
        _tampered(token),
        token[: len(token) // 2],
        token + "AAAA",
        UNICODE,
        "A" * 5000,
        json.dumps(["sig", 0, 1]),
    ]
    for value in forged:
        answer = probe.send("GET", path, params={name: value}, headers=headers)
        assert answer.status_code == 400, (value[:30], answer.text)
    # a real token sent with filters other than those it was issued for
    answer = probe.send("GET", path, params={name: token, **other}, headers=headers)
    assert answer.status_code == 400, answer.text
    # and the token itself still works
    assert probe.send("GET", path, params={name: token}, headers=headers).status_code == 200
