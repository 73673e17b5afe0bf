"""LMS365's OData v4 Cloud API (``https://api.365.systems``) as a connector.

Every call authenticates with HTTP Basic, user ``api`` and an API key as the password. A key
with the *Read Only* permission can list but every write answers 403, raised as
``PermissionDeniedError``; an unknown key is 401, ``AuthenticationError``. OData error bodies
``{"error": {"code", "message"}}`` give the error its ``code`` (None for ASP.NET Core OData's
empty code) and message; the class follows the HTTP status.

Listing (``GET /odata/v2/Users``, ``Courses``, ``CourseSessions``, ``Enrollments``) follows
``@odata.nextLink`` (server-driven paging, 100 entities a page) until it is absent; a next link
that leaves the connection's base URL or repeats an earlier one is refused. Each next link is
followed before the page in hand is mapped (``Connector.pages_ahead``), and an enrollment
listing keeps each entity as its JSON text in ``remote_data`` (``core.remote``). Filters go to the
server as ``$filter``: ``user_ids``/``course_ids`` as ``UserId in (...)``/``CourseId in
(...)`` (GUID literals; a value that is not a GUID names nothing and is dropped) and
``statuses`` through ``mapping.status_clause``. ASP.NET Core OData allows 100 nodes in a
filter, so long id lists are sent in chunks of ``ID_CHUNK``, one listing per combination.

Writes: ``enroll`` looks the user's login name up (``GET Users({id})``, cached) and sends
``POST Courses({id})/Enroll {"userLoginName", "courseSessionIds"?}``; the ``session`` option
is one session id or a list. ``enroll_session`` is the same call with one session.
``enroll_group`` sends the same action with a group's login name (given, or read from
``GET Groups({id})``) and returns every member's enrollment from the collection LMS365 answers.
``create_enrollment`` is ``POST Enrollments``. ``update_enrollment`` is ``PATCH
Enrollments({id})`` with ``Prefer: return=representation`` (a 204 is followed by a ``GET``).
``unenroll`` finds the user's enrollment in the course and sends ``DELETE Enrollments({id})``;
``NotFoundError`` when there is none.

Which call enrolls: LMS365 has two, and ``enroll`` uses ``Courses({Id})/Enroll``. It is the
one Zensai documents for enrolling (seed 004), and the only one that knows instructor-led
courses: it registers for the sessions given, applies the course's enrollment type (a single-
or multiple-session course without a session sends the "pick a session" e-mail; an
all-sessions course registers for every session), adds sessions to an existing enrollment
instead of failing, and takes a group. ``POST Enrollments`` registers for no session and
answers 409 when the user is already enrolled, so it would make ``enroll`` worse for ILT
courses and for a second call. What it adds is the enrollment's own fields at creation:
registration, start, completion and due dates, the passing status, CEUs, duration, progress,
written in the same request that creates it (an import of history, or an enrollment with a due
date, without Enroll + PATCH and the window between them). So it is exposed on its own, as
``create_enrollment``, and never chosen behind ``enroll``'s back. It sends both ``UserId`` and
``UserLoginName`` (KB 4412917522065 lists both), so an unknown user is ``NotFoundError`` from
the lookup, as for ``enroll``; an existing enrollment is ``ConflictError``.

Group enrollment has no ``Operation`` of its own: the enum is shared by every connector (one
declares all of it), so ``enroll_group`` is an LMS365 method, like ``update_enrollment``.
``Groups`` is an entity set LMS365 does not document; a caller who knows the group's login name
(the claim ``c:0o.c|federateddirectoryclaimprovider|<id>`` of a Microsoft 365 group) does not
need it.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from itertools import product
from typing import Any, Self
from urllib.parse import quote

import httpx

from core.capabilities import Capabilities, EnrollOption, Operation
from core.connector import Connector, Follow, QueryParams, decode_body
from core.connectors.lms365 import mapping, wire
from core.errors import BadRequestError, NotFoundError, UnsupportedOperationError
from core.gcpause import full_collections_deferred
from core.models import Course, Enrollment, EnrollmentStatus, Refs, Session, User
from core.remote import item_texts

API = "/odata/v2"
#: where a list answer's entities are (``{"value": [...]}``)
VALUES = ("value",)
#: ids per ``in (...)`` list: two lists and every status clause stay under 100 filter nodes
ID_CHUNK = 20


class LMS365Connector(Connector):
    vendor = "lms365"
    display_name = "LMS365"
    capabilities = Capabilities(
        operations=frozenset(
            {
                Operation.LIST_USERS,
                Operation.LIST_COURSES,
                Operation.LIST_ENROLLMENTS,
                Operation.LIST_SESSIONS,
                Operation.ENROLL,
                Operation.ENROLL_SESSION,
                Operation.UNENROLL,
            }
        ),
        enroll_options=frozenset({EnrollOption.SESSION}),
        enrollment_filters=frozenset({"user_ids", "course_ids", "statuses"}),
    )

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        http_client: httpx.AsyncClient | None = None,
        max_retries: int = 4,
        timeout: float = 30.0,
        backoff_base: float = 0.25,
        max_backoff: float = 30.0,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(
            base_url=base_url,
            http_client=http_client,
            max_retries=max_retries,
            timeout=timeout,
            backoff_base=backoff_base,
            max_backoff=max_backoff,
        )
        token = base64.b64encode(f"api:{api_key.strip()}".encode()).decode("ascii")
        self._authorization = f"Basic {token}"
        #: what "now" is for ``overdue`` (an aware datetime)
        self._clock = clock or (lambda: datetime.now(UTC))
        #: user id -> login name, learned from every lookup
        self._login_names: dict[str, str] = {}

    @classmethod
    def from_secrets(
        cls,
        *,
        base_url: str,
        secrets: Mapping[str, str],
        http_client: httpx.AsyncClient | None = None,
        **options: Any,
    ) -> Self:
        return cls(
            base_url=base_url, api_key=secrets["api_key"], http_client=http_client, **options
        )

    # -- authentication and errors -------------------------------------------------------------

    async def _auth_headers(self) -> dict[str, str]:
        return {"Authorization": self._authorization}

    def _error_details(self, body: Any) -> tuple[str | None, str | None]:
        return wire.error_details(body)

    # -- paging --------------------------------------------------------------------------------

    async def _pages(
        self, path: str, params: QueryParams, *, texts: bool = False
    ) -> AsyncIterator[wire.Page]:
        """Every page of an entity set, following ``@odata.nextLink``; with ``texts``, each
        page's ``texts`` are its values' JSON texts (None where they do not line up)."""
        async for page in self._follow(self.request("GET", path, params=params), texts=texts):
            yield page

    def _follow(
        self, first: httpx.Response | Awaitable[httpx.Response], *, texts: bool = False
    ) -> AsyncIterator[wire.Page]:
        """The page ``first`` is (or answers) and every page its ``@odata.nextLink`` leads to."""
        seen: set[str] = set()

        def read(response: httpx.Response) -> tuple[wire.Page, Follow]:
            page = self._read(response, wire.read_page)
            if texts:
                found = item_texts(response.content, VALUES, len(page.values))
                page = dataclasses.replace(page, texts=found)
            if page.next_link is None:
                return page, None
            if page.next_link in seen:
                raise self._unexpected(response, "the next link repeats an earlier one")
            seen.add(page.next_link)
            path = self._relative(response, page.next_link)
            return page, lambda: self.request("GET", path)

        return self.pages_ahead(first, read)

    def _relative(self, response: httpx.Response, link: str) -> str:
        """A next link as a path under the base URL; one that leaves it is refused (the
        credentials go with it)."""
        base = httpx.URL(self.base_url)
        url = base.join(link)
        prefix = base.raw_path.decode("ascii").split("?")[0].rstrip("/")
        path = url.raw_path.decode("ascii")
        if (url.scheme, url.host, url.port) != (base.scheme, base.host, base.port) or not (
            path.startswith(prefix + "/")
        ):
            raise self._unexpected(response, "the next link leaves the API's base URL")
        return path[len(prefix) :]

    async def _entities(
        self, entity_set: str, params: QueryParams
    ) -> AsyncIterator[Mapping[str, Any]]:
        async for page in self._pages(f"{API}/{entity_set}", params):
            for item in page.values:
                yield item

    # -- listing -------------------------------------------------------------------------------

    async def list_users(self) -> AsyncIterator[User]:
        async for item in self._entities("Users", []):
            self._remember_login(item.get("Id"), item.get("LoginName"))
            yield mapping.map_user(item)

    async def list_courses(self) -> AsyncIterator[Course]:
        async for item in self._entities("Courses", []):
            yield mapping.map_course(item)

    async def list_sessions(self, *, course_id: str) -> AsyncIterator[Session]:
        """The sessions of a course by start date; none for an e-learning course or an id that
        is not a GUID."""
        key = wire.guid(course_id)
        if key is None:
            return
        params: QueryParams = [("$filter", f"CourseId eq {key}"), ("$orderby", "StartDate")]
        async for item in self._entities("CourseSessions", params):
            yield mapping.map_session(item)

    async def list_enrollments(
        self,
        *,
        user_ids: Sequence[str] = (),
        course_ids: Sequence[str] = (),
        statuses: Sequence[EnrollmentStatus] = (),
    ) -> AsyncIterator[Enrollment]:
        """Enrollments, filtered on the server (see the module docstring); a status is judged
        at one instant for the whole listing."""
        now = self._clock()
        users = mapping.guids(user_ids)
        courses = mapping.guids(course_ids)
        if (user_ids and not users) or (course_ids and not courses):
            return
        status = mapping.status_clause(statuses, now) if statuses else None
        if statuses and status is None:
            return
        wanted = frozenset(statuses)
        user_chunks = _chunks(users) if users else [[]]
        course_chunks = _chunks(courses) if courses else [[]]
        refs = Refs()
        with full_collections_deferred():  # 100,000 surviving records: see core.gcpause
            for user_chunk, course_chunk in product(user_chunks, course_chunks):
                query = mapping.and_filter(
                    [
                        mapping.in_clause("UserId", user_chunk) if user_chunk else None,
                        mapping.in_clause("CourseId", course_chunk) if course_chunk else None,
                        status,
                    ]
                )
                params: QueryParams = [("$filter", query)] if query else []
                async for page in self._pages(f"{API}/Enrollments", params, texts=True):
                    for index, item in enumerate(page.values):
                        self._remember_login(item.get("UserId"), item.get("UserLoginName"))
                        enrollment = mapping.map_enrollment(item, now=now, refs=refs)
                        if page.texts is not None:
                            enrollment.remote_data = page.texts[index]
                        if wanted and enrollment.status not in wanted:
                            continue
                        yield enrollment

    # -- writes --------------------------------------------------------------------------------

    async def enroll(
        self, *, user_id: str, course_id: str, options: Mapping[EnrollOption, Any] | None = None
    ) -> Enrollment:
        """Enroll a user in a course (``Courses({id})/Enroll``), into the sessions of the
        ``session`` option when given (one id or a list); what happens without one depends on
        the course's enrollment type (LMS365's rules). Enrolling again adds the new sessions to
        the existing enrollment. Returns the enrollment LMS365 answers."""
        self.check_enroll_options(options)
        sessions = self._session_ids((options or {}).get(EnrollOption.SESSION))
        login = await self._login_name(user_id)
        body: dict[str, Any] = {"userLoginName": login}
        if sessions:
            body["courseSessionIds"] = sessions
        path = f"{API}/Courses({_key(course_id)})/Enroll"
        response = await self.request("POST", path, json=body)
        return self._enrollment_answer(response, user_id)

    async def enroll_session(
        self, *, user_id: str, course_id: str, session_id: str, level: str | None = None
    ) -> Enrollment:
        """Register for one session of a course (enrolling into the course when needed)."""
        if level is not None:
            raise UnsupportedOperationError(
                f"enrollment levels are not supported by {self.vendor}", vendor=self.vendor
            )
        return await self.enroll(
            user_id=user_id, course_id=course_id, options={EnrollOption.SESSION: session_id}
        )

    async def enroll_group(
        self,
        *,
        course_id: str,
        group_id: str | None = None,
        login_name: str | None = None,
        sessions: str | Sequence[str] | None = None,
    ) -> list[Enrollment]:
        """Enroll every member of a group in a course (``Courses({id})/Enroll`` with the group's
        login name), into ``sessions`` (one id or a list) when given; without them each member
        is handled by the course's enrollment type, as ``enroll`` is. The group is named by
        ``group_id`` (its login name is read from ``Groups({id})``) or by ``login_name``, not
        both. Returns the members' enrollments, new and existing (a member enrolled before
        keeps that enrollment, with the new sessions added); a login name that names a user
        gives that user's one."""
        if (group_id is None) == (login_name is None):
            raise BadRequestError(
                "enroll_group takes a group_id or a login_name (one of them)",
                vendor=self.vendor,
                status=400,
            )
        if login_name is not None:
            login = login_name.strip()
            if not login:
                raise BadRequestError(
                    "the group's login name is empty", vendor=self.vendor, status=400
                )
        else:
            assert group_id is not None
            login = await self._group_login(group_id)
        body: dict[str, Any] = {"userLoginName": login}
        session_ids = self._session_ids(sessions)
        if session_ids:
            body["courseSessionIds"] = session_ids
        path = f"{API}/Courses({_key(course_id)})/Enroll"
        response = await self.request("POST", path, json=body)
        now = self._clock()
        answer = decode_body(response)
        if not (isinstance(answer, Mapping) and "value" in answer):
            item = self._read(response, wire.read_entity)
            self._remember_login(item.get("UserId"), item.get("UserLoginName"))
            return [mapping.map_enrollment(item, now=now)]
        enrollments: list[Enrollment] = []
        async for page in self._follow(response):
            for item in page.values:
                self._remember_login(item.get("UserId"), item.get("UserLoginName"))
                enrollments.append(mapping.map_enrollment(item, now=now))
        return enrollments

    async def create_enrollment(
        self,
        *,
        user_id: str,
        course_id: str,
        passing_status: EnrollmentStatus | int | None = None,
        registration_date: datetime | date | None = None,
        start_date: datetime | date | None = None,
        completion_date: datetime | date | None = None,
        due_date: datetime | date | None = None,
        ceus: float | None = None,
        course_duration_minutes: int | None = None,
        progress: int | None = None,
    ) -> Enrollment:
        """Create an enrollment with its fields set (``POST Enrollments``): registered for no
        session, whatever the course's enrollment type, and ``ConflictError`` when the user is
        already enrolled (see the module docstring for when to use ``enroll`` instead). The
        fields are ``update_enrollment``'s; None leaves LMS365's default (registered now, not
        started). Returns the enrollment created."""
        fields = self._enrollment_fields(
            passing_status=passing_status,
            registration_date=registration_date,
            start_date=start_date,
            completion_date=completion_date,
            due_date=due_date,
            ceus=ceus,
            course_duration_minutes=course_duration_minutes,
            progress=progress,
        )
        login = await self._login_name(user_id)
        body: dict[str, Any] = {
            "CourseId": wire.guid(course_id) or course_id,
            "UserId": wire.guid(user_id) or user_id,
            "UserLoginName": login,
            **fields,
        }
        response = await self.request("POST", f"{API}/Enrollments", json=body)
        return mapping.map_enrollment(self._read(response, wire.read_entity), now=self._clock())

    async def update_enrollment(
        self,
        enrollment_id: str,
        *,
        passing_status: EnrollmentStatus | int | None = None,
        registration_date: datetime | date | None = None,
        start_date: datetime | date | None = None,
        completion_date: datetime | date | None = None,
        due_date: datetime | date | None = None,
        ceus: float | None = None,
        course_duration_minutes: int | None = None,
        progress: int | None = None,
    ) -> Enrollment:
        """Change an enrollment's progress fields (``PATCH Enrollments({id})``); None leaves a
        field as it is. ``passing_status`` is ``completed``, ``enrolled`` or ``in_progress``
        (or LMS365's 0, 1, 2); LMS365 then sets or clears the dates it implies unless they are
        given. Returns the enrollment afterwards."""
        body = self._enrollment_fields(
            passing_status=passing_status,
            registration_date=registration_date,
            start_date=start_date,
            completion_date=completion_date,
            due_date=due_date,
            ceus=ceus,
            course_duration_minutes=course_duration_minutes,
            progress=progress,
        )
        if not body:
            raise BadRequestError("nothing to update", vendor=self.vendor, status=400)
        path = f"{API}/Enrollments({_key(enrollment_id)})"
        response = await self.request(
            "PATCH", path, json=body, headers={"Prefer": "return=representation"}
        )
        if response.status_code == 204 or not response.content:
            response = await self.request("GET", path)
        return mapping.map_enrollment(self._read(response, wire.read_entity), now=self._clock())

    async def unenroll(self, *, user_id: str, course_id: str) -> None:
        """Delete the user's enrollment in the course; ``NotFoundError`` when there is none."""
        user, course = wire.guid(user_id), wire.guid(course_id)
        found: list[str] = []
        if user and course:
            params: QueryParams = [
                ("$filter", f"UserId eq {user} and CourseId eq {course}"),
                ("$select", "Id"),
            ]
            found = [str(item["Id"]) async for item in self._entities("Enrollments", params)]
        if not found:
            raise NotFoundError(
                f"user {user_id} has no enrollment in course {course_id}",
                vendor=self.vendor,
                status=404,
            )
        for enrollment_id in found:
            await self.request("DELETE", f"{API}/Enrollments({_key(enrollment_id)})")

    # -- helpers -------------------------------------------------------------------------------

    def _remember_login(self, user_id: Any, login_name: Any) -> None:
        if user_id and login_name:
            self._login_names[str(user_id).lower()] = str(login_name)

    async def _login_name(self, user_id: str) -> str:
        """The user's login name (``i:0#.f|membership|<email>``), looked up once."""
        known = self._login_names.get(str(user_id).lower())
        if known:
            return known
        path = f"{API}/Users({_key(user_id)})"
        response = await self.request("GET", path, params=[("$select", "Id,LoginName")])
        item = self._read(response, wire.read_entity)
        login = item.get("LoginName")
        if not login:
            raise self._unexpected(response, f"user {user_id} has no login name")
        self._remember_login(user_id, login)
        return str(login)

    def _session_ids(self, value: Any) -> list[str]:
        """The ``session`` option as a list of ids: one id, or a list (or tuple) of them."""
        if value is None:
            return []
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list | tuple | set | frozenset) or not all(
            isinstance(v, str) and v for v in values
        ):
            raise BadRequestError(
                f"the session option takes a session id or a list of them, got {value!r}",
                vendor=self.vendor,
                status=400,
            )
        return list(dict.fromkeys(values))

    async def _group_login(self, group_id: str) -> str:
        """A group's login name, from ``GET Groups({id})``."""
        path = f"{API}/Groups({_key(group_id)})"
        response = await self.request("GET", path, params=[("$select", "Id,LoginName")])
        login = self._read(response, wire.read_entity).get("LoginName")
        if not login:
            raise self._unexpected(response, f"group {group_id} has no login name")
        return str(login)

    def _enrollment_fields(
        self,
        *,
        passing_status: EnrollmentStatus | int | None,
        registration_date: datetime | date | None,
        start_date: datetime | date | None,
        completion_date: datetime | date | None,
        due_date: datetime | date | None,
        ceus: float | None,
        course_duration_minutes: int | None,
        progress: int | None,
    ) -> dict[str, Any]:
        """The writable Enrollment properties of a create or update body (None left out)."""
        body: dict[str, Any] = {}
        if passing_status is not None:
            body["CoursePassingStatus"] = self._passing_status(passing_status)
        dates = {
            "RegistrationDate": registration_date,
            "StartDate": start_date,
            "CompletionDate": completion_date,
            "DueDate": due_date,
        }
        body.update({k: wire.format_datetime(v) for k, v in dates.items() if v is not None})
        numbers = {"CEU": ceus, "CourseDuration": course_duration_minutes, "Progress": progress}
        body.update({k: v for k, v in numbers.items() if v is not None})
        return body

    def _passing_status(self, value: EnrollmentStatus | int) -> int:
        if isinstance(value, EnrollmentStatus):
            code = mapping.PASSING_STATUS.get(value)
        elif isinstance(value, int) and not isinstance(value, bool) and value in mapping.STATUS_MAP:
            code = value
        else:
            code = None
        if code is None:
            raise BadRequestError(
                f"passing_status must be completed, enrolled or in_progress, got {value!r}",
                vendor=self.vendor,
                status=400,
            )
        return code

    def _enrollment_answer(self, response: httpx.Response, user_id: str) -> Enrollment:
        """The enrollment Enroll answered: its entity, or the user's one in a collection."""
        body = decode_body(response)
        now = self._clock()
        if isinstance(body, Mapping) and "value" in body:
            page = self._read(response, wire.read_page)
            wanted = str(user_id).lower()
            for item in page.values:
                if str(item.get("UserId", "")).lower() == wanted:
                    return mapping.map_enrollment(item, now=now)
            raise self._unexpected(response, f"no enrollment of user {user_id} in the answer")
        return mapping.map_enrollment(self._read(response, wire.read_entity), now=now)


def _key(value: str) -> str:
    """An entity key for a path: the GUID as it is, anything else quoted (LMS365 answers 400)."""
    return wire.guid(value) or quote(str(value), safe="")


def _chunks(values: Sequence[str]) -> list[list[str]]:
    return [list(values[i : i + ID_CHUNK]) for i in range(0, len(values), ID_CHUNK)]
