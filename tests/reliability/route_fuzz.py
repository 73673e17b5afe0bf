"""Hypothesis strategies for requests to every route of every vendor, read from the app itself.

Docebo and LMS365 publish no machine-readable description, so their requests are drawn from
strategies written here: each vendor has a vocabulary (query parameter names, body keys, values
its parsers look for, real ids from the store) that is mixed with hostile values (unicode of every
plane, negative and huge numbers, forged page tokens and cursors, malformed dates, control
characters), and LMS365 gets OData ``$filter`` expressions from a grammar of its own. The same
strategies run over Kombo's and iSpring's routes as a second opinion beside the documents'.

The routes come from the app (``app.routes``): a route added to a vendor is fuzzed without
touching this file.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote, urlencode

from hypothesis import given
from hypothesis import strategies as st
from starlette.routing import Mount, Route

from sandbox.app import sandbox_of
from tests.reliability.harness import Probe, fuzz_settings

# -- values ------------------------------------------------------------------------------------

SPECIAL: Final = (
    "",
    " ",
    "0",
    "-1",
    "1.5",
    "1e309",
    "NaN",
    "-Infinity",
    "null",
    "true",
    "[]",
    "{}",
    "0x1F",
    "\uff11\uff12",  # fullwidth digits
    "\u0661\u0662",  # Arabic-Indic digits
    "\u00b2\u00b3",  # superscripts: digits to str.isdigit, not to int()
    "9" * 5000,  # beyond Python's int() digit limit
    "\x00",
    "%00",
    "\u202e\u200b\ufeff",
    "💥" * 3,
    "../../etc/passwd",
    "' or 1=1 --",
    "<script>alert(1)</script>",
    "${jndi:ldap://x}",
    "2026-13-45",
    "2026-11-01T25:61:00Z",
    "0000-00-00 00:00:00",
    "9999-12-31T23:59:59Z",
    "2026-11-01",
    "2026-11-01 08:00:00",
    "2026-11-01T08:00:00+14:00",
    "00000000-0000-0000-0000-000000000000",
    "ffffffff-ffff-ffff-ffff-ffffffffffff",
)
NUMBERS: Final = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 1, 2**31, 2**63, -(2**63) - 1, 10**30]),
)


def forged_tokens() -> st.SearchStrategy[str]:
    """Page tokens and cursors nobody issued: base64 of junk, of a JSON position, truncated."""
    payloads = st.one_of(
        st.binary(max_size=48),
        st.builds(lambda n: b"\x00" * 12 + json.dumps(["sig", n, n]).encode(), NUMBERS),
    )
    encoded = payloads.map(lambda raw: base64.urlsafe_b64encode(raw).decode().rstrip("="))
    return st.one_of(encoded, encoded.map(lambda t: t[: len(t) // 2]), st.text(max_size=30))


def values(vocabulary: Sequence[str], ids: Sequence[str]) -> st.SearchStrategy[str]:
    """A query-string or path value: words the vendor reads, real ids, or hostile text."""
    choices: list[st.SearchStrategy[str]] = [
        st.sampled_from(SPECIAL),
        NUMBERS.map(str),
        st.text(max_size=40),
        forged_tokens(),
    ]
    if vocabulary:
        choices.append(st.sampled_from(list(vocabulary)))
    if ids:
        real = st.sampled_from(list(ids))
        choices += [real, st.lists(real, min_size=2, max_size=4).map(",".join)]
    return st.one_of(choices)


def json_values(keys: Sequence[str], leaf: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        NUMBERS,
        st.floats(allow_nan=False, allow_infinity=False),
        leaf,
    )
    key = st.one_of(st.sampled_from(list(keys)), st.text(max_size=10)) if keys else st.text()
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(key, inner, max_size=5)
        ),
        max_leaves=12,
    )


# -- LMS365's OData -----------------------------------------------------------------------------

ODATA_PROPERTIES: Final = (
    "Id",
    "CourseId",
    "UserId",
    "UserLoginName",
    "RegistrationDate",
    "StartDate",
    "DueDate",
    "CoursePassingStatus",
    "Progress",
    "Score",
    "CEU",
    "Title",
    "Code",
    "Email",
    "IsActive",
    "IsExternal",
    "TimeZone",
    "Modified",
    "CourseSessionIds",
    "User/Email",
    "Nope",
    "id",
)
ODATA_LITERALS: Final = st.one_of(
    st.text(max_size=12).map(lambda t: "'" + t.replace("'", "''") + "'"),
    st.text(max_size=6).map(lambda t: "'" + t + "'"),  # quotes left unescaped
    NUMBERS.map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(
        [
            "true",
            "false",
            "null",
            "2026-11-01",
            "2026-11-01T00:00:00Z",
            "2026-11-01T00:00:00%2B02:00",
            "2026-02-30",
            "00000000-0000-0000-0000-000000000000",
            "12484d3f-1512-49a0-8847-4aa938348ac3",
            "1.5m",
            "-",
            "''''",
        ]
    ),
)


def odata_filters() -> st.SearchStrategy[str]:
    prop = st.sampled_from(ODATA_PROPERTIES)
    compare = st.sampled_from(["eq", "ne", "gt", "ge", "lt", "le", "has", "add", "EQ"])

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(inner, st.sampled_from(["and", "or", "AND"]), inner).map(" ".join),
            inner.map(lambda e: f"not {e}"),
            inner.map(lambda e: f"({e})"),
        )

    atoms = st.one_of(
        st.tuples(prop, compare, ODATA_LITERALS).map(" ".join),
        st.tuples(
            st.sampled_from(["contains", "startswith", "endswith", "substringof", "nope"]),
            prop,
            ODATA_LITERALS,
        ).map(lambda t: f"{t[0]}({t[1]},{t[2]})"),
        st.tuples(
            st.sampled_from(["tolower", "toupper", "trim", "length"]), prop, ODATA_LITERALS
        ).map(lambda t: f"{t[0]}({t[1]}) eq {t[2]}"),
        st.tuples(prop, st.lists(ODATA_LITERALS, max_size=4)).map(
            lambda t: f"{t[0]} in ({','.join(t[1])})"
        ),
        st.text(max_size=30),
    )
    return st.recursive(atoms, extend, max_leaves=8)


def odata_query() -> st.SearchStrategy[list[tuple[str, str]]]:
    option = st.one_of(
        st.tuples(st.just("$filter"), odata_filters()),
        st.tuples(
            st.just("$orderby"),
            st.lists(
                st.tuples(
                    st.sampled_from(ODATA_PROPERTIES), st.sampled_from(["", " asc", " desc", " x"])
                ).map("".join),
                max_size=3,
            ).map(",".join),
        ),
        st.tuples(
            st.just("$select"),
            st.lists(st.sampled_from([*ODATA_PROPERTIES, "*", ""]), max_size=4).map(",".join),
        ),
        st.tuples(
            st.just("$expand"),
            st.sampled_from(
                ["User", "Course", "CourseSessions", "User($select=Email)", "Nope", "User($top=1)"]
            ),
        ),
        st.tuples(st.sampled_from(["$top", "$skip"]), NUMBERS.map(str) | st.text(max_size=5)),
        st.tuples(st.just("$count"), st.sampled_from(["true", "false", "TRUE", "1", ""])),
        st.tuples(st.just("$skiptoken"), forged_tokens()),
        st.tuples(st.sampled_from(["$search", "$format", "$apply", "custom"]), st.text(max_size=8)),
    )
    return st.lists(option, max_size=4)


# -- vendors ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """What one vendor's requests are made of."""

    vendor: str
    prefix: str
    params: tuple[str, ...]
    body_keys: tuple[str, ...]
    words: tuple[str, ...] = ()
    accept: tuple[str, ...] = ("application/json",)


