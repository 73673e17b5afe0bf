"""The base every connector builds on: one ``httpx.AsyncClient``, retries, auth refresh, errors.

Retry policy (bounded by ``max_retries``):

* 429 and 503 are retried for every method: the vendor refused the request before doing it.
  ``Retry-After`` (seconds or an HTTP date) is honoured, capped at ``max_backoff``.
* 500, 502 and 504 are retried only for idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS).
* A connection that could not be opened (``ConnectError``, ``ConnectTimeout``) is retried for every
  method; a read timeout or a dropped connection is retried only for idempotent methods, because a
  POST may already have taken effect.
* Between tries the wait is exponential with full jitter: ``uniform(0, base * 2**attempt)``.
* A 401 on an authenticated request drops the cached token and tries once more with a new one.
* A connector may widen the policy (``_retryable``) and choose error classes by the vendor's own
  codes (``_error_class``): Kombo retries its rate-limit codes whatever the status.
* With ``requests_per_second`` set (the tenant's rate limit), every request, tries included,
  waits for its turn: one every ``1 / requests_per_second`` seconds, a missed turn kept for
  one interval (``_pace``).

Paging (:meth:`Connector.pages_ahead`): a listing sends the request for its next page before
it hands the current page on, and waits only until that request is on the wire (httpcore's
``trace`` extension says so), so the vendor works on page *n + 1* while page *n* is decoded and
mapped. Still one request in flight at a time, in the same order; a listing left early cancels
its request ahead (one GET the vendor may already have answered). Against a real tenant the
mapping hides in the round trip; against the sandbox in a process of its own, a full ``large``
sync is about a third faster (see ``bench/b3_sync.py``).

Whatever still fails is mapped to the error tree of :mod:`core.errors`.
"""

from __future__ import annotations

import asyncio
import contextvars
import email.utils
import functools
import random
import ssl
import time
from abc import ABC, abstractmethod
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Mapping,
    Sequence,
)
from datetime import datetime
from types import TracebackType
from typing import Any, ClassVar, Self, TypeVar

import httpx
import orjson

from core.capabilities import Capabilities, EnrollOption, Operation
from core.errors import (
    ApiError,
    BadRequestError,
    LmsConnectionError,
    LmsTimeoutError,
    RateLimitError,
    UnsupportedOperationError,
    error_class_for_status,
)
from core.models import (
    Course,
    Enrollment,
    EnrollmentStatus,
    ItemResult,
    LearningPlan,
    LearningPlanEnrollment,
    Rsvp,
    RsvpResponse,
    Session,
    Skill,
    User,
)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_ANY_METHOD = frozenset({429, 503})
RETRY_IDEMPOTENT = frozenset({500, 502, 504})

ParamValue = str | int | float | bool | None
QueryParams = list[tuple[str, ParamValue]]
T = TypeVar("T")

#: a request for one page; a page reader returns the page and the next page's (None: the last)
Fetch = Callable[[], Coroutine[Any, Any, httpx.Response]]
Follow = Fetch | None

#: set while a request ahead is being started: the future its send resolves (see ``_ahead``)
_SENT: contextvars.ContextVar[asyncio.Future[None] | None] = contextvars.ContextVar(
    "lmsbridge_sent", default=None
)
#: httpcore's trace event (``http11.`` or ``http2.`` before it) once a request is written
_WRITTEN = "receive_response_headers.started"


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """One verifying SSL context for every connector's client: httpx otherwise loads the CA
    bundle for each new client (50-80 ms here, three times over when the terminal UI opens)."""
    return httpx.create_ssl_context()


def new_http_client(timeout: float = 30.0) -> httpx.AsyncClient:
    """The HTTP client a connector makes for itself when it is given none."""
    return httpx.AsyncClient(
        verify=shared_ssl_context(),
        timeout=httpx.Timeout(timeout),
        limits=httpx.Limits(max_connections=32, max_keepalive_connections=32),
    )


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


