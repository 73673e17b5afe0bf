"""One handler per iSpring operation (named after its ``operationId``): parse the request, call
the backend, render the answer in the negotiated format (``formats.py``)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, Final, TypeVar

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match

from sandbox.http import BodyError, query_params, read_form
from sandbox.store import Doc
from sandbox.vendors.ispring import params as p
from sandbox.vendors.ispring import render
from sandbox.vendors.ispring.exceptions import (
    BadRequest,
    ISpringError,
    NotFound,
    error_response,
)
from sandbox.vendors.ispring.formats import UNWRAPPED, Format, answer_format, empty, respond
from sandbox.vendors.ispring.models import Actor, ISpringBackend

#: the class holding the handlers (``ISpringResponses``; ``webhooks.ISpringWebhookResponses``)
Owner = TypeVar("Owner")
Handler = Callable[[Owner, Request, Format], Awaitable[Response]]
Endpoint = Callable[[Owner, Request], Awaitable[Response]]
RANGES: Final = ("completionDate", "accessDate", "dueDate")


def operation(handler: Handler[Owner]) -> Endpoint[Owner]:
    """Negotiate the answer format, and render every error (the vendor's own, and a body over
    the platform's limit) in it."""

    @functools.wraps(handler)
    async def endpoint(self: Owner, request: Request) -> Response:
        fmt = answer_format(request.headers.get("accept"))
        try:
            return await handler(self, request, fmt)
        except ISpringError as err:
            return err.render_as(fmt)
        except HTTPException as exc:
            response = error_response(fmt, exc.status_code, str(exc.detail))
            if exc.headers:
                response.headers.update(exc.headers)
            return response

    return endpoint


def _page(key: str, items: list[Doc], token: str | None) -> Doc:
    body: Doc = {key: items}
    if token is not None:
        body["nextPageToken"] = token
    return body


class ISpringResponses:
    def __init__(self, backend: ISpringBackend) -> None:
        self.backend = backend

    def _auth(self, request: Request) -> Actor:
        return self.backend.authenticate(request.headers.get("authorization"))

    def _path_id(self, request: Request, name: str) -> str:
        return p.uuid_value(request.path_params[name], name)

    @operation
    async def access_request(self, request: Request, fmt: Format) -> Response:
        """``POST /api/v3/token``."""
        try:
            form = await read_form(request)
        except BodyError as err:
            raise BadRequest(str(err)) from None
        token = self.backend.issue_token(form)
        return respond(fmt, token, headers={"Cache-Control": "no-store"})

    # -- users ---------------------------------------------------------------------------------

    @staticmethod
    def _user_filters(source: Any, *, v2: bool, body: bool) -> dict[str, list[str]]:
        """The user filters of a query string (``departments[]`` ...) or of a POST body."""
        if body:
            return {
                "departments": p.body_ids(source, "departments"),
                "groups": p.body_ids(source, "groups"),
                "logins": p.body_strings(source, "logins"),
                "emails": p.body_strings(source, "emails"),
                "user_ids": p.body_ids(source, "userIds"),
            }
        return {
            "departments": p.query_ids(source, "departments"),
            "groups": p.query_ids(source, "groups"),
            "logins": p.query_strings(source, "logins"),
            "emails": p.query_strings(source, "emails"),
            "user_ids": p.query_ids(source, "userIds") if v2 else [],
        }

    def _user_items(self, ids: Iterable[int], *, v2: bool) -> list[Doc]:
        docs = self.backend.users.docs
        return [render.user_item(docs[i], v2=v2) for i in ids]

    async def _user_list(self, request: Request, fmt: Format, *, v2: bool) -> Response:
        actor = self._auth(request)
        filters = self._user_filters(request.query_params, v2=v2, body=False)
        items = self._user_items(self.backend.select_users(actor, **filters).ids, v2=v2)
        return respond(fmt, items, xml=[("userProfile", item) for item in items])

    @operation
    async def get_users(self, request: Request, fmt: Format) -> Response:
        """``GET /user``: every matching user, unpaged."""
        return await self._user_list(request, fmt, v2=False)

    @operation
    async def get_users_v2(self, request: Request, fmt: Format) -> Response:
        """``GET /user/v2``."""
        return await self._user_list(request, fmt, v2=True)

    async def _user_page(
        self, request: Request, fmt: Format, *, v2: bool, body: bool = False
    ) -> Response:
        actor = self._auth(request)
        if body:
            source: Any = await p.read_body(request, p.LIST_USERS)
            query = p.page_query({**request.query_params, **source})
        else:
            source = request.query_params
            query = p.page_query(source)
        filters = self._user_filters(source, v2=v2, body=body)
        ids, token = self.backend.page(self.backend.select_users(actor, **filters), query)
        return respond(fmt, _page("userProfiles", self._user_items(ids, v2=v2), token))

    @operation
    async def list_users(self, request: Request, fmt: Format) -> Response:
        """``GET /users`` (deprecated by iSpring, still served)."""
        return await self._user_page(request, fmt, v2=False)

    @operation
    async def list_users_v2(self, request: Request, fmt: Format) -> Response:
        """``GET /users/v2``."""
        return await self._user_page(request, fmt, v2=True)

    @operation
    async def list_users_v2_by_post(self, request: Request, fmt: Format) -> Response:
        """``POST /users/v2``: the filters in the body."""
        return await self._user_page(request, fmt, v2=True, body=True)

    async def _user_profile(self, request: Request, fmt: Format, *, v2: bool) -> Response:
        actor = self._auth(request)
        user = self.backend.visible_user(actor, self._path_id(request, "userId"))
        item = render.user_item(user, v2=v2)
        return respond(fmt, {"response": item}, xml=[("userProfile", item)])

    @operation
    async def get_user_profile(self, request: Request, fmt: Format) -> Response:
        """``GET /user/{userId}``."""
        return await self._user_profile(request, fmt, v2=False)

    @operation
    async def get_user_profile_v2(self, request: Request, fmt: Format) -> Response:
        """``GET /user/{userId}/v2``."""
        return await self._user_profile(request, fmt, v2=True)

    # -- departments ---------------------------------------------------------------------------

    @operation
    async def get_departments(self, request: Request, fmt: Format) -> Response:
        """``GET /department``: every department (``code`` filters), unpaged."""
        actor = self._auth(request)
        selection = self.backend.select_departments(actor, request.query_params.get("code"))
        docs = self.backend.departments.docs
        items = [render.department_item(docs[i]) for i in selection.ids]
        return respond(fmt, {"departments": items}, lists=UNWRAPPED)

    @operation
    async def list_departments(self, request: Request, fmt: Format) -> Response:
        """``GET /departments``: paged."""
        actor = self._auth(request)
        query = p.page_query(request.query_params)
        ids, token = self.backend.page(self.backend.select_departments(actor), query)
        docs = self.backend.departments.docs
        items = [render.department_item(docs[i]) for i in ids]
        return respond(fmt, _page("departments", items, token))

    @operation
    async def get_department(self, request: Request, fmt: Format) -> Response:
        """``GET /department/{departmentId}``."""
        actor = self._auth(request)
        department = self.backend.department(actor, self._path_id(request, "departmentId"))
        item = render.department_item(department)
        return respond(fmt, {"response": item}, xml=[("department", item)])

    # -- content -------------------------------------------------------------------------------

    def _content_items(self, ids: Iterable[int]) -> list[Doc]:
        docs = self.backend.content.docs
        return [render.content_item(docs[i]) for i in ids]

    @operation
    async def get_content(self, request: Request, fmt: Format) -> Response:
        """``GET /content``: every content item (``contentTypes`` filters), unpaged."""
        self._auth(request)
        types = p.content_types(p.query_strings(request.query_params, "contentTypes"))
        items = self._content_items(self.backend.select_content(types=types).ids)
        return respond(fmt, items, xml=[("contentItem", item) for item in items])

    async def _content_page(self, request: Request, fmt: Format, *, body: bool) -> Response:
        self._auth(request)
        params = request.query_params
        if body:
            source = await p.read_body(request, p.LIST_CONTENT)
            query = p.page_query({**params, **source})
            ids_wanted = p.body_ids(source, "contentItemIds")
            types = p.content_types(p.body_list(source, "contentTypes"))
        else:
            query = p.page_query(params)
            ids_wanted = p.query_ids(params, "contentItemIds")
            types = p.content_types(p.query_strings(params, "contentTypes"))
        selection = self.backend.select_content(ids_wanted, types)
        ids, token = self.backend.page(selection, query)
        return respond(fmt, _page("contentItems", self._content_items(ids), token))

    @operation
    async def list_content(self, request: Request, fmt: Format) -> Response:
        """``GET /contents``: paged."""
        return await self._content_page(request, fmt, body=False)

    @operation
    async def list_content_by_post(self, request: Request, fmt: Format) -> Response:
        """``POST /contents``: the filters in the body."""
        return await self._content_page(request, fmt, body=True)

    @operation
    async def get_content_item(self, request: Request, fmt: Format) -> Response:
        """``GET /content/{contentId}``."""
        self._auth(request)
        item = render.content_item(self.backend.content_doc(self._path_id(request, "contentId")))
        return respond(fmt, {"contentItem": item})

    # -- enrollments ---------------------------------------------------------------------------

    def _enrollment_items(self, ids: Iterable[int]) -> list[Doc]:
        docs = self.backend.enrollments.docs
        return [render.enrollment_item(docs[i]) for i in ids]

    @operation
    async def enroll_learners_in_courses(self, request: Request, fmt: Format) -> Response:
        """``POST /enrollment``: 201 with no body."""
        actor = self._auth(request)
        body = await p.read_body(request, p.NEW_ENROLLMENT)
        course_ids = p.body_ids(body, "courseIds", required=True)
        learner_ids = p.body_ids(body, "learnerIds", required=True)
        due = p.due_input(body)
        access = p.access_date(body, required=False)
        self.backend.enroll(
            actor, course_ids=course_ids, learner_ids=learner_ids, access=access, due=due
        )
        await self.backend.store.commit()
        return empty(201)

    def _enrollment_selection(self, actor: Actor, source: Any, *, body: bool) -> Any:
        if body:
            return self.backend.select_enrollments(
                actor,
                course_ids=p.body_ids(source, "courseIds"),
                learner_ids=p.body_ids(source, "learnerIds"),
                enrollment_ids=p.body_ids(source, "enrollmentIds"),
            )
        return self.backend.select_enrollments(
            actor,
            course_ids=p.query_ids(source, "courseIds"),
            learner_ids=p.query_ids(source, "learnerIds"),
            enrollment_ids=p.query_ids(source, "enrollmentIds"),
        )

    @operation
    async def get_enrollments(self, request: Request, fmt: Format) -> Response:
        """``GET /enrollment``: every matching enrollment, unpaged."""
        actor = self._auth(request)
        selection = self._enrollment_selection(actor, request.query_params, body=False)
        items = self._enrollment_items(selection.ids)
        return respond(fmt, {"enrollments": items}, lists=UNWRAPPED)

    async def _enrollment_page(self, request: Request, fmt: Format, *, body: bool) -> Response:
        actor = self._auth(request)
        if body:
            source: Any = await p.read_body(request, p.LIST_ENROLLMENTS)
            query = p.page_query({**request.query_params, **source})
        else:
            source = query_params(request)
            query = p.page_query(source)
        selection = self._enrollment_selection(actor, source, body=body)
        ids, token = self.backend.page(selection, query)
        if fmt is Format.JSON:  # items encoded once (the XML answer is built from the values)
            items: list[Any] = self.backend.enrollment_view.items(ids)
        else:
            items = self._enrollment_items(ids)
        return respond(fmt, _page("enrollments", items, token))

    @operation
    async def list_enrollments(self, request: Request, fmt: Format) -> Response:
        """``GET /enrollments``: paged."""
        return await self._enrollment_page(request, fmt, body=False)

    @operation
    async def list_enrollments_by_post(self, request: Request, fmt: Format) -> Response:
        """``POST /enrollments``: the filters (and paging) in the body."""
        return await self._enrollment_page(request, fmt, body=True)

    @operation
    async def get_enrollment(self, request: Request, fmt: Format) -> Response:
        """``GET /enrollment/{enrollmentId}``: the ``Enrollment`` itself in JSON,
        ``<response><enrollment>`` in XML."""
        actor = self._auth(request)
        _doc_id, doc = self.backend.enrollment(actor, self._path_id(request, "enrollmentId"))
        item = render.enrollment_item(doc)
        return respond(fmt, item, xml=[("enrollment", item)])

    @operation
    async def change_enrollment(self, request: Request, fmt: Format) -> Response:
        """``POST /enrollment/{enrollmentId}``: 200 with no body."""
        actor = self._auth(request)
        enrollment_id = self._path_id(request, "enrollmentId")
        body = await p.read_body(request, p.UPDATE_ENROLLMENT)
        access = p.access_date(body, required=True)
        assert access is not None
        due = p.due_input(body)
        self.backend.update_enrollment(actor, enrollment_id, access=access, due=due)
        await self.backend.store.commit()
        return empty(200)

    @operation
    async def reenroll(self, request: Request, fmt: Format) -> Response:
        """``POST /enrollment/{enrollmentId}/reenroll``: 200 with no body."""
        actor = self._auth(request)
        enrollment_id = self._path_id(request, "enrollmentId")
        body = await p.read_body(request, p.REENROLL)
        access = p.access_date(body, required=True)
        assert access is not None
        due = p.due_input(body)
        self.backend.reenroll(actor, enrollment_id, access=access, due=due)
        await self.backend.store.commit()
        return empty(200)

    @operation
    async def unenroll(self, request: Request, fmt: Format) -> Response:
        """``POST /enrollment/delete``: 204."""
        actor = self._auth(request)
        body = await p.read_body(request, p.DELETE_ENROLLMENTS)
        enrollment_ids = p.body_ids(body, "enrollmentIds", required=True)
        self.backend.delete_enrollments(actor, enrollment_ids)
        await self.backend.store.commit()
        return empty(204)

    # -- results -------------------------------------------------------------------------------

    @operation
    async def list_learner_results(self, request: Request, fmt: Format) -> Response:
        """``GET /learners/results``: paged."""
        actor = self._auth(request)
        params = request.query_params
        query = p.page_query(params)
        ranges = {name: p.date_range(params, name) for name in RANGES}
        active = tuple((name, low, high) for name, (low, high) in ranges.items() if low or high)

        def within(doc: Doc) -> bool:
            for name, low, high in active:
                value = doc[name]
                if value is None or (low and value < low) or (high and value > high):
                    return False
            return True

        selection = self.backend.select_enrollments(
            actor,
            learner_ids=p.query_ids(params, "userIds"),
            course_ids=p.query_ids(params, "courseIds"),
            department_ids=p.query_ids(params, "departmentIds"),
            enrollment_ids=p.query_ids(params, "enrollmentIds"),
            statuses=p.completion_statuses(params),
            user_statuses=p.user_statuses(params),
            match=within if active else None,
            match_key=active,
        )
        ids, token = self.backend.page(selection, query)
        docs, now = self.backend.enrollments.docs, self.backend.now()
        items = [render.result_item(docs[i], now) for i in ids]
        return respond(fmt, _page("results", items, token))

    # -- the rest of the prefix ----------------------------------------------------------------

    def fallback(self, api: Sequence[BaseRoute]) -> Callable[[Request], Awaitable[Response]]:
        """An unknown path (404) or a known path with another method (405), in the negotiated
        format."""

        @operation
        async def unknown(self: ISpringResponses, request: Request, fmt: Format) -> Response:
            allowed: set[str] = set()
            for route in api:
                match, _child = route.matches(request.scope)
                if match is Match.PARTIAL:
                    allowed |= set(getattr(route, "methods", None) or ())
            if allowed:
                allow = ", ".join(sorted(allowed))
                raise HTTPException(405, "Method Not Allowed", {"Allow": allow})
            raise NotFound(f"Unknown path {request.url.path}")

        async def endpoint(request: Request) -> Response:
            return await unknown(self, request)

        return endpoint
