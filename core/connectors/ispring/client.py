"""iSpring Learn's REST API as a connector.

Authentication: ``POST /api/v3/token`` (a form: ``client_id``, ``client_secret``,
``grant_type=client_credentials``) gives a bearer token for ``expires_in`` seconds (1800) and no
refresh token. The connector fetches one before the first call, a new one ``TOKEN_MARGIN``
seconds before the old one expires (by its own clock, started before the token was asked for,
under a lock so concurrent calls fetch one), and once more after a 401 (the base's
``_invalidate_auth``): the server's clock decides in the end. A refused sign-in (400 or 401 at
the token endpoint) is an ``AuthenticationError``.

Formats: JSON by default. ``format="xml"`` sends ``Accept: application/xml`` and XML bodies
(``<request>``), and reads XML answers into the same Python shapes the JSON ones give (see
``wire``): for tenants whose proxies pass only XML. Errors are iSpring's ``{code, message}``
in either format; the branch of the error tree is chosen by the HTTP status (``code`` repeats
it), so a department administrator reaching outside their departments gets
``PermissionDeniedError``.

Listing: ``GET /users/v2`` (v2 statuses), ``GET /contents`` and ``GET /enrollments``, paged
with ``pageSize`` (``page_size``, at most 1000) and ``pageToken`` until an answer has no
``nextPageToken``; id filters go as ``name[]`` query parameters. When the id filters of an
enrollment listing are too many for a URL (more than ``MAX_QUERY_IDS``), it is
``POST /enrollments`` with the filters and paging in the body instead. Each next page is asked
for before the page in hand is mapped (``Connector.pages_ahead``); an enrollment listing keeps
the enrollment and its result each as its JSON text in ``remote_data`` (``core.remote``; the
decoded values for an XML tenant).

Enrollments and results: ``list_enrollments`` first reads every ``GET /learners/results`` page
of the same selection once (``userIds``, ``courseIds``, ``enrollmentIds``; the
``completionStatuses`` that can give the statuses asked for; every user status, because iSpring
shows only active users' results by default), indexes them by ``enrollmentId``, then pages
through the enrollments and joins each with its result in memory: two paged listings, never a
call per enrollment. ``mapping`` has the status table.

Writes: ``POST /enrollment`` is many-to-many and answers 201 without a body, so ``enroll`` and
``enroll_many`` send one call for every pair, then find the pairs' enrollments
(``GET /enrollments`` by ``learnerIds[]`` and ``courseIds[]``, joined with their results) and
return them: iSpring's answer names no enrollment, so nothing is made up from it. When a
listing's ids are too many for a URL, its results are read by ``courseIds`` alone where those
fit (the courses' results, not every result of the tenant).
A pair already enrolled is left as it is by iSpring and returned as it is. The due date follows
``dueDateType`` (``Capabilities.due_date_types``; ``default`` is the course's own default due
period). ``update_enrollment`` (``POST /enrollment/{id}``) and ``reenroll``
(``POST /enrollment/{id}/reenroll``) answer 200 without a body; the connector reads the
enrollment back (``GET /enrollment/{id}`` and its result). ``unenroll`` finds the pair's
enrollment (``NotFoundError`` when there is none) and deletes it with ``POST /enrollment/delete``
(``delete_enrollments`` takes ids directly).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any, Final, Literal, Self, TypeVar
from urllib.parse import quote

import httpx

from core.capabilities import Capabilities, EnrollOption, Operation
from core.connector import Connector, Fetch, Follow, QueryParams
from core.connectors.ispring import mapping, wire
from core.errors import AuthenticationError, BadRequestError, NotFoundError
from core.gcpause import full_collections_deferred
from core.models import Course, Enrollment, EnrollmentStatus, Refs, User
from core.remote import item_texts

T = TypeVar("T")

PAGE_SIZE: Final = 1000
MAX_PAGE_SIZE: Final = 1000
#: seconds before a token's end at which the connector fetches a new one
TOKEN_MARGIN: Final = 60.0
#: id filters beyond this many go in a POST body rather than the URL
MAX_QUERY_IDS: Final = 50
#: a page's items, and their JSON texts when kept (``_pages``)
Page = tuple[Sequence[Mapping[str, Any]], Sequence[Mapping[str, Any]] | None]
#: every user status (1 active, 3 inactive, 5 terminated): results default to active users only
ALL_USER_STATUSES: Final = (1, 3, 5)

Format = Literal["json", "xml"]


class ISpringConnector(Connector):
    vendor = "ispring"
    display_name = "iSpring Learn"
    #: learners per POST /enrollment in a bulk run (the body lists ids; 100 keeps it small)
    enroll_batch_size = 100
    capabilities = Capabilities(
        operations=frozenset(
            {
                Operation.LIST_USERS,
                Operation.LIST_COURSES,
                Operation.LIST_ENROLLMENTS,
                Operation.ENROLL,
                Operation.UNENROLL,
            }
        ),
        enroll_options=frozenset(mapping.ENROLL_OPTIONS),
        enrollment_filters=frozenset({"user_ids", "course_ids", "statuses"}),
        due_date_types=mapping.DUE_DATE_TYPES,
    )

    def __init__(
        self,
        *,
        base_url: str,
        client_id: str,
        client_secret: str,
        http_client: httpx.AsyncClient | None = None,
        max_retries: int = 4,
        timeout: float = 30.0,
        page_size: int = PAGE_SIZE,
        format: Format = "json",
        backoff_base: float = 0.25,
        max_backoff: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, got {page_size}")
        if format not in ("json", "xml"):
            raise ValueError(f"format must be 'json' or 'xml', got {format!r}")
        super().__init__(
            base_url=base_url,
            http_client=http_client,
            max_retries=max_retries,
            timeout=timeout,
            backoff_base=backoff_base,
            max_backoff=max_backoff,
        )
        self._client_id = client_id
        self._client_secret = client_secret
        self._page_size = page_size
        self.format: Format = format
        self._accept = {"Accept": wire.XML_MEDIA_TYPE} if format == "xml" else {}
        self._clock = clock
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = asyncio.Lock()

    @classmethod
    def from_secrets(
        cls,
        *,
        base_url: str,
        secrets: Mapping[str, str],
        http_client: httpx.AsyncClient | None = None,
        **options: Any,
    ) -> Self:
        """The account's API client (``client_id``, ``client_secret``); other secrets, such as
        the sandbox's ``department_client_id``/``_secret``, are ignored."""
        return cls(
            base_url=base_url,
            client_id=secrets["client_id"],
            client_secret=secrets["client_secret"],
            http_client=http_client,
            **options,
        )

    # -- authentication ------------------------------------------------------------------------

    def _token_fresh(self) -> bool:
        return self._token is not None and self._clock() < self._token_expires - TOKEN_MARGIN

    async def _auth_headers(self) -> dict[str, str]:
        if not self._token_fresh():
            async with self._token_lock:
                if not self._token_fresh():
                    await self._fetch_token()
        return {"Authorization": f"Bearer {self._token}"}

    def _invalidate_auth(self) -> bool:
        self._token = None
        return True

    async def _fetch_token(self) -> None:
        form = {
            "client_id": self._client_id,
            "client_secret": self._client_secret,
            "grant_type": "client_credentials",
        }
        asked_at = self._clock()
        try:
            response = await self.request(
                "POST", "/api/v3/token", data=form, headers=self._accept, authenticated=False
            )
        except (BadRequestError, AuthenticationError) as err:
            raise AuthenticationError(
                f"sign-in refused: {err.message}",
                vendor=self.vendor,
                status=err.status,
                code=err.code,
                body=err.body,
            ) from err
        try:
            token, expires_in = self._read_shaped(response, wire.TOKEN, wire.read_token)
        except BadRequestError as err:
            raise AuthenticationError(
                err.message, vendor=self.vendor, status=err.status, body=err.body
            ) from err
        self._token = token
        self._token_expires = asked_at + expires_in

    # -- formats and errors --------------------------------------------------------------------

    def _decode(self, response: httpx.Response) -> Any:
        try:
            return wire.decode(response.content, response.headers.get("content-type"), wire.ERROR)
        except ValueError:
            return response.text

    def _error_details(self, body: Any) -> tuple[str | None, str | None]:
        return wire.error_details(body)

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: QueryParams | None = None,
        body: Mapping[str, Any] | None = None,
        repeated: frozenset[str] = frozenset(),
    ) -> httpx.Response:
        """One request in the connector's format: ``body`` as JSON or as a ``<request>``."""
        if body is None or self.format == "json":
            return await self.request(method, path, params=params, json=body, headers=self._accept)
        return await self.request(
            method,
            path,
            params=params,
            content=wire.encode_xml(body, repeated=repeated),
            headers={**self._accept, "Content-Type": wire.XML_MEDIA_TYPE},
        )

    def _read_shaped(
        self, response: httpx.Response, shape: wire.Shape, reader: Callable[[Any], T]
    ) -> T:
        """An answer in JSON or XML, read into ``shape``'s Python values, then by ``reader``."""
        try:
            body = wire.decode(response.content, response.headers.get("content-type"), shape)
            return reader(body)
        except ValueError as err:
            raise self._unexpected(response, str(err)) from err

    def _refused(self, err: ValueError) -> BadRequestError:
        """A request refused before it is sent."""
        return BadRequestError(str(err), vendor=self.vendor, status=400)

    # -- paging --------------------------------------------------------------------------------

    async def _pages(
        self,
        path: str,
        key: str,
        shape: wire.Obj,
        *,
        params: QueryParams | None = None,
        body: Mapping[str, Any] | None = None,
        texts: bool = False,
    ) -> AsyncIterator[Page]:
        """Every page of a list, following ``nextPageToken``: ``GET`` with ``params``, or
        ``POST`` with the filters and paging in ``body``. Each page's items, and with
        ``texts`` their JSON texts (``core.remote``; None for an XML page, or a page whose
        texts do not line up with its items)."""
        reader = partial(wire.read_page, key=key)
        seen: set[str] = set()

        def get(token: str | None) -> Fetch:
            if body is None:
                query: QueryParams = [*(params or []), ("pageSize", self._page_size)]
                if token:
                    query.append(("pageToken", token))
                return lambda: self._call("GET", path, params=query)
            payload = {**body, "pageSize": self._page_size}
            if token:
                payload["pageToken"] = token
            return lambda: self._call(
                "POST", path, body=payload, repeated=wire.LIST_ENROLLMENTS_REPEATED
            )

        def read(response: httpx.Response) -> tuple[Page, Follow]:
            page = self._read_shaped(response, shape, reader)
            found = item_texts(response.content, (key,), len(page.items)) if texts else None
            if page.next_token is None:
                return (page.items, found), None
            if page.next_token in seen:
                raise self._unexpected(response, "the nextPageToken repeats an earlier one")
            seen.add(page.next_token)
            return (page.items, found), get(page.next_token)

        async for items, found in self.pages_ahead(get(None)(), read):
            if items:
                yield items, found

    # -- listing -------------------------------------------------------------------------------

    async def list_users(
        self,
        *,
        user_ids: Sequence[str] = (),
        departments: Sequence[str] = (),
        logins: Sequence[str] = (),
        emails: Sequence[str] = (),
    ) -> AsyncIterator[User]:
        """Users (``GET /users/v2``), optionally only those with these ids, in these
        departments (exactly: not their sub-departments), logins or emails."""
        params: QueryParams = [
            *wire.array("userIds[]", user_ids),
            *wire.array("departments[]", departments),
            *wire.array("logins[]", logins),
            *wire.array("emails[]", emails),
        ]
        pages = self._pages("/users/v2", "userProfiles", wire.USERS_PAGE, params=params)
        async for items, _ in pages:
            for item in items:
                yield mapping.map_user(item)

    async def list_courses(
        self, *, content_item_ids: Sequence[str] = (), content_types: Sequence[str] = ()
    ) -> AsyncIterator[Course]:
        """Content items (``GET /contents``): courses, learning tracks and standalone materials,
        optionally only these ids or these ``contentTypes`` (``Course``, ``LearningTrack``...)."""
        params: QueryParams = [
            *wire.array("contentItemIds[]", content_item_ids),
            *wire.array("contentTypes", content_types),
        ]
        async for items, _ in self._pages(
            "/contents", "contentItems", wire.CONTENT_PAGE, params=params
        ):
            for item in items:
                yield mapping.map_course(item)

    async def list_enrollments(
        self,
        *,
        user_ids: Sequence[str] = (),
        course_ids: Sequence[str] = (),
        statuses: Sequence[EnrollmentStatus] = (),
        enrollment_ids: Sequence[str] = (),
    ) -> AsyncIterator[Enrollment]:
        """Enrollments joined with their results (see the module docstring). ``statuses`` is
        narrowed on the server through ``completionStatuses`` and applied here."""
        wanted = frozenset(statuses)
        completion = mapping.completion_statuses_for(wanted)
        if completion == []:
            return  # no iSpring status gives any of these (withdrawn, expired...)
        with full_collections_deferred():  # 100,000 surviving records: see core.gcpause
            results = await self._results(
                user_ids=user_ids,
                course_ids=course_ids,
                enrollment_ids=enrollment_ids,
                completion_statuses=completion or (),
            )
            refs = Refs()
            async for items, texts in self._enrollment_pages(user_ids, course_ids, enrollment_ids):
                for index, item in enumerate(items):
                    found = results.lookup(item)
                    result, kept = (None, None) if found is None else found
                    enrollment = mapping.map_enrollment(item, result, refs)
                    if texts is not None or kept is not result:
                        enrollment.remote_data = {
                            "enrollment": item if texts is None else texts[index],
                            "result": kept,
                        }
                    if not wanted or enrollment.status in wanted:
                        yield enrollment

    def _enrollment_pages(
        self,
        user_ids: Sequence[str],
        course_ids: Sequence[str],
        enrollment_ids: Sequence[str],
        *,
        texts: bool = True,
    ) -> AsyncIterator[Page]:
        key, shape = "enrollments", wire.ENROLLMENTS_PAGE
        if len(user_ids) + len(course_ids) + len(enrollment_ids) > MAX_QUERY_IDS:
            body: dict[str, Any] = {
                "courseIds": list(course_ids) or None,
                "learnerIds": list(user_ids) or None,
                "enrollmentIds": list(enrollment_ids) or None,
            }
            body = {name: value for name, value in body.items() if value is not None}
            return self._pages("/enrollments", key, shape, body=body, texts=texts)
        params: QueryParams = [
            *wire.array("courseIds[]", course_ids),
            *wire.array("learnerIds[]", user_ids),
            *wire.array("enrollmentIds[]", enrollment_ids),
        ]
        return self._pages("/enrollments", key, shape, params=params, texts=texts)

    async def _results(
        self,
        *,
        user_ids: Sequence[str] = (),
        course_ids: Sequence[str] = (),
        enrollment_ids: Sequence[str] = (),
        completion_statuses: Sequence[str] = (),
    ) -> mapping.ResultIndex:
        """Every learner result of a selection, read once and indexed. Id filters too many for
        a URL are left out, all but ``courseIds`` when those fit alone (a course's results, not
        every result of the tenant): the join by enrollment id keeps only what is asked for."""
        params: QueryParams = [*wire.array("userStatuses", ALL_USER_STATUSES)]
        if len(user_ids) + len(course_ids) + len(enrollment_ids) <= MAX_QUERY_IDS:
            params += wire.array("userIds", user_ids)
            params += wire.array("courseIds", course_ids)
            params += wire.array("enrollmentIds", enrollment_ids)
        elif len(course_ids) <= MAX_QUERY_IDS:
            params += wire.array("courseIds", course_ids)
        params += wire.array("completionStatuses", completion_statuses)
        index = mapping.ResultIndex()
        async for items, texts in self._pages(
            "/learners/results", "results", wire.RESULTS_PAGE, params=params, texts=True
        ):
            index.add(items, texts)
        return index

    async def get_enrollment(self, enrollment_id: str) -> Enrollment:
        """One enrollment (``GET /enrollment/{id}``) with its result; ``NotFoundError`` when
        there is none."""
        response = await self._call("GET", f"/enrollment/{_path_id(enrollment_id)}")
        item = self._read_shaped(response, wire.ENROLLMENT_ANSWER, wire.read_enrollment)
        results = await self._results(enrollment_ids=[str(item["enrollmentId"])])
        return mapping.map_enrollment(item, results.find(item))

    # -- writes --------------------------------------------------------------------------------

    async def enroll(
        self, *, user_id: str, course_id: str, options: Mapping[EnrollOption, Any] | None = None
    ) -> Enrollment:
        """Enroll one user in one content item; the enrollment (the existing one when the
        pair was enrolled already). Options: ``due_at`` (a due date), ``valid_from`` (the start
        of access), ``due_date_type``, ``due_period_hours``, ``lock_after_due``."""
        self.check_enroll_options(options)
        found = await self.enroll_many(
            [user_id], [course_id], **mapping.schedule_arguments(options)
        )
        if not found:
            raise NotFoundError(
                f"iSpring accepted the enrollment of {user_id} in {course_id} but does not list it",
                vendor=self.vendor,
                status=404,
            )
        return found[0]

    async def enroll_batch(
        self,
        *,
        user_ids: Sequence[str],
        course_id: str,
        options: Mapping[EnrollOption, Any] | None = None,
    ) -> list[Enrollment]:
        """Many learners into one content item with one ``POST /enrollment`` (see
        ``enroll_many``), with the options ``enroll`` takes."""
        self.check_enroll_options(options)
        return await self.enroll_many(user_ids, [course_id], **mapping.schedule_arguments(options))

    async def enroll_many(
        self,
        user_ids: Sequence[str],
        course_ids: Sequence[str],
        *,
        due_date_type: str | None = None,
        due_date: mapping.Moment | None = None,
        due_period_hours: int | None = None,
        access_date: mapping.Moment | None = None,
        lock_after_due_date: bool | None = None,
    ) -> list[Enrollment]:
        """Enroll every user in every content item with one ``POST /enrollment``; the
        enrollment of every pair (course by course, users in the order given), new or already
        there. ``due_date_type`` is one of ``capabilities.due_date_types`` (see
        ``mapping.schedule`` for the default); ``due_period_hours`` counts from the start of
        access (``access_date``, now when None)."""
        users = list(dict.fromkeys(user_ids))
        courses = list(dict.fromkeys(course_ids))
        try:
            fields = mapping.schedule(
                due_date_type=due_date_type,
                due_date=due_date,
                due_period_hours=due_period_hours,
                access_date=access_date,
                lock_after_due_date=lock_after_due_date,
            )
        except ValueError as err:
            raise self._refused(err) from err
        if not users or not courses:
            return []
        body = {"courseIds": courses, "learnerIds": users, **fields}
        await self._call("POST", "/enrollment", body=body)
        by_pair: dict[tuple[str, str], Enrollment] = {}
        async for enrollment in self.list_enrollments(user_ids=users, course_ids=courses):
            # the pair from the normalized ids (the learner's and the course's, as listed):
            # the item itself is kept as text, which each read would decode again
            pair = mapping.pair_key(enrollment.user.id, enrollment.course.id)
            by_pair.setdefault(pair, enrollment)
        return [
            by_pair[pair]
            for course_id in courses
            for user_id in users
            if (pair := mapping.pair_key(user_id, course_id)) in by_pair
        ]

    async def update_enrollment(
        self,
        enrollment_id: str,
        *,
        access_date: mapping.Moment,
        due_date_type: str,
        due_date: mapping.Moment | None = None,
        due_period_hours: int | None = None,
        lock_after_due_date: bool | None = None,
    ) -> Enrollment:
        """Replace an enrollment's schedule (``POST /enrollment/{id}``); progress is kept.
        Returns the enrollment as it reads afterwards."""
        try:
            body = mapping.schedule(
                due_date_type=due_date_type,
                due_date=due_date,
                due_period_hours=due_period_hours,
                access_date=access_date,
                lock_after_due_date=lock_after_due_date,
            )
        except ValueError as err:
            raise self._refused(err) from err
        await self._call("POST", f"/enrollment/{_path_id(enrollment_id)}", body=body)
        return await self.get_enrollment(enrollment_id)

    async def reenroll(
        self,
        enrollment_id: str,
        *,
        access_date: mapping.Moment | None = None,
        due_date_type: str | None = None,
        due_date: mapping.Moment | None = None,
        due_period_hours: int | None = None,
        lock_after_due_date: bool | None = None,
    ) -> Enrollment:
        """Let the learner start over (``POST /enrollment/{id}/reenroll``): a fresh, not started
        attempt on a new schedule, access from ``access_date`` (now when None). iSpring refuses
        an enrollment never started with ``ConflictError``. Returns the enrollment afterwards."""
        try:
            body = mapping.schedule(
                due_date_type=due_date_type,
                due_date=due_date,
                due_period_hours=due_period_hours,
                access_date=access_date if access_date is not None else datetime.now(UTC),
                lock_after_due_date=lock_after_due_date,
            )
        except ValueError as err:
            raise self._refused(err) from err
        await self._call("POST", f"/enrollment/{_path_id(enrollment_id)}/reenroll", body=body)
        return await self.get_enrollment(enrollment_id)

    async def unenroll(self, *, user_id: str, course_id: str) -> None:
        """Delete the user's enrollment in the content item; ``NotFoundError`` when there is
        none."""
        found = [
            str(item.get("enrollmentId"))
            async for items, _ in self._enrollment_pages([user_id], [course_id], (), texts=False)
            for item in items
            if mapping.is_pair(item, user_id, course_id)
        ]
        if not found:
            raise NotFoundError(
                f"user {user_id} is not enrolled in {course_id}", vendor=self.vendor, status=404
            )
        await self.delete_enrollments(found)

    async def delete_enrollments(self, enrollment_ids: Sequence[str]) -> None:
        """Delete enrollments by id (``POST /enrollment/delete``): all of them or, when one is
        unknown or out of the caller's scope, none."""
        ids = list(dict.fromkeys(enrollment_ids))
        if ids:
            await self._call("POST", "/enrollment/delete", body={"enrollmentIds": ids})


def _path_id(value: str) -> str:
    """An id as one path segment."""
    return quote(str(value), safe="")