DOCEBO: Final = Vocabulary(
    "docebo",
    "/docebo",
    params=(
        "page",
        "page_size",
        "get_cursor",
        "cursor",
        "sort_attr",
        "sort_dir",
        "sort_by",
        "sort_by_direction",
        "search_text",
        "search",
        "user_id",
        "user_id[]",
        "user_ids",
        "course_id",
        "course_id[]",
        "course_ids",
        "id_user[]",
        "id_course[]",
        "code_course[]",
        "id_learning_plan[]",
        "learning_plan_id",
        "status",
        "type",
        "level",
        "course_type",
        "updated_from",
        "updated_to",
        "deadline",
        "rating",
        "language",
        "get_session_details",
        "exclude_courses_in_lp",
        "show_upcoming_sessions",
        "duration_from_seconds",
        "duration_to_seconds",
        "is_paid",
    ),
    body_keys=(
        "level",
        "date_begin_validity",
        "date_expire_validity",
        "enrollment_fields",
        "user_ids",
        "course_ids",
        "session_id",
        "learningplan_ids",
        "reset_tracks",
        "unenroll_from_courses",
        "items",
        "sync_timestamp",
        "grant_type",
        "client_id",
        "client_secret",
    ),
    words=(
        "subscribed",
        "in_progress",
        "completed",
        "not_started",
        "waiting",
        "learner",
        "tutor",
        "instructor",
        "3",
        "4",
        "6",
        "7",
        "asc",
        "desc",
        "user_id",
        "course_id",
        "name",
        "enrollment_created_at",
        "elearning",
        "classroom",
        "learning_plan",
        "client_credentials",
        "password",
    ),
)
KOMBO: Final = Vocabulary(
    "kombo",
    "/kombo/v1",
    params=(
        "cursor",
        "page_size",
        "updated_after",
        "include_deleted",
        "ignore_unsupported_filters",
        "ids",
        "remote_ids",
        "work_emails",
        "user_ids",
        "course_ids",
    ),
    body_keys=("user_id", "course_revision_id", "completed_at", "score", "items", "origin_id"),
    words=("true", "false", "remote:1", "remote:", "250", "251", "0"),
)
ISPRING: Final = Vocabulary(
    "ispring",
    "/ispring",
    params=(
        "pageSize",
        "pageToken",
        "courseIds[]",
        "learnerIds[]",
        "enrollmentIds[]",
        "departments[]",
        "userIds[]",
        "userIds",
        "completionStatuses",
        "userStatuses",
        "completionDate[startDate]",
        "accessDate[endDate]",
        "contentTypes",
        "code",
        "logins[]",
        "emails[]",
    ),
    body_keys=(
        "courseIds",
        "learnerIds",
        "enrollmentIds",
        "dueDateType",
        "dueDate",
        "duePeriod",
        "accessDate",
        "lockAfterDueDate",
        "pageSize",
        "pageToken",
    ),
    words=("unlimited", "default", "due_date", "due_period", "Course", "passed", "1", "3", "5"),
    accept=("application/json", "application/xml", "*/*", "text/html", "application/json;q=0"),
)
LMS365: Final = Vocabulary(
    "lms365",
    "/lms365",
    params=("$filter", "$top", "$skip", "$orderby", "$select", "$expand", "$count", "$skiptoken"),
    body_keys=(
        "userLoginName",
        "courseSessionIds",
        "courseSessionId",
        "ignoreMaxAttendees",
        "CourseId",
        "UserId",
        "UserLoginName",
        "CoursePassingStatus",
        "Progress",
        "CEU",
        "DueDate",
        "Id",
    ),
    words=("i:0#.f|membership|haley.delacruz@example-corp.com", "0", "1", "2"),
)
VOCABULARIES: Final = (DOCEBO, KOMBO, ISPRING, LMS365)

