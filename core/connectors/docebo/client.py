"""Docebo's Learn REST API as a connector.

Authentication is OAuth2 at ``POST /oauth2/token`` (form body): the password grant when a
username is configured, client credentials otherwise. The token is renewed 60 seconds before it
expires (with the refresh token when Docebo gave one) and once more after a 401. Listing asks for
Docebo's cursor (``get_cursor=1``) so a full listing is one consistent pass while records change,
and falls back to page numbers when an answer carries no cursor. Enrollments are read from the
admin view ``GET /course/v1/courses/enrollments``; enroll is
``POST /learn/v1/enrollments/{course_id}/{user_id}`` and unenroll the matching ``DELETE``.
A 400 whose message says the user is already enrolled is raised as ``ConflictError``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Self

import httpx

from core.capabilities import Capabilities, EnrollOption, Operation
from core.connector import Connector, QueryParams, decode_body
from core.connectors.docebo import mapping, wire
from core.errors import ApiError, AuthenticationError, BadRequestError, ConflictError, NotFoundError
from core.models import Course, Enrollment, EnrollmentStatus, User

PAGE_SIZE = 200
TOKEN_MARGIN = 60.0


class DoceboConnector(Connector):
    vendor = "docebo"
    capabilities = Capabilities(
        operations=frozenset(Operation),
        enroll_options=frozenset(
            {EnrollOption.LEVEL, EnrollOption.VALID_FROM, EnrollOption.VALID_UNTIL}
        ),
        enrollment_filters=frozenset({"user_ids", "course_ids", "statuses"}),
        levels=("student", "tutor", "instructor"),
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
        self, path: str, params: QueryParams
    ) -> AsyncIterator[Sequence[Mapping[str, Any]]]:
        """Every page of a Docebo list: by cursor when offered, by page number otherwise."""
        base = [*params, ("page_size", self._page_size)]
        query: QueryParams = [*base, ("get_cursor", 1)]
        page_number = 1
        while True:
            response = await self.request("GET", path, params=query)
            try:
                page = wire.read_page(decode_body(response))
            except ValueError as err:
                raise BadRequestError(
                    f"unexpected answer from {path}: {err}",
                    vendor=self.vendor,
                    status=response.status_code,
                ) from err
            if page.items:
                yield page.items
            if not page.has_more or not page.items:
                return
            if page.cursor:
                query = [*base, ("cursor", page.cursor)]
            else:
                page_number = page.current_page + 1
                query = [*base, ("page", page_number)]

    # -- operations ----------------------------------------------------------------------------

    async def list_users(self) -> AsyncIterator[User]:
        async for items in self._pages("/manage/v1/user", [("sort_attr", "user_id")]):
            for item in items:
                yield mapping.map_user(item)

    async def list_courses(self) -> AsyncIterator[Course]:
        soft: set[str] = set()
        async for items in self._pages("/learn/v1/courses", [("sort_by", "id_course")]):
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

    async def list_enrollments(
        self,
        *,
        user_ids: Sequence[str] = (),
        course_ids: Sequence[str] = (),
        statuses: Sequence[EnrollmentStatus] = (),
    ) -> AsyncIterator[Enrollment]:
        params: QueryParams = [("user_id[]", uid) for uid in user_ids]
        params += [("course_id[]", cid) for cid in course_ids]
        wanted = frozenset(statuses)
        if wanted:
            server = sorted({s for st in wanted for s in mapping.SERVER_STATUSES.get(st, ())})
            if len(server) and all(st in mapping.SERVER_STATUSES for st in wanted):
                params.append(("status", ",".join(server)))
        soft = await self._soft_deadlines()
        now = datetime.now(UTC)
        async for items in self._pages("/course/v1/courses/enrollments", params):
            for item in items:
                enrollment = mapping.map_course_enrollment(
                    item, now=now, soft_deadline_courses=soft
                )
                if not wanted or enrollment.status in wanted:
                    yield enrollment

    async def enroll(
        self, *, user_id: str, course_id: str, options: Mapping[EnrollOption, Any] | None = None
    ) -> Enrollment:
        self.check_enroll_options(options)
        body: dict[str, Any] = {}
        for option, value in (options or {}).items():
            if option is EnrollOption.LEVEL:
                body["level"] = _level_number(value, self.vendor)
            elif option is EnrollOption.VALID_FROM:
                body["date_begin_validity"] = _wire_date(value)
            elif option is EnrollOption.VALID_UNTIL:
                body["date_expire_validity"] = _wire_date(value)
        await self.request("POST", f"/learn/v1/enrollments/{course_id}/{user_id}", json=body)
        async for enrollment in self.list_enrollments(user_ids=[user_id], course_ids=[course_id]):
            return enrollment
        raise NotFoundError(
            f"enrollment of user {user_id} in course {course_id} not found after enrolling",
            vendor=self.vendor,
            status=404,
        )

    async def unenroll(self, *, user_id: str, course_id: str) -> None:
        await self.request("DELETE", f"/learn/v1/enrollments/{course_id}/{user_id}")


def _level_number(value: Any, vendor: str) -> int:
    if isinstance(value, int) and value in mapping.LEVELS:
        return value
    number = mapping.LEVEL_NUMBERS.get(str(value).lower())
    if number is None:
        raise BadRequestError(
            f"unknown level {value!r}; use one of {', '.join(mapping.LEVEL_NUMBERS)}",
            vendor=vendor,
            status=400,
        )
    return number


def _wire_date(value: Any) -> str:
    if isinstance(value, datetime):
        return mapping.format_date(value)
    return str(value)
