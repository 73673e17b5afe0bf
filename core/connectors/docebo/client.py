"""Docebo's Learn REST API as a connector.

Authentication is OAuth2 at ``POST /oauth2/token`` (form body): the password grant when a
username is configured, client credentials otherwise. The token is renewed 60 seconds before it
expires (with the refresh token when Docebo gave one) and once more after a 401. Listing asks for
Docebo's cursor (``get_cursor=1``) so a full listing is one consistent pass while records change,
and falls back to page numbers when an answer carries no cursor. Each next page is asked for
before the page in hand is mapped (``Connector.pages_ahead``), and an enrollment listing keeps
each item as its JSON text in ``remote_data`` (``core.remote``).

Course enrollments are read from the admin view ``GET /course/v1/courses/enrollments`` (and, for
one learning plan's courses, ``GET /learningplan/v1/learningplans/{id}/courses/enrollments``);
the learner view ``GET /learn/v1/enrollments`` lists course and plan enrollments together, with
filters of its own (``list_learner_enrollments``). The three admin listings sort with
``sort_by`` and ``sort_direction`` (sent as ``sort_attr`` and ``sort_dir``; the learner view
sends ``sort_by`` and ``sort_by_direction``). Enroll is
``POST /learn/v1/enrollments/{course_id}/{user_id}`` with ``level``, the validity dates and
``enrollment_fields`` (the ``ENROLLMENT_FIELDS`` option: an object of field id to value).
A 400 whose message says the user is already enrolled is raised as ``ConflictError``. After an
enroll the connector reads the enrollment back; when the answer said ``waiting`` (a bool, or
0/1, as Docebo's two enroll calls differ; with or without the ``data`` wrapper, which is
unverified for this call) and the enrollment still reads as enrolled, it is returned as
``assigned``: on a waiting list, not yet admitted.

Bulk enroll (``enroll_batch``, at most ``enroll_batch_size`` learners into one course) is the
batch call ``POST /learn/v1/enrollments`` with ``user_ids``, ``course_ids`` (the one course),
``level`` (3, student, when the caller names none: the call's schema requires one, and 3 is
what the single call gives) and the single call's validity dates and ``enrollment_fields``. It
answers 200 with the pairs it enrolled (the user as ``user_id``, or ``id_user`` as in the
riccardo-larosa mock), each with its ``waiting`` flag, and the refused ones
only as messages in ``errors`` (no documented field names their user), so a learner missing
from ``enrolled`` is left out of the result and the caller asks again for that one alone,
which gives its own answer (``ConflictError`` for "already enrolled", ``NotFoundError``...).
The learners enrolled are read back with one admin listing filtered to them in that course
(``user_id[]``, ``course_id[]``: one page, as 100 learners fit in its 200), not one listing
per learner; the waiting rule is the single call's. The call is not one of Docebo's ``/batch``
endpoints (which must not be called concurrently), so bulk runs several at once.

Unenroll is ``DELETE /learn/v1/enrollments/{course_id}/{user_id}``. Docebo's Connect doc names
the singular ``/learn/v1/enrollment/...`` for it, while every other enrollment path is plural;
which one a tenant routes is unknown. The connector sends the plural form first (the form of
the enroll it undoes) and, when the answer says the *route* is unknown (405, or a 404 with no
Docebo error object or only a generic "not found" / "Page not found." message, see
``wire.is_route_not_found``), sends the same ``DELETE`` to the singular form. A 404 that names
the enrollment ("Enrollment not found ...") is the caller's answer and is not retried. The form
that worked is remembered, so later unenrolls go straight to it (and still fall back).

Instructor-led sessions: ``GET /course/v1/courses/{id}/sessions`` (a course without sessions
answers 400 "does not have sessions"; that is read as no sessions), enrolling into a session is
``POST /learn/v1/enrollments`` with ``session_id``, leaving one is
``DELETE /course/v1/sessions/{id}/enrollments`` (a session id is global, so the connector first
checks with ``GET /course/v1/sessions/{id}`` that the session belongs to the course it was
given), and RSVPs are one batch ``PUT /course/v1/events/{id}/rsvp`` answered row by row.

Learning plans: ``GET /learningplan/v1/learningplans`` does not carry a plan's courses, so for
each page of plans the connector fetches every plan's detail (``GET .../learningplans/{id}``),
at most ``DETAIL_CONCURRENCY`` at a time, and yields the page in order. Eager rather than lazy
because ``LearningPlan.course_ids`` is a plain tuple; a tenant has tens of plans, not thousands.
A plan deleted between the list and its detail is skipped. Unenrolling from a plan is
``DELETE /learn/v1/enrollments`` with ``learningplan_ids``.

Batch calls (``POST``/``DELETE /learn/v1/enrollments``) answer 200 with per-item ``errors``;
when the one item the connector sent failed, it raises what the single-item call would have:
``ConflictError`` (status 400, as Docebo answers "already enrolled") when the message says
"already", ``NotFoundError`` (404) when it says "not found", "not enrolled" or "no user",
``BadRequestError`` (400) otherwise, with the answer as ``body``. Ids go on the wire as numbers
and levels as their numbers (3, 4, 6, 7) whatever name the caller used.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final, Self

import httpx
import msgspec

from core.capabilities import Capabilities, EnrollOption, Operation
from core.connector import Connector, Fetch, Follow, QueryParams, decode_body
from core.connectors.docebo import mapping, wire
from core.errors import ApiError, AuthenticationError, BadRequestError, ConflictError, NotFoundError
from core.gcpause import full_collections_deferred
from core.models import (
    Course,
    Enrollment,
    EnrollmentStatus,
    ItemResult,
    LearningPlan,
    LearningPlanEnrollment,
    Refs,
    Rsvp,
    RsvpResponse,
    Session,
    User,
)
from core.remote import item_texts

PAGE_SIZE = 200
#: where a list answer's items are (``{"data": {"items": [...]}}``)
ITEMS = ("data", "items")
#: a page's items, and their JSON texts when kept (``_pages``)
Page = tuple[Sequence[Mapping[str, Any]], Sequence[Mapping[str, Any]] | None]
#: the two spellings of the single-enrollment path, the plural tried first (see above)
ENROLLMENT_PATHS: Final = ("/learn/v1/enrollments", "/learn/v1/enrollment")
TOKEN_MARGIN = 60.0
#: plan details fetched at once while listing learning plans
DETAIL_CONCURRENCY = 8


class DoceboConnector(Connector):
    vendor = "docebo"
    display_name = "Docebo"
    #: learners per ``POST /learn/v1/enrollments`` in a bulk run: the listing that reads them
    #: back is then one page (at most 200 items) whose URL stays near 2 KB
    enroll_batch_size = 100
    capabilities = Capabilities(
        operations=frozenset(Operation) - {Operation.LIST_SKILLS},
        enroll_options=frozenset(
            {
                EnrollOption.LEVEL,
                EnrollOption.VALID_FROM,
                EnrollOption.VALID_UNTIL,
                EnrollOption.ENROLLMENT_FIELDS,
            }
        ),
        enrollment_filters=frozenset({"user_ids", "course_ids", "statuses"}),
        levels=("student", "tutor", "instructor", "coach"),
    )

    def __init__(
        self,
        *,
        base_url: str,
        client_id: str,
        client_secret: str,
        username: str | None = None,
        password: str | None = None,
        http_client: httpx.AsyncClient | None = None,
        max_retries: int = 4,
        timeout: float = 30.0,
        page_size: int = PAGE_SIZE,
    ) -> None:
        super().__init__(
            base_url=base_url, http_client=http_client, max_retries=max_retries, timeout=timeout
        )
        self._client_id = client_id
        self._client_secret = client_secret
        self._username = username
        self._password = password
        self._page_size = page_size
        self._token: str | None = None
        self._refresh_token: str | None = None
        self._token_expires = 0.0
        self._token_lock = asyncio.Lock()
        self._soft_deadline_courses: frozenset[str] | None = None
        self._unenroll_path = ENROLLMENT_PATHS[0]

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
            base_url=base_url,
            client_id=secrets["client_id"],
            client_secret=secrets["client_secret"],
            username=secrets.get("username") or None,
            password=secrets.get("password") or None,
            http_client=http_client,
            **options,
        )

    # -- authentication ------------------------------------------------------------------------

    async def _auth_headers(self) -> dict[str, str]:
        if self._token is None or time.monotonic() >= self._token_expires - TOKEN_MARGIN:
            async with self._token_lock:
                if self._token is None or time.monotonic() >= self._token_expires - TOKEN_MARGIN:
                    await self._fetch_token()
        return {"Authorization": f"Bearer {self._token}"}

    def _invalidate_auth(self) -> bool:
        self._token = None
        return True

    async def _fetch_token(self) -> None:
        form = {
            "client_id": self._client_id,
            "client_secret": self._client_secret,
            "scope": "api",
        }
        if self._refresh_token:
            form |= {"grant_type": "refresh_token", "refresh_token": self._refresh_token}
        elif self._username:
            form |= {
                "grant_type": "password",
                "username": self._username,
                "password": self._password or "",
            }
        else:
            form["grant_type"] = "client_credentials"
        try:
            response = await self.request("POST", "/oauth2/token", data=form, authenticated=False)
        except (BadRequestError, AuthenticationError) as err:
            if form["grant_type"] == "refresh_token":
                self._refresh_token = None
                await self._fetch_token()
                return
            raise AuthenticationError(
                f"sign-in refused: {err.message}",
                vendor=self.vendor,
                status=err.status,
                code=err.code,
            ) from err
        body = decode_body(response)
        token = body.get("access_token") if isinstance(body, Mapping) else None
        if not isinstance(token, str) or not token:
            raise AuthenticationError(
                "the token endpoint answered without an access_token",
                vendor=self.vendor,
                status=response.status_code,
            )
        try:
            expires_in = float(body.get("expires_in") or 3600)
        except (TypeError, ValueError):
            expires_in = 3600.0
        self._token = token
        refresh = body.get("refresh_token")
        self._refresh_token = refresh if isinstance(refresh, str) and refresh else None
        self._token_expires = time.monotonic() + expires_in

    # -- errors --------------------------------------------------------------------------------

    def _error_details(self, body: Any) -> tuple[str | None, str | None]:
        return wire.error_details(body)

    def _error_for(self, response: httpx.Response) -> ApiError:
        error = super()._error_for(response)
        if isinstance(error, BadRequestError) and "already enrolled" in error.message.lower():
            return ConflictError(
                error.message,
                vendor=self.vendor,
                status=error.status,
                code=error.code,
                body=error.body,
            )
        return error

    # -- paging --------------------------------------------------------------------------------

    async def _pages(
        self, path: str, params: QueryParams, *, texts: bool = False
    ) -> AsyncIterator[Page]:
        """Every page of a Docebo list, by cursor when offered, by page number otherwise: its
        items, and with ``texts`` their JSON texts (``core.remote``; None for a page whose
        texts do not line up with its items)."""
        base = [*params, ("page_size", self._page_size)]

        def get(query: QueryParams) -> Fetch:
            return lambda: self.request("GET", path, params=query)

        def read(response: httpx.Response) -> tuple[Page, Follow]:
            page = self._read(response, wire.read_page)
            found = item_texts(response.content, ITEMS, len(page.items)) if texts else None
            if not page.has_more or not page.items:
                return (page.items, found), None
            if page.cursor:
                return (page.items, found), get([*base, ("cursor", page.cursor)])
            return (page.items, found), get([*base, ("page", page.current_page + 1)])

        first = get([*base, ("get_cursor", 1)])()
        async for items, found in self.pages_ahead(first, read):
            if items:
                yield items, found

    # -- operations ----------------------------------------------------------------------------

    async def list_users(self) -> AsyncIterator[User]:
        async for items, _ in self._pages("/manage/v1/user", [("sort_attr", "user_id")]):
            for item in items:
                yield mapping.map_user(item)

    async def list_courses(self) -> AsyncIterator[Course]:
        soft: set[str] = set()
        async for items, _ in self._pages("/learn/v1/courses", [("sort_by", "id_course")]):
            for item in items:
                course = mapping.map_course(item)
                if item.get("soft_deadline"):
                    soft.add(course.id)
                yield course
        self._soft_deadline_courses = frozenset(soft)

    async def _soft_deadlines(self) -> frozenset[str]:
        if self._soft_deadline_courses is None:
            async for _ in self.list_courses():
                pass
        return self._soft_deadline_courses or frozenset()

    def list_enrollments(
        self,
        *,
        user_ids: Sequence[str] = (),
        course_ids: Sequence[str] = (),
        statuses: Sequence[EnrollmentStatus] = (),
    ) -> AsyncIterator[Enrollment]:
        return self.list_course_enrollments(
            user_ids=user_ids, course_ids=course_ids, statuses=statuses
        )

    def list_course_enrollments(
        self,
        *,
        user_ids: Sequence[str] = (),
        course_ids: Sequence[str] = (),
        statuses: Sequence[EnrollmentStatus] = (),
        course_types: Sequence[str] = (),
        levels: Sequence[str | int] = (),
        sort_by: str | None = None,
        sort_direction: str | None = None,
    ) -> AsyncIterator[Enrollment]:
        """``list_enrollments`` with Docebo's other server-side filters: course types
        (``elearning``, ``classroom``, ``webinar``) and levels (names or numbers), and its
        sorting: ``sort_by`` an attribute (``user_id``, ``course_id``,
        ``enrollment_created_at``, ``enrollment_date_last_updated``...), ``sort_direction``
        ``asc`` or ``desc``."""
        params = self._course_enrollment_params(user_ids, course_ids, course_types, levels)
        params += _sort_params(sort_by, sort_direction)
        return self._course_enrollments("/course/v1/courses/enrollments", params, statuses)

    def list_learning_plan_course_enrollments(
        self,
        *,
        learning_plan_id: str,
        user_ids: Sequence[str] = (),
        course_ids: Sequence[str] = (),
        statuses: Sequence[EnrollmentStatus] = (),
        course_types: Sequence[str] = (),
        levels: Sequence[str | int] = (),
        sort_by: str | None = None,
        sort_direction: str | None = None,
    ) -> AsyncIterator[Enrollment]:
        """The course enrollments in the courses of one learning plan, with the filters and
        sorting of ``list_course_enrollments``."""
        params = self._course_enrollment_params(user_ids, course_ids, course_types, levels)
        params += _sort_params(sort_by, sort_direction)
        path = f"/learningplan/v1/learningplans/{learning_plan_id}/courses/enrollments"
        return self._course_enrollments(path, params, statuses)

    def _course_enrollment_params(
        self,
        user_ids: Sequence[str],
        course_ids: Sequence[str],
        course_types: Sequence[str],
        levels: Sequence[str | int],
    ) -> QueryParams:
        params: QueryParams = [("user_id[]", uid) for uid in user_ids]
        params += [("course_id[]", cid) for cid in course_ids]
        if course_types:
            params.append(("course_type", ",".join(t.lower() for t in course_types)))
        if levels:
            numbers = [str(_level_number(level, self.vendor)) for level in levels]
            params.append(("level", ",".join(numbers)))
        return params

    async def _course_enrollments(
        self, path: str, params: QueryParams, statuses: Sequence[EnrollmentStatus]
    ) -> AsyncIterator[Enrollment]:
        wanted = frozenset(statuses)
        if wanted:
            server = sorted({s for st in wanted for s in mapping.SERVER_STATUSES.get(st, ())})
            if len(server) and all(st in mapping.SERVER_STATUSES for st in wanted):
                params = [*params, ("status", ",".join(server))]
        soft = await self._soft_deadlines()
        now = datetime.now(UTC)
        refs = Refs()
        with full_collections_deferred():  # 100,000 surviving records: see core.gcpause
            async for items, texts in self._pages(path, params, texts=True):
                for index, item in enumerate(items):
                    enrollment = mapping.map_course_enrollment(
                        item, now=now, soft_deadline_courses=soft, refs=refs
                    )
                    if texts is not None:
                        enrollment.remote_data = texts[index]
                    if not wanted or enrollment.status in wanted:
                        yield enrollment

    async def list_learner_enrollments(
        self,
        *,
        user_ids: Sequence[str] = (),
        course_ids: Sequence[str] = (),
        course_codes: Sequence[str] = (),
        learning_plan_ids: Sequence[str] = (),
        learning_plan_codes: Sequence[str] = (),
        statuses: Sequence[str] = (),
        types: Sequence[str] = (),
        deadline: datetime | None = None,
        updated_from: datetime | None = None,
        updated_to: datetime | None = None,
        rating: int | None = None,
        search: str | None = None,
        level: str | int | None = None,
        get_session_details: bool = False,
        exclude_courses_in_lp: bool = False,
        show_upcoming_sessions: bool = False,
        duration_from_seconds: int | None = None,
        duration_to_seconds: int | None = None,
        languages: Sequence[str] = (),
        sort_by: str | None = None,
        sort_direction: str | None = None,
    ) -> AsyncIterator[Enrollment | LearningPlanEnrollment]:
        """The learner view ``GET /learn/v1/enrollments``: course enrollments and learning-plan
        enrollments, with its filters under their wire names. ``statuses`` and ``types`` are
        Docebo's own strings (``not_started``, ``completed``...; ``classroom``,
        ``learning_plan``...). A course filter selects course items and a plan filter plan
        items; ``get_session_details`` fills each course item's ``enrolled_sessions`` (in
        ``remote_data``)."""
        params: QueryParams = [("id_user[]", uid) for uid in user_ids]
        params += [("id_course[]", cid) for cid in course_ids]
        params += [("code_course[]", code) for code in course_codes]
        params += [("id_learning_plan[]", pid) for pid in learning_plan_ids]
        params += [("code_learning_plan[]", code) for code in learning_plan_codes]
        csv = {"status": statuses, "type": types, "language": languages}
        params += [(name, ",".join(values)) for name, values in csv.items() if values]
        dates = {"deadline": deadline, "updated_from": updated_from, "updated_to": updated_to}
        params += [(name, mapping.format_date(d)) for name, d in dates.items() if d is not None]
        numbers = {
            "rating": rating,
            "duration_from_seconds": duration_from_seconds,
            "duration_to_seconds": duration_to_seconds,
        }
        params += [(name, n) for name, n in numbers.items() if n is not None]
        if level is not None:
            params.append(("level", _level_number(level, self.vendor)))
        flags = {
            "get_session_details": get_session_details,
            "exclude_courses_in_lp": exclude_courses_in_lp,
            "show_upcoming_sessions": show_upcoming_sessions,
        }
        params += [(name, 1) for name, on in flags.items() if on]
        if search:
            params.append(("search", search))
        if sort_by:
            params.append(("sort_by", sort_by))
        if sort_direction:
            params.append(("sort_by_direction", sort_direction))
        now = datetime.now(UTC)
        async for items, _ in self._pages("/learn/v1/enrollments", params):
            for item in items:
                yield mapping.map_learner_item(item, now=now)

    async def enroll(
        self, *, user_id: str, course_id: str, options: Mapping[EnrollOption, Any] | None = None
    ) -> Enrollment:
        self.check_enroll_options(options)
        body = self._enroll_body(options)
        path = f"{ENROLLMENT_PATHS[0]}/{course_id}/{user_id}"
        response = await self.request("POST", path, json=body)
        try:
            rows = wire.read_batch(decode_body(response), "enrolled").done
        except ValueError:
            rows = []  # the enrollment was made; the answer only adds the waiting flag
        waiting = any(
            _same_id(row.get("user_id"), user_id) and wire.truthy(row.get("waiting"))
            for row in rows
            if isinstance(row, Mapping)
        )
        return await self._enrollment_after_write(user_id, course_id, waiting=waiting)

    async def enroll_batch(
        self,
        *,
        user_ids: Sequence[str],
        course_id: str,
        options: Mapping[EnrollOption, Any] | None = None,
    ) -> list[Enrollment]:
        """Many learners into one course with one ``POST /learn/v1/enrollments`` (``user_ids``,
        ``course_ids``, the options ``enroll`` takes) and one listing of those learners in
        that course; the enrollments the call made, waiting-list ones ``assigned`` (see the
        module docstring). A learner Docebo refused (already enrolled, unknown) is left out:
        the caller asks again for that one alone, to get its own answer."""
        self.check_enroll_options(options)
        users = list(dict.fromkeys(str(user) for user in user_ids))
        if not users:
            return []
        body: dict[str, Any] = {
            "user_ids": [_wire_id(user) for user in users],
            "course_ids": [_wire_id(course_id)],
            # Docebo's schema requires a level on this call; 3 (student) is the default
            "level": 3,
            **self._enroll_body(options),
        }
        response = await self.request("POST", "/learn/v1/enrollments", json=body)
        answer = self._read(response, lambda b: wire.read_batch(b, "enrolled"))
        waiting: dict[str, bool] = {}
        for row in answer.done:
            # ``user_id`` as the single call answers; ``id_user`` as a published mock has it
            who = row.get("user_id", row.get("id_user")) if isinstance(row, Mapping) else None
            if who is not None:
                user = str(who)
                waiting[user] = waiting.get(user, False) or wire.truthy(row.get("waiting"))
        made = [user for user in users if user in waiting]
        if not made:
            return []
        found: dict[str, Enrollment] = {}
        async for enrollment in self.list_enrollments(user_ids=made, course_ids=[course_id]):
            user = enrollment.user.id
            if enrollment.course.id != str(course_id) or user not in waiting or user in found:
                continue
            found[user] = _admitted(enrollment, waiting=waiting[user])
        return [found[user] for user in made if user in found]

    def _enroll_body(self, options: Mapping[EnrollOption, Any] | None) -> dict[str, Any]:
        """The options of an enroll as Docebo's body fields (both enroll calls take them)."""
        body: dict[str, Any] = {}
        for option, value in (options or {}).items():
            if option is EnrollOption.LEVEL:
                body["level"] = _level_number(value, self.vendor)
            elif option is EnrollOption.VALID_FROM:
                body["date_begin_validity"] = _wire_date(value)
            elif option is EnrollOption.VALID_UNTIL:
                body["date_expire_validity"] = _wire_date(value)
            elif option is EnrollOption.ENROLLMENT_FIELDS:
                body["enrollment_fields"] = _enrollment_fields(value, self.vendor)
        return body

    async def _enrollment_after_write(
        self, user_id: str, course_id: str, *, waiting: bool
    ) -> Enrollment:
        async for enrollment in self.list_enrollments(user_ids=[user_id], course_ids=[course_id]):
            return _admitted(enrollment, waiting=waiting)
        raise NotFoundError(
            f"enrollment of user {user_id} in course {course_id} not found after enrolling",
            vendor=self.vendor,
            status=404,
        )

    async def unenroll(self, *, user_id: str, course_id: str) -> None:
        """``DELETE`` the enrollment; on an unknown route, by the other path form (see the
        module docstring)."""
        first = self._unenroll_path
        forms = [first, *(form for form in ENROLLMENT_PATHS if form != first)]
        for index, form in enumerate(forms):
            try:
                await self.request("DELETE", f"{form}/{course_id}/{user_id}")
            except (NotFoundError, BadRequestError) as err:
                if index + 1 < len(forms) and _route_missing(err):
                    continue
                raise
            self._unenroll_path = form
            return

    # -- instructor-led sessions ---------------------------------------------------------------

    async def list_sessions(self, *, course_id: str) -> AsyncIterator[Session]:
        path = f"/course/v1/courses/{course_id}/sessions"
        try:
            async for items, _ in self._pages(path, []):
                for item in items:
                    yield mapping.map_session(item, course_id=course_id)
        except BadRequestError as err:
            if "does not have sessions" not in err.message.lower():
                raise

    async def get_session(self, session_id: str) -> Session:
        """One session (``GET /course/v1/sessions/{id}``)."""
        response = await self.request("GET", f"/course/v1/sessions/{session_id}")
        item = self._read(response, wire.read_data)
        if not isinstance(item, Mapping):
            raise self._unexpected(response, "the session is not an object")
        return mapping.map_session(item)

    async def enroll_session(
        self, *, user_id: str, course_id: str, session_id: str, level: str | None = None
    ) -> Enrollment:
        body = {
            "user_ids": [_wire_id(user_id)],
            "course_ids": [_wire_id(course_id)],
            "session_id": _wire_id(session_id),
            # Docebo's schema requires a level; 3 (student) is what a plain enroll gets.
            "level": _level_number(level if level is not None else 3, self.vendor),
        }
        response = await self.request("POST", "/learn/v1/enrollments", json=body)
        answer = self._read(response, lambda b: wire.read_batch(b, "enrolled"))
        for row in answer.done:
            if isinstance(row, Mapping) and _same_id(row.get("user_id"), user_id):
                waiting = wire.truthy(row.get("waiting"))
                return await self._enrollment_after_write(user_id, course_id, waiting=waiting)
        raise self._batch_error(
            answer, response, f"user {user_id} was not enrolled in session {session_id}"
        )

    async def unenroll_session(self, *, user_id: str, course_id: str, session_id: str) -> None:
        session = await self.get_session(session_id)
        if session.course_id != str(course_id):
            raise NotFoundError(
                f"session {session_id} is not a session of course {course_id}",
                vendor=self.vendor,
                status=404,
            )
        await self.request(
            "DELETE",
            f"/course/v1/sessions/{session_id}/enrollments",
            json={"user_ids": [_wire_id(user_id)]},
        )

    async def update_rsvp(
        self,
        *,
        event_id: str,
        responses: Sequence[Rsvp],
        synchronized_at: datetime | None = None,
    ) -> list[ItemResult]:
        self.check_rsvps(responses)
        if not responses:
            return []
        items: list[dict[str, Any]] = []
        for rsvp in responses:
            who: dict[str, Any] = (
                {"user_id": _wire_id(rsvp.user_id)}
                if rsvp.user_id is not None
                else {"user_email": rsvp.email}
            )
            items.append({**who, "response": mapping.RSVP_VALUES[RsvpResponse(rsvp.response)]})
        body: dict[str, Any] = {"items": items}
        if synchronized_at is not None:
            body["sync_timestamp"] = mapping.format_date(synchronized_at)
        response = await self.request("PUT", f"/course/v1/events/{event_id}/rsvp", json=body)
        return mapping.map_item_results(self._read(response, wire.read_data))

    # -- learning plans ------------------------------------------------------------------------

    async def list_learning_plans(self) -> AsyncIterator[LearningPlan]:
        limit = asyncio.Semaphore(DETAIL_CONCURRENCY)
        path = "/learningplan/v1/learningplans"
        async for items, _ in self._pages(path, [("sort_attr", "learning_plan_id")]):
            tasks = [asyncio.create_task(self._plan_detail(item, limit)) for item in items]
            try:
                details = await asyncio.gather(*tasks)
            finally:
                for task in tasks:
                    task.cancel()
            for detail in details:
                if detail is not None:
                    yield mapping.map_learning_plan(detail)

    async def _plan_detail(
        self, item: Mapping[str, Any], limit: asyncio.Semaphore
    ) -> Mapping[str, Any] | None:
        """The plan's list item with its detail (and so its ``courses``); None if it is gone."""
        plan_id = item.get("learning_plan_id", item.get("id"))
        async with limit:
            try:
                response = await self.request("GET", f"/learningplan/v1/learningplans/{plan_id}")
            except NotFoundError:
                return None
        detail = self._read(response, wire.read_data)
        return {**item, **detail} if isinstance(detail, Mapping) else dict(item)

    async def list_learning_plan_enrollments(
        self,
        *,
        user_ids: Sequence[str] = (),
        learning_plan_ids: Sequence[str] = (),
        statuses: Sequence[EnrollmentStatus] = (),
        sort_by: str | None = None,
        sort_direction: str | None = None,
    ) -> AsyncIterator[LearningPlanEnrollment]:
        """Learning-plan enrollments; ``sort_by`` an attribute (``user_id``,
        ``learning_plan_id``, ``enrollment_created_at``, ``enrollment_date_last_updated``...),
        ``sort_direction`` ``asc`` or ``desc``."""
        params: QueryParams = [("user_id[]", uid) for uid in user_ids]
        params += [("learning_plan_id[]", pid) for pid in learning_plan_ids]
        params += _sort_params(sort_by, sort_direction)
        wanted = frozenset(statuses)
        if wanted and all(st in mapping.PLAN_SERVER_STATUSES for st in wanted):
            server = sorted({s for st in wanted for s in mapping.PLAN_SERVER_STATUSES[st]})
            params.append(("status", ",".join(server)))
        path = "/learningplan/v1/learningplans/enrollments"
        async for items, _ in self._pages(path, params):
            for item in items:
                enrollment = mapping.map_plan_enrollment(item)
                if not wanted or enrollment.status in wanted:
                    yield enrollment

    async def unenroll_learning_plan(
        self,
        *,
        user_id: str,
        learning_plan_id: str,
        reset_tracks: bool = False,
        unenroll_courses: bool = False,
    ) -> None:
        body = {
            "user_ids": [_wire_id(user_id)],
            "learningplan_ids": [_wire_id(learning_plan_id)],
            "reset_tracks": reset_tracks,
            "cascade_unenroll_from_courses_in_selected_learning_plan": unenroll_courses,
        }
        response = await self.request("DELETE", "/learn/v1/enrollments", json=body)
        answer = self._read(response, lambda b: wire.read_batch(b, "unenrolled"))
        if not any(_same_id(done, user_id) for done in answer.done):
            raise self._batch_error(
                answer,
                response,
                f"user {user_id} was not unenrolled from learning plan {learning_plan_id}",
            )

    # -- reading answers -----------------------------------------------------------------------

    def _batch_error(
        self, answer: wire.BatchAnswer, response: httpx.Response, fallback: str
    ) -> ApiError:
        """The error of the one item of a batch call that failed (see the module docstring)."""
        message = "; ".join(answer.errors) or fallback
        lowered = message.lower()
        body = decode_body(response)
        if "already" in lowered:
            return ConflictError(message, vendor=self.vendor, status=400, body=body)
        if any(words in lowered for words in ("not found", "not enrolled", "no user")):
            return NotFoundError(message, vendor=self.vendor, status=404, body=body)
        return BadRequestError(message, vendor=self.vendor, status=400, body=body)