CONTENT_TYPES: Final = (
    "application/json",
    "application/json; charset=utf-16",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=xyz",
    "multipart/form-data",
    "application/xml",
    "text/plain",
    "application/octet-stream",
    None,
)


def store_ids(probe: Probe, vendor: str, limit: int = 8) -> list[str]:
    """Some real ids of each of the vendor's tables (doc ids and every ``*id``/``Id`` field)."""
    found: list[str] = []
    for name, docs in sandbox_of(probe.app).store.tables.items():
        if not name.startswith(vendor + "."):
            continue
        for doc_id, doc in list(docs.items())[:limit]:
            found.append(str(doc_id))
            found += [
                str(value)
                for key, value in doc.items()
                if re.search(r"(?i)id$", key) and isinstance(value, str | int)
            ]
    return sorted(set(found))


def vendor_routes(probe: Probe, prefix: str) -> list[tuple[str, str]]:
    """``(METHOD, path template)`` of every route under ``prefix``, fallbacks included."""
    found = []
    for mount in probe.app.routes:
        if isinstance(mount, Mount) and mount.path == prefix:
            for route in mount.routes:
                if isinstance(route, Route):
                    found += [(m, route.path) for m in sorted(route.methods or ()) if m != "HEAD"]
    return found


@dataclass(frozen=True, slots=True)
class Drawn:
    method: str
    url: str
    headers: dict[str, str]
    content: bytes | None


