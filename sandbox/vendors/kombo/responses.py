"""One handler per Kombo operation: parse the request, call the backend, render the envelope."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import Response

from sandbox.http import JSONResponse, query_params
from sandbox.vendors.kombo.models import KomboBackend
from sandbox.vendors.kombo.params import (
    bulk_body,
    check_params,
    complete_body,
    enroll_body,
    json_body,
    list_query,
)
from sandbox.vendors.kombo.render import timestamp

USER_FILTERS: Final = ("work_emails",)
PROGRESSION_FILTERS: Final = ("user_ids", "course_ids")


def success(data: Any) -> JSONResponse:
    """A GET answer: ``{"status": "success", "data": ...}`` (no ``warnings`` key)."""
    return JSONResponse({"status": "success", "data": data})


def action_success(
    data: Any, headers: Mapping[str, str], warnings: Sequence[str] = ()
) -> JSONResponse:
    """A POST answer: ``{"status": "success", "data": ..., "warnings": [{"message"}]}``."""
    body = {"status": "success", "data": data, "warnings": [{"message": w} for w in warnings]}
    return JSONResponse(body, headers=dict(headers))


class KomboResponses:
    def __init__(self, backend: KomboBackend) -> None:
        self.backend = backend

    def _auth(self, request: Request) -> str:
        return self.backend.authenticate(
            request.headers.get("authorization"), request.headers.get("x-integration-id")
        )

    # -- lists ---------------------------------------------------------------------------------

    async def get_users(self, request: Request) -> Response:
        self._auth(request)
        query = list_query(request.query_params, USER_FILTERS)
        backend = self.backend
        selection = backend.select_users(query)
        return success(backend.page(backend.users, selection, query, backend.user_view))

    async def get_skills(self, request: Request) -> Response:
        self._auth(request)
        query = list_query(request.query_params, ())
        backend = self.backend
        selection = backend.select_skills(query)
        return success(backend.page(backend.skills, selection, query, backend.skill_view))

    async def get_courses(self, request: Request) -> Response:
        self._auth(request)
        query = list_query(request.query_params, ())
        backend = self.backend
        selection = backend.select_courses(query)
        return success(backend.page(backend.courses, selection, query, backend.course_view))

    async def get_course_progressions(self, request: Request) -> Response:
        self._auth(request)
        query = list_query(query_params(request), PROGRESSION_FILTERS)
        backend = self.backend
        selection = backend.select_progressions(query)
        return success(
            backend.page(backend.progressions, selection, query, backend.progression_view)
        )

    async def get_courses_bulk_task(self, request: Request) -> Response:
        self._auth(request)
        check_params(request.query_params, ())
        doc_id = self.backend.poll_task(request.path_params["task_id"])
        await self.backend.store.commit()
        return success(self.backend.task_data(doc_id))

    # -- actions -------------------------------------------------------------------------------

    async def post_course_progressions(self, request: Request) -> Response:
        """Enroll a user in a course revision."""
        integration = self._auth(request)
        with self.backend.action(integration) as headers:
            check_params(request.query_params, ())
            user_ref, revision_ref = enroll_body(await json_body(request))
            doc_id, warnings = self.backend.enroll(user_ref, revision_ref)
            await self.backend.store.commit()
            return action_success(self.backend.progression_item(doc_id), headers, warnings)

    async def complete_course_progression(self, request: Request) -> Response:
        integration = self._auth(request)
        with self.backend.action(integration) as headers:
            check_params(request.query_params, ())
            ref = request.path_params["course_progression_id"]
            body = await json_body(request)
            now = self.backend.clock.now()  # one instant: a defaulted completed_at == changed_at
            completed_at, score = complete_body(body, now)
            doc_id = self.backend.complete(ref, timestamp(completed_at), score, timestamp(now))
            await self.backend.store.commit()
            return action_success(self.backend.progression_item(doc_id), headers)

    async def post_courses_bulk(self, request: Request) -> Response:
        """Upsert courses: answers a task at once; the task runs when polled (see the docs)."""
        integration = self._auth(request)
        with self.backend.action(integration) as headers:
            check_params(request.query_params, ())
            items = bulk_body(await json_body(request))
            doc_id = self.backend.create_task(items)
            await self.backend.store.commit()
            task_id = self.backend.tasks.docs[doc_id]["task_id"]
            return action_success({"task_id": task_id}, headers)

    async def deactivate_course(self, request: Request) -> Response:
        integration = self._auth(request)
        with self.backend.action(integration) as headers:
            check_params(request.query_params, ())
            await json_body(request)  # {} by the document; any object is accepted
            doc_id = self.backend.deactivate(request.path_params["course_id"])
            await self.backend.store.commit()
            return action_success(self.backend.course_item(doc_id), headers)