def _level_number(value: Any, vendor: str) -> int:
    number = mapping.level_number(value)
    if number is None:
        raise BadRequestError(
            f"unknown level {value!r}; use one of {', '.join(mapping.LEVEL_NUMBERS)}",
            vendor=vendor,
            status=400,
        )
    return number


def _sort_params(sort_by: str | None, sort_direction: str | None) -> QueryParams:
    """The admin listings' sorting, as ``sort_attr`` and ``sort_dir``."""
    params: QueryParams = []
    if sort_by:
        params.append(("sort_attr", sort_by))
    if sort_direction:
        params.append(("sort_dir", sort_direction.lower()))
    return params


def _route_missing(err: ApiError) -> bool:
    """Whether an error says the path is not routed at all (see ``wire.is_route_not_found``)."""
    return err.status == 405 or (err.status == 404 and wire.is_route_not_found(err.body))


def _enrollment_fields(value: Any, vendor: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise BadRequestError(
            f"enrollment_fields must be a mapping of field to value, not {type(value).__name__}",
            vendor=vendor,
            status=400,
        )
    return {str(key): field for key, field in value.items()}


def _admitted(enrollment: Enrollment, *, waiting: bool) -> Enrollment:
    """An enrollment read back after a write: ``assigned`` when the write's answer said
    ``waiting`` and it still reads as enrolled (see the module docstring)."""
    if waiting and enrollment.status is EnrollmentStatus.ENROLLED:
        return msgspec.structs.replace(enrollment, status=EnrollmentStatus.ASSIGNED)
    return enrollment


def _wire_id(value: str) -> int | str:
    """An id as Docebo's bodies carry it: a number (left as it is when it is not one)."""
    text = str(value).strip()
    return int(text) if text.isdigit() else text


def _same_id(wire_value: Any, value: str) -> bool:
    return wire_value is not None and str(wire_value) == str(value)


def _wire_date(value: Any) -> str:
    if isinstance(value, datetime):
        return mapping.format_date(value)
    return str(value)