class Connector(ABC):
    """One vendor's API, spoken over ``httpx.AsyncClient`` and answered in normalized models."""

    vendor: ClassVar[str]
    capabilities: ClassVar[Capabilities]
    #: the vendor's name as people write it ("iSpring Learn"), for messages; ``vendor`` if unset
    display_name: ClassVar[str] = ""
    #: how many learners one ``enroll_batch`` call may carry; 0 when the vendor has no call
    #: that enrolls several learners at once (then bulk enrolls one pair per call)
    enroll_batch_size: ClassVar[int] = 0

    def __init__(
        self,
        *,
        base_url: str,
        http_client: httpx.AsyncClient | None = None,
        max_retries: int = 4,
        timeout: float = 30.0,
        backoff_base: float = 0.25,
        max_backoff: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._owns_client = http_client is None
        self._client = http_client or new_http_client(timeout)
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.max_backoff = max_backoff
        self._random = random.Random()
        #: the most requests a second this connector sends (None: no limit). Set it to the
        #: tenant's rate limit and requests are spaced evenly under it, so the vendor seldom
        #: has to refuse one with 429 (which is still retried as above).
        self.requests_per_second: float | None = None
        self._next_send = 0.0

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    def __repr__(self) -> str:
        # Never show credentials: only the vendor and where it points.
        return f"<{type(self).__name__} {self.base_url}>"

    # -- what every connector implements -------------------------------------------------------

    @classmethod
    @abstractmethod
    def from_secrets(
        cls,
        *,
        base_url: str,
        secrets: Mapping[str, str],
        http_client: httpx.AsyncClient | None = None,
        **options: Any,
    ) -> Self:
        """Build the connector from a connection's base URL and named secrets."""

    @abstractmethod
    def list_users(self) -> AsyncIterator[User]: ...

    @abstractmethod
    def list_courses(self) -> AsyncIterator[Course]: ...

    @abstractmethod
    def list_enrollments(
        self,
        *,
        user_ids: Sequence[str] = (),
        course_ids: Sequence[str] = (),
        statuses: Sequence[EnrollmentStatus] = (),
    ) -> AsyncIterator[Enrollment]: ...

    async def enroll(
        self, *, user_id: str, course_id: str, options: Mapping[EnrollOption, Any] | None = None
    ) -> Enrollment:
        raise self.unsupported(Operation.ENROLL)

    async def unenroll(self, *, user_id: str, course_id: str) -> None:
        raise self.unsupported(Operation.UNENROLL)

    async def enroll_batch(
        self,
        *,
        user_ids: Sequence[str],
        course_id: str,
        options: Mapping[EnrollOption, Any] | None = None,
    ) -> list[Enrollment]:
        """Enroll several users in one course with one call, where ``enroll_batch_size`` says
        the vendor has one; the enrollment of each pair, new or existing, in any order."""
        raise self.unsupported("enroll_batch")

    # -- what a connector may implement: instructor-led sessions, learning plans, skills -------
    # Listings refuse on their first iteration, as an async generator that raised would.

    def list_sessions(self, *, course_id: str) -> AsyncIterator[Session]:
        """The sessions of an instructor-led course (none for a course without sessions)."""
        return _refuse(self.unsupported(Operation.LIST_SESSIONS))

    async def enroll_session(
        self, *, user_id: str, course_id: str, session_id: str, level: str | None = None
    ) -> Enrollment:
        """Enroll into a session of a course (and into the course when needed); the course
        enrollment afterwards, ``assigned`` when the user is on the session's waiting list."""
        raise self.unsupported(Operation.ENROLL_SESSION)

    async def unenroll_session(self, *, user_id: str, course_id: str, session_id: str) -> None:
        """Take the user out of one session; the course enrollment stays."""
        raise self.unsupported(Operation.UNENROLL_SESSION)

    async def update_rsvp(
        self,
        *,
        event_id: str,
        responses: Sequence[Rsvp],
        synchronized_at: datetime | None = None,
    ) -> list[ItemResult]:
        """Record learners' answers to one event, as one batch; one result per row, in order.
        ``synchronized_at`` is when the answers were read at their source: the vendor refuses a
        row older than the answer it already holds."""
        raise self.unsupported(Operation.UPDATE_RSVP)

    def list_learning_plans(self) -> AsyncIterator[LearningPlan]:
        return _refuse(self.unsupported(Operation.LIST_LEARNING_PLANS))

    def list_learning_plan_enrollments(
        self,
        *,
        user_ids: Sequence[str] = (),
        learning_plan_ids: Sequence[str] = (),
        statuses: Sequence[EnrollmentStatus] = (),
    ) -> AsyncIterator[LearningPlanEnrollment]:
        return _refuse(self.unsupported(Operation.LIST_LEARNING_PLAN_ENROLLMENTS))

    async def unenroll_learning_plan(
        self,
        *,
        user_id: str,
        learning_plan_id: str,
        reset_tracks: bool = False,
        unenroll_courses: bool = False,
    ) -> None:
        """Unenroll from a plan. ``unenroll_courses`` also removes the plan's course enrollments;
        ``reset_tracks`` (without it) keeps them but wipes their progress."""
        raise self.unsupported(Operation.UNENROLL_LEARNING_PLAN)

    def list_skills(self) -> AsyncIterator[Skill]:
        """The skills (competencies) the LMS records."""
        return _refuse(self.unsupported(Operation.LIST_SKILLS))

    # -- helpers for subclasses ----------------------------------------------------------------

    @property
    def vendor_name(self) -> str:
        """The vendor's display name, for messages people read."""
        return self.display_name or self.vendor

    def unsupported(self, operation: Operation | str) -> UnsupportedOperationError:
        return UnsupportedOperationError(
            f"{operation} is not supported by {self.vendor_name}", vendor=self.vendor
        )

    def check_enroll_options(self, options: Mapping[EnrollOption, Any] | None) -> None:
        """Refuse, before any request, an option this vendor cannot honour."""
        for option in options or {}:
            if option not in self.capabilities.enroll_options:
                raise UnsupportedOperationError(
                    f"enroll option {option!s} is not supported by {self.vendor_name}",
                    vendor=self.vendor,
                )

    def check_rsvps(self, responses: Sequence[Rsvp]) -> None:
        """Refuse, before any request, a row that names its learner by neither or both of
        ``user_id`` and ``email``, or whose answer is not an ``RsvpResponse``."""
        for index, rsvp in enumerate(responses):
            problem = None
            if (rsvp.user_id is None) == (rsvp.email is None):
                problem = "give exactly one of user_id and email"
            elif rsvp.response not in RsvpResponse.__members__.values():
                problem = f"unknown response {rsvp.response!r}"
            if problem:
                raise BadRequestError(
                    f"RSVP row {index}: {problem}", vendor=self.vendor, status=400
                )

    async def _auth_headers(self) -> dict[str, str]:
        """Headers that authenticate a request; may fetch or refresh a token."""
        return {}

    def _invalidate_auth(self) -> bool:
        """Drop cached credentials after a 401; return True if a retry could help."""
        return False

    @abstractmethod
    def _error_details(self, body: Any) -> tuple[str | None, str | None]:
        """The vendor's own (code, message) from an error body, as leniently as possible."""

    def _error_class(self, status: int, code: str | None) -> type[ApiError]:
        """The branch of the error tree for an answer; by its HTTP status unless a vendor that
        names its errors by code says otherwise."""
        return error_class_for_status(status)

    def _retryable(self, response: httpx.Response, *, idempotent: bool) -> bool:
        """Whether an error answer is worth another try (the module docstring's policy)."""
        status = response.status_code
        return status in RETRY_ANY_METHOD or (idempotent and status in RETRY_IDEMPOTENT)

    def _decode(self, response: httpx.Response) -> Any:
        """An answer's body as Python values: JSON, else its text. A vendor that answers in
        another format too (iSpring's XML) reads it here, for its errors as for the rest."""
        return decode_body(response)

    def _read(self, response: httpx.Response, reader: Callable[[Any], T]) -> T:
        """An answer's body as ``reader`` reads it; a shape it refuses (``ValueError``) is a
        ``BadRequestError`` naming the path."""
        try:
            return reader(self._decode(response))
        except ValueError as err:
            raise self._unexpected(response, str(err)) from err

    def _unexpected(self, response: httpx.Response, reason: str) -> BadRequestError:
        """The error for an answer that is not what the vendor's API promises."""
        return BadRequestError(
            f"unexpected answer from {response.request.url.path}: {reason}",
            vendor=self.vendor,
            status=response.status_code,
        )

    def _error_for(self, response: httpx.Response) -> ApiError:
        body = self._decode(response)
        code, message = self._error_details(body)
        status = response.status_code
        text = message or response.reason_phrase or f"HTTP {status}"
        cls = self._error_class(status, code)
        if cls is RateLimitError:
            return RateLimitError(
                text,
                vendor=self.vendor,
                status=status,
                code=code,
                body=body,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        return cls(text, vendor=self.vendor, status=status, code=code, body=body)

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_backoff)
        ceiling = min(self.max_backoff, self.backoff_base * (2**attempt))
        return self._random.uniform(0, ceiling)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: QueryParams | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        authenticated: bool = True,
        content: bytes | None = None,
    ) -> httpx.Response:
        """Send one logical request, retrying as the module docstring says.

        ``json`` is sent as JSON; ``content`` is sent as it is, for a body in another format
        (the caller names its ``Content-Type`` in ``headers``)."""
        method = method.upper()
        idempotent = method in IDEMPOTENT_METHODS
        url = self.base_url + path
        if json is not None:
            content = orjson.dumps(json)
        reauthenticated = False
        attempt = 0
        extensions = None
        sent = _SENT.get()
        if sent is not None:  # a page requested ahead: say when it is on the wire
            _SENT.set(None)  # (only this request's: not a sign-in it makes first)
            extensions = {"trace": _tracer(sent)}
        while True:
            send_headers = {"Accept": "application/json"}
            if json is not None:
                send_headers["Content-Type"] = "application/json"
            if headers:
                send_headers.update(headers)
            if authenticated:
                send_headers.update(await self._auth_headers())
            if self.requests_per_second:
                await self._pace(self.requests_per_second)
            try:
                response = await self._client.request(
                    method,
                    url,
                    params=params,
                    content=content,
                    data=data,
                    headers=send_headers,
                    extensions=extensions,
                )
            except (httpx.ConnectError, httpx.ConnectTimeout) as err:
                if attempt < self.max_retries:
                    await asyncio.sleep(self._backoff(attempt, None))
                    attempt += 1
                    continue
                raise self._transport_error(err) from err
            except httpx.TransportError as err:
                if idempotent and attempt < self.max_retries:
                    await asyncio.sleep(self._backoff(attempt, None))
                    attempt += 1
                    continue
                raise self._transport_error(err) from err

            status = response.status_code
            if status < 400:
                return response
            if status == 401 and authenticated and not reauthenticated and self._invalidate_auth():
                reauthenticated = True
                continue
            if self._retryable(response, idempotent=idempotent) and attempt < self.max_retries:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                await asyncio.sleep(self._backoff(attempt, retry_after))
                attempt += 1
                continue
            raise self._error_for(response)

    async def pages_ahead(
        self,
        first: httpx.Response | Awaitable[httpx.Response],
        read: Callable[[httpx.Response], tuple[T, Follow]],
    ) -> AsyncGenerator[T, None]:
        """Every page of a listing from its first answer (or the request for it): ``read``
        makes each answer a page and says how to fetch the next. The next page's request is
        sent before this page is yielded (see the module docstring), and cancelled if the
        caller leaves."""
        response = first if isinstance(first, httpx.Response) else await first
        while True:
            page, follow = read(response)
            ahead = None if follow is None else await _ahead(follow)
            try:
                yield page
            except BaseException:  # left early (aclose, an error, cancellation)
                if ahead is not None:
                    ahead.cancel()
                raise
            if ahead is None:
                return
            response = await ahead

    async def _pace(self, rate: float) -> None:
        """Wait for this request's turn: turns come every ``1 / rate`` seconds. A turn missed
        while the caller was busy (say, reading the previous page) may still be taken late, but
        only the last one, so at most two requests ever go back to back and no span of time
        sees more than its share plus one (a vendor's bucket holds more than that)."""
        interval = 1.0 / rate
        loop = asyncio.get_running_loop()
        now = loop.time()
        turn = max(self._next_send, now - interval)
        self._next_send = turn + interval
        if turn > now:
            await asyncio.sleep(turn - now)

    def _transport_error(self, err: httpx.TransportError) -> LmsConnectionError:
        if isinstance(err, httpx.TimeoutException):
            return LmsTimeoutError(
                f"no answer from {self.base_url} in time ({type(err).__name__})", vendor=self.vendor
            )
        reason = str(err) or type(err).__name__
        return LmsConnectionError(f"cannot reach {self.base_url}: {reason}", vendor=self.vendor)


