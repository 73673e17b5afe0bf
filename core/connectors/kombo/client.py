"""Kombo's unified LMS API as a connector.

Every call carries ``Authorization: Bearer <api key>`` and ``X-Integration-Id`` (the LMS
integration it is for). The official ``kombo`` SDK has no LMS module, so the connector speaks
raw HTTP through the base's ``request()``, with its retries and error mapping. Kombo names its
errors by ``code`` (``PLATFORM.AUTHENTICATION_INVALID``...), which becomes the error's ``code``
and, through ``mapping.ERROR_CLASSES``, chooses its class. ``PLATFORM.RATE_LIMIT_EXCEEDED``,
``PLATFORM.CONCURRENCY_LIMIT_EXCEEDED`` (more than 30 actions in flight per integration; Kombo
answers 429) and ``REMOTE.RATE_LIMIT_EXCEEDED`` are retried like any 429, honouring
``Retry-After``, and surface as ``RateLimitError`` once the retries are spent.

Listing (``GET /lms/users``, ``/lms/skills``, ``/lms/courses``, ``/lms/course-progressions``)
follows ``data.next`` as ``cursor`` until it is null, ``page_size`` records at a time (at most
250), repeating the filters with every cursor. Each list method takes ``updated_after``
(records that changed at or after that moment, as the document defines it per endpoint: a
course also when one of its revisions changed, a progression not when its user or revision did;
sent in UTC with the fraction cut to milliseconds, so nothing is skipped) and
``include_deleted`` (records Kombo marks deleted, with ``remote_deleted_at`` in their
``remote_data``), plus the document's server-side filters. Each next page is asked for before
the page in hand is mapped (``Connector.pages_ahead``), and a progression listing keeps each
record as its JSON text in ``remote_data`` (``core.remote``).

Courses: each course *revision* is one normalized ``Course`` (see ``mapping``), and listing
yields every revision of every course, active or not, so each enrollment's course is among
them: Kombo enrolls into a revision and keeps progressions in old ones. Deleted revisions of a
listed course are left out unless ``include_deleted``. Kombo filters progressions by *course*
(``course_ids``), not by revision, so ``list_enrollments(course_ids=[revision ids])`` first
learns which course each revision belongs to (from what it has already listed, else from one
listing of every course), asks Kombo for those courses' progressions, and keeps the revisions
asked for.

Writes: enroll is ``POST /lms/course-progressions`` ``{user_id, course_revision_id}`` (Kombo ids
or ``remote:<id>``, passed through) and returns the progression Kombo answers. Kombo has no
unenroll, so ``unenroll`` is refused before any request. ``complete`` marks a progression
completed with a date and a score. ``upsert_courses`` sends ``POST /lms/courses/bulk`` and polls
``GET /lms/courses/bulk/{task_id}`` until the task is COMPLETED (one ``ItemResult`` per course)
or FAILED (raised). ``deactivate_course`` is ``POST /lms/courses/{course_id}/deactivate``.
Warnings in an action's answer are logged (Kombo recommends it).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Self
from urllib.parse import quote

import httpx

from core.capabilities import Capabilities, EnrollOption, Operation
from core.connector import Connector, Fetch, Follow, QueryParams, decode_body
from core.connectors.kombo import mapping, wire
from core.errors import (
    ApiError,
    BadRequestError,
    ConflictError,
    LmsTimeoutError,
)
from core.gcpause import full_collections_deferred
from core.models import (
    Course,
    Enrollment,
    EnrollmentStatus,
    ExternalCourse,
    ItemResult,
    Refs,
    Skill,
    User,
)
from core.remote import item_texts

PAGE_SIZE = 250
MAX_PAGE_SIZE = 250
#: where a list answer's records are (``{"data": {"results": [...]}}``)
RESULTS = ("data", "results")
#: a page's records, and their JSON texts when kept (``_pages``)
Page = tuple[Sequence[Mapping[str, Any]], Sequence[Mapping[str, Any]] | None]

logger = logging.getLogger(__name__)


class KomboConnector(Connector):
    vendor = "kombo"
    display_name = "Kombo"
    capabilities = Capabilities(
        operations=frozenset(
            {
                Operation.LIST_USERS,
                Operation.LIST_COURSES,
                Operation.LIST_ENROLLMENTS,
                Operation.ENROLL,
                Operation.LIST_SKILLS,
            }
        ),
        enrollment_filters=frozenset({"user_ids", "course_ids"}),
    )

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        integration_id: str,
        http_client: httpx.AsyncClient | None = None,
        max_retries: int = 4,
        timeout: float = 30.0,
        page_size: int = PAGE_SIZE,
        backoff_base: float = 0.25,
        max_backoff: float = 30.0,
    ) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, got {page_size}")
        super().__init__(
            base_url=base_url,
            http_client=http_client,
            max_retries=max_retries,
            timeout=timeout,
            backoff_base=backoff_base,
            max_backoff=max_backoff,
        )
        scheme, _, rest = api_key.strip().partition(" ")
        self._api_key = rest.strip() if scheme.lower() == "bearer" and rest else api_key.strip()
        self._integration_id = integration_id
        self._page_size = page_size
        #: revision id -> Kombo course id, learned from every answer that shows both
        self._revision_courses: dict[str, str] = {}

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
            api_key=secrets["api_key"],
            integration_id=secrets["integration_id"],
            http_client=http_client,
            **options,
        )

    # -- authentication and errors -------------------------------------------------------------

    async def _auth_headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self._api_key}",
            "X-Integration-Id": self._integration_id,
        }

    def _error_details(self, body: Any) -> tuple[str | None, str | None]:
        return wire.error_details(body)

    def _error_class(self, status: int, code: str | None) -> type[ApiError]:
        return mapping.error_class(status, code)

    def _retryable(self, response: httpx.Response, *, idempotent: bool) -> bool:
        if super()._retryable(response, idempotent=idempotent):
            return True
        code, _ = wire.error_details(decode_body(response))
        return code in mapping.RETRY_CODES

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

    def _list_params(
        self,
        filters: Mapping[str, Sequence[str]],
        updated_after: datetime | None,
        include_deleted: bool,
    ) -> QueryParams:
        params: QueryParams = [
            (name, wire.csv(values)) for name, values in filters.items() if values
        ]
        if updated_after is not None:
            params.append(("updated_after", wire.format_datetime(updated_after)))
        params.append(("include_deleted", "true" if include_deleted else "false"))
        return params

    async def _pages(
        self, path: str, params: QueryParams, *, texts: bool = False
    ) -> AsyncIterator[Page]:
        """Every page of a Kombo list, following ``data.next`` until it is null: its records,
        and with ``texts`` their JSON texts (``core.remote``; None for a page whose texts do
        not line up with its records)."""
        base: QueryParams = [*params, ("page_size", self._page_size)]
        seen: set[str] = set()

        def get(query: QueryParams) -> Fetch:
            return lambda: self.request("GET", path, params=query)

        def read(response: httpx.Response) -> tuple[Page, Follow]:
            page = self._read(response, wire.read_page)
            found = item_texts(response.content, RESULTS, len(page.results)) if texts else None
            if page.next is None:
                return (page.results, found), None
            if page.next in seen:
                raise self._unexpected(response, "the next cursor repeats an earlier one")
            seen.add(page.next)
            return (page.results, found), get([*base, ("cursor", page.next)])

        async for results, found in self.pages_ahead(get(base)(), read):
            if results:
                yield results, found

    # -- listing -------------------------------------------------------------------------------

    async def list_users(
        self,
        *,
        ids: Sequence[str] = (),
        remote_ids: Sequence[str] = (),
        work_emails: Sequence[str] = (),
        updated_after: datetime | None = None,
        include_deleted: bool = False,
    ) -> AsyncIterator[User]:
        """Users, optionally only those with any of ``ids``, ``remote_ids`` or ``work_emails``
        (case-insensitive); filters of different names must all match."""
        filters = {"ids": ids, "remote_ids": remote_ids, "work_emails": work_emails}
        params = self._list_params(filters, updated_after, include_deleted)
        async for items, _ in self._pages("/lms/users", params):
            for item in items:
                yield mapping.map_user(item)

    async def list_skills(
        self,
        *,
        ids: Sequence[str] = (),
        remote_ids: Sequence[str] = (),
        updated_after: datetime | None = None,
        include_deleted: bool = False,
    ) -> AsyncIterator[Skill]:
        """Skills, optionally only those with any of ``ids`` or ``remote_ids`` (both must match
        when both are given)."""
        filters = {"ids": ids, "remote_ids": remote_ids}
        params = self._list_params(filters, updated_after, include_deleted)
        async for items, _ in self._pages("/lms/skills", params):
            for item in items:
                yield mapping.map_skill(item)

    async def list_courses(
        self,
        *,
        kombo_course_ids: Sequence[str] = (),
        kombo_course_remote_ids: Sequence[str] = (),
        updated_after: datetime | None = None,
        include_deleted: bool = False,
    ) -> AsyncIterator[Course]:
        """Every revision of every course (see the module docstring). The filters select
        *courses* (``remote_data["course_id"]``), each with all its revisions; with
        ``updated_after``, every revision of each course that changed."""
        filters = {"ids": kombo_course_ids, "remote_ids": kombo_course_remote_ids}
        params = self._list_params(filters, updated_after, include_deleted)
        async for items, _ in self._pages("/lms/courses", params):
            for item in items:
                self._remember_course(item)
                for course in mapping.map_course(item, include_deleted=include_deleted):
                    yield course

    async def list_enrollments(
        self,
        *,
        user_ids: Sequence[str] = (),
        course_ids: Sequence[str] = (),
        statuses: Sequence[EnrollmentStatus] = (),
        ids: Sequence[str] = (),
        remote_ids: Sequence[str] = (),
        kombo_course_ids: Sequence[str] = (),
        updated_after: datetime | None = None,
        include_deleted: bool = False,
    ) -> AsyncIterator[Enrollment]:
        """Course progressions. ``course_ids`` are normalized course ids (revision ids);
        ``kombo_course_ids`` select every revision of Kombo courses; ``ids``/``remote_ids``
        select progressions. ``statuses`` is applied here: Kombo has no status filter."""
        revisions = frozenset(course_ids)
        courses = list(dict.fromkeys(kombo_course_ids))
        if revisions:
            parents = await self._courses_of(revisions)
            courses = [c for c in parents if c in courses] if courses else parents
            if not courses:
                return  # no revision asked for exists: nothing can match
        filters = {
            "ids": ids,
            "remote_ids": remote_ids,
            "user_ids": user_ids,
            "course_ids": courses,
        }
        params = self._list_params(filters, updated_after, include_deleted)
        wanted = frozenset(statuses)
        refs = Refs()
        with full_collections_deferred():  # 100,000 surviving records: see core.gcpause
            async for items, texts in self._pages("/lms/course-progressions", params, texts=True):
                for index, item in enumerate(items):
                    self._remember_progression(item)
                    enrollment = mapping.map_progression(item, refs)
                    if texts is not None:
                        enrollment.remote_data = texts[index]
                    if revisions and enrollment.course.id not in revisions:
                        continue
                    if wanted and enrollment.status not in wanted:
                        continue
                    yield enrollment

    def _remember_course(self, item: Mapping[str, Any]) -> None:
        for revision in mapping.revisions_of(item):
            course_id = revision.get("course_id") or item.get("id")
            if revision.get("id") and course_id:
                self._revision_courses[str(revision["id"])] = str(course_id)

    def _remember_progression(self, item: Mapping[str, Any]) -> None:
        course_id = mapping.progression_course_id(item)
        revision_id = item.get("course_revision_id")
        if course_id and revision_id:
            self._revision_courses[str(revision_id)] = course_id

    async def _courses_of(self, revision_ids: frozenset[str]) -> list[str]:
        """The Kombo courses of these revisions, in a stable order; a revision no course has
        (even deleted) is left out."""
        if not revision_ids <= self._revision_courses.keys():
            async for _ in self.list_courses(include_deleted=True):
                pass
        known = self._revision_courses
        return sorted({known[r] for r in revision_ids if r in known})

    # -- writes --------------------------------------------------------------------------------

    async def enroll(
        self, *, user_id: str, course_id: str, options: Mapping[EnrollOption, Any] | None = None
    ) -> Enrollment:
        """Enroll a user in a course revision (``course_id`` is a revision id, or
        ``remote:<id>``); the progression Kombo answers. Enrolling again answers what Kombo
        does: the existing progression (with a warning), or ``ConflictError``."""
        self.check_enroll_options(options)
        body = {"user_id": user_id, "course_revision_id": course_id}
        response = await self.request("POST", "/lms/course-progressions", json=body)
        item = self._action_answer(response)
        self._remember_progression(item)
        return mapping.map_progression(item)

    async def complete(
        self,
        progression_id: str,
        *,
        completed_at: datetime | date | None = None,
        score: int | None = None,
    ) -> Enrollment:
        """Mark a progression (an ``Enrollment.id``, or ``remote:<id>``) completed, at
        ``completed_at`` (Kombo's "now" when None) with ``score`` from 0 to 100. Kombo's
        progression has no score field: the returned enrollment carries the score sent."""
        if score is not None and (
            isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 100
        ):
            raise BadRequestError(
                f"score must be a whole number from 0 to 100, got {score!r}",
                vendor=self.vendor,
                status=400,
            )
        body: dict[str, Any] = {}
        if completed_at is not None:
            body["completed_at"] = wire.format_moment(completed_at)
        if score is not None:
            body["score"] = score
        path = f"/lms/course-progressions/{_path_id(progression_id)}/complete"
        response = await self.request("POST", path, json=body)
        item = self._action_answer(response)
        self._remember_progression(item)
        enrollment = mapping.map_progression(item)
        if enrollment.score is None and score is not None:
            enrollment.score = float(score)
        return enrollment

    async def deactivate_course(self, course_id: str) -> Course:
        """Deactivate a Kombo course (``Course.remote_data["course_id"]``, or ``remote:<id>``):
        no new enrollments, progress kept. Returns its current revision as Kombo answers it."""
        path = f"/lms/courses/{_path_id(course_id)}/deactivate"
        response = await self.request("POST", path, json={})
        item = self._action_answer(response)
        self._remember_course(item)
        course = mapping.current_revision(item)
        if course is None:
            raise self._unexpected(response, f"course {course_id} has no revision")
        return course

    # -- bulk course upsert --------------------------------------------------------------------

    async def upsert_courses(
        self,
        items: Sequence[ExternalCourse],
        *,
        poll_interval: float = 1.0,
        max_poll_interval: float = 10.0,
        max_wait: float = 300.0,
    ) -> list[ItemResult]:
        """Create or update courses (matched by ``origin_id``) in one bulk task and wait for it:
        one result per item, in order, with the Kombo course id of each one upserted, or
        Kombo's code and message for each one refused. A FAILED task raises (see
        ``wait_for_course_upsert``)."""
        if not items:
            return []
        task_id = await self.start_course_upsert(items)
        return await self.wait_for_course_upsert(
            task_id,
            items,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
            max_wait=max_wait,
        )

    async def start_course_upsert(self, items: Sequence[ExternalCourse]) -> str:
        """Send the bulk upsert; the id of the task Kombo started for it."""
        body = {"items": [mapping.external_course_item(item) for item in items]}
        response = await self.request("POST", "/lms/courses/bulk", json=body)
        self._log_warnings(response)
        return self._read(response, wire.read_task_id)

    async def wait_for_course_upsert(
        self,
        task_id: str,
        items: Sequence[ExternalCourse],
        *,
        poll_interval: float = 1.0,
        max_poll_interval: float = 10.0,
        max_wait: float = 300.0,
    ) -> list[ItemResult]:
        """Poll a bulk task until it ends, waiting ``poll_interval`` seconds at first and twice
        as long each time after, up to ``max_poll_interval``. ``items`` are the courses the task
        was started with, to match its outcomes. A FAILED task raises the error class of its
        code (``ServerError`` for an unknown one) with a nominal status; a task still running
        after ``max_wait`` seconds raises ``LmsTimeoutError``."""
        deadline = time.monotonic() + max_wait
        delay = poll_interval
        path = f"/lms/courses/bulk/{_path_id(task_id)}"
        while True:
            response = await self.request("GET", path)
            task = self._read(response, wire.read_task)
            if task.status == "COMPLETED":
                return mapping.map_task_results(task.results, [i.origin_id for i in items])
            if task.status == "FAILED":
                raise self._task_failed(task_id, task, response)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LmsTimeoutError(
                    f"bulk course task {task_id} is still {task.status} after {max_wait:g}s",
                    vendor=self.vendor,
                )
            await asyncio.sleep(min(delay, remaining))
            delay = min(max_poll_interval, delay * 2)

    def _task_failed(self, task_id: str, task: wire.Task, response: httpx.Response) -> ApiError:
        code, message = wire.error_fields(task.error)
        cls = mapping.error_class(None, code)
        return cls(
            f"bulk course task {task_id} failed: {message or 'no reason given'}",
            vendor=self.vendor,
            status=mapping.NOMINAL_STATUS.get(cls, 500),
            code=code,
            body=decode_body(response),
        )

    # -- reading answers -----------------------------------------------------------------------

    def _action_answer(self, response: httpx.Response) -> Mapping[str, Any]:
        """The record an action answered with; its warnings are logged."""
        self._log_warnings(response)
        return self._read(response, wire.read_object)

    def _log_warnings(self, response: httpx.Response) -> None:
        for message in wire.read_warnings(decode_body(response)):
            logger.warning("%s %s: %s", self.vendor, response.request.url.path, message)


def _path_id(value: str) -> str:
    """An id as a path segment: ``remote:<id>`` keeps its colon; a slash cannot split it."""
    return quote(str(value), safe=":@")