def requests_for(probe: Probe, words: Vocabulary) -> st.SearchStrategy[Drawn]:
    ids = store_ids(probe, words.vendor)
    routes = vendor_routes(probe, words.prefix)
    value = values(words.words, ids)
    name = st.one_of(st.sampled_from(list(words.params)), st.text(max_size=12))
    query = st.lists(st.tuples(name, value), max_size=6)
    if words.vendor == "lms365":
        query = st.one_of(query, odata_query())
    body = st.one_of(
        st.none(),
        json_values(words.body_keys, value).map(lambda v: json.dumps(v).encode()),
        st.dictionaries(st.sampled_from(list(words.body_keys)), value, max_size=5).map(
            lambda d: json.dumps(d).encode()
        ),
        st.lists(st.tuples(name, value), max_size=5).map(lambda p: urlencode(p).encode()),
        st.binary(max_size=64),
        st.sampled_from([b"{", b"[1,", b'{"a": NaN}', b"<request><a>", b"\xff\xfe{}", b"  "]),
    )

    @st.composite
    def draw(data: st.DrawFn) -> Drawn:
        method, template = data(st.sampled_from(routes))
        path = template
        for param in re.findall(r"\{([^}:]+)(?::path)?\}", template):
            raw = data(st.one_of(value, st.just("")))
            encoded = quote(raw, safe="") if ":path}" not in template else quote(raw, safe="/")
            path = path.replace("{" + param + "}", encoded).replace("{" + param + ":path}", encoded)
        params = data(query)
        url = words.prefix + path + ("?" + urlencode(params) if params else "")
        headers = dict(probe.headers[words.vendor]) if data(st.integers(0, 9)) else {}
        headers["Accept"] = data(st.sampled_from(words.accept))
        content = data(body) if method != "GET" or data(st.integers(0, 9)) == 0 else None
        kind = data(st.sampled_from(CONTENT_TYPES))
        if content is not None and kind is not None:
            headers["Content-Type"] = kind
        return Drawn(method, url, headers, content)

    return draw()


def fuzz_vendor(probe: Probe, words: Vocabulary, examples: int) -> int:
    """Send ``examples`` drawn requests to the vendor's routes; how many were sent."""
    sent = 0

    @fuzz_settings(examples)
    @given(drawn=requests_for(probe, words))
    def run(drawn: Drawn) -> None:
        nonlocal sent
        probe.send(drawn.method, drawn.url, headers=drawn.headers, content=drawn.content)
        sent += 1

    run()
    return sent