async def _ahead(fetch: Fetch) -> asyncio.Task[httpx.Response]:
    """``fetch()`` running in a task of its own, once its request is written (or it ended)."""
    sent: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    token = _SENT.set(sent)
    try:
        task = asyncio.create_task(fetch())  # the task's context holds ``sent``
    finally:
        _SENT.reset(token)
    task.add_done_callback(_retrieved)
    try:
        await asyncio.wait((task, sent), return_when=asyncio.FIRST_COMPLETED)
    except BaseException:
        task.cancel()
        raise
    finally:
        sent.cancel()
    return task


def _retrieved(task: asyncio.Task[Any]) -> None:
    """Mark a request ahead's outcome seen: one cancelled after it failed logs nothing."""
    if not task.cancelled():
        task.exception()


def _tracer(sent: asyncio.Future[None]) -> Callable[[str, Any], Awaitable[None]]:
    async def trace(event: str, info: Any) -> None:
        if event.endswith(_WRITTEN) and not sent.done():
            sent.set_result(None)

    return trace


async def _refuse(error: UnsupportedOperationError) -> AsyncIterator[Any]:
    """An async iterator that raises ``error`` on its first iteration."""
    raise error
    yield  # unreachable: it makes this function an async generator


def decode_body(response: httpx.Response) -> Any:
    """The JSON body of a response, or its text when it is not JSON."""
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return response.text
