"""One handler per Docebo operation: parse the request, call the backend, render the envelope."""

from __future__ import annotations

from typing import Any, Final

from starlette.requests import Request
from starlette.responses import Response

from sandbox.http import BodyError, JSONResponse, query_params, read_form, read_json_object
from sandbox.vendors.docebo.exceptions import BadRequest, NotFound
from sandbox.vendors.docebo.learner import learner_filter, volatile_key
from sandbox.vendors.docebo.models import DoceboBackend
from sandbox.vendors.docebo.params import (
    HEADERS,
    VERSION,
    body_ids,
    choose,
    csv,
    date_param,
    envelope,
    flag,
    ids,
    level,
    levels,
    list_query,
    path_id,
    sort_dir,
    statuses,
)
from sandbox.vendors.docebo.render import parse_wire_date

USER_SORTS: Final = ("user_id", "username", "first_name", "last_name", "email", "creation_date")
COURSE_SORTS: Final = {
    "id_course": None,
    "name": "name",
    "code": "code",
    "date_last_updated": "date_last_updated",
    "last_update": "date_last_updated",
}
ENROLLMENT_SORTS: Final = (
    "user_id",
    "course_id",
    "enrollment_created_at",
    "enrollment_date_last_updated",
)
PLAN_ENROLLMENT_SORTS: Final = (
    "user_id",
    "learning_plan_id",
    "enrollment_created_at",
    "enrollment_date_last_updated",
)
PLAN_SORTS: Final = {
    "learning_plan_id": None,
    "title": "title",
    "name": "title",
    "code": "code",
    "updated_on": "updated_on",
}
LEARNER_SORTS: Final = {
    "id": "course_id",
    "name": "course_name",
    "date_last_updated": "enrollment_date_last_updated",
    "enroll_date_of_enrollment": "enrollment_created_at",
}


async def json_body(request: Request, *, allow_form: bool = False) -> dict[str, Any]:
    try:
        return await read_json_object(request, allow_form=allow_form)
    except BodyError as err:
        raise BadRequest(str(err)) from None


def _sorted(data: dict[str, Any], attr: str, descending: bool) -> dict[str, Any]:
    data["sort"] = [{"sort_attr": attr, "sort_dir": "desc" if descending else "asc"}]
    return data


def _answer(data: Any) -> JSONResponse:
    return JSONResponse({"data": data, "version": VERSION, "_links": {}}, headers=HEADERS)


class DoceboResponses:
    def __init__(self, backend: DoceboBackend) -> None:
        self.backend = backend

    def _auth(self, request: Request) -> int:
        return self.backend.authenticate(request.headers.get("authorization")).user_id

    async def token(self, request: Request) -> Response:
        try:
            form = await read_form(request)
        except BodyError as err:
            raise BadRequest(str(err)) from None
        return JSONResponse(self.backend.issue_token(form), headers={"Cache-Control": "no-store"})

    # -- users and courses ---------------------------------------------------------------------

    async def list_users(self, request: Request) -> Response:
        self._auth(request)
        params = request.query_params
        query = list_query(params)
        attr = choose(params.get("sort_attr"), USER_SORTS, "sort_attr")
        sort = None if attr in (None, "user_id") else attr
        descending = sort_dir(params, "sort_dir")
        selection = self.backend.select_users(params.get("search_text"), sort, descending)
        data = self.backend.page(self.backend.users, selection, query, sort=sort)
        return envelope(_sorted(data, attr or "user_id", descending), request)

    async def get_user(self, request: Request) -> Response:
        self._auth(request)
        return envelope(self.backend.user(path_id(request, "user_id")))

    async def list_courses(self, request: Request) -> Response:
        self._auth(request)
        params = request.query_params
        query = list_query(params)
        attr = choose(params.get("sort_by"), COURSE_SORTS, "sort_by")
        sort = COURSE_SORTS[attr] if attr else None
        descending = sort_dir(params, "sort_by_direction")
        selection = self.backend.select_courses(params.get("search_text"), sort, descending)
        data = self.backend.page(self.backend.courses, selection, query, sort=sort)
        return envelope(_sorted(data, attr or "id_course", descending), request)

    async def get_course(self, request: Request) -> Response:
        self._auth(request)
        course = self.backend.course(path_id(request, "course_id"))
        return envelope({**course, "type": course["course_type"]})

    # -- enrollment lists ----------------------------------------------------------------------

    async def list_course_enrollments(self, request: Request) -> Response:
        self._auth(request)
        return self._course_enrollments(request, plan_courses=None)

    async def list_plan_course_enrollments(self, request: Request) -> Response:
        self._auth(request)
        plan = self.backend.plan(path_id(request, "learning_plan_id"))
        return self._course_enrollments(request, plan_courses=plan["courses"])

    def _course_enrollments(self, request: Request, plan_courses: list[int] | None) -> Response:
        params = query_params(request)
        query = list_query(params)
        sort = choose(params.get("sort_attr"), ENROLLMENT_SORTS, "sort_attr")
        descending = sort_dir(params, "sort_dir")
        course_ids = ids(params, "course_id", "course_ids")
        if plan_courses is not None:
            course_ids = (
                [c for c in course_ids if c in plan_courses] if course_ids else plan_courses
            )
            course_ids = course_ids or [0]
        level_set = frozenset(levels(csv(params, "level") + csv(params, "levels")))
        type_set = frozenset(t.lower() for t in csv(params, "course_type") + csv(params, "type"))
        since, until = date_param(params, "updated_from"), date_param(params, "updated_to")

        def match(doc: dict[str, Any]) -> bool:
            updated = doc["enrollment_date_last_updated"] or ""
            return (
                (not level_set or doc["enrollment_level"] in level_set)
                and (not type_set or doc["course_type"] in type_set)
                and (since is None or updated >= since)
                and (until is None or updated <= until)
            )

        plain = not (level_set or type_set or since or until)
        selection = self.backend.select_enrollments(
            user_ids=ids(params, "user_id", "user_ids"),
            course_ids=course_ids,
            statuses=statuses(params),
            match=None if plain else match,
            match_key=(level_set, type_set, since, until),
            sort=sort,
            reverse=descending,
        )
        data = self.backend.page(self.backend.enrollments, selection, query, sort=sort)
        return envelope(_sorted(data, sort or "id", descending), request)

    async def list_plan_enrollments(self, request: Request) -> Response:
        self._auth(request)
        params = request.query_params
        query = list_query(params)
        sort = choose(params.get("sort_attr"), PLAN_ENROLLMENT_SORTS, "sort_attr")
        descending = sort_dir(params, "sort_dir")
        selection = self.backend.select_enrollments(
            kind="plan",
            user_ids=ids(params, "user_id", "user_ids"),
            plan_ids=ids(params, "learning_plan_id", "learning_plan_ids"),
            statuses=statuses(params, plans=True),
            sort=sort,
            reverse=descending,
        )
        data = self.backend.page(self.backend.enrollments, selection, query, sort=sort)
        return envelope(_sorted(data, sort or "id", descending), request)

    async def list_learner_enrollments(self, request: Request) -> Response:
        self._auth(request)
        params = request.query_params
        query = list_query(params)
        attr = choose(params.get("sort_by"), LEARNER_SORTS, "sort_by")
        sort = LEARNER_SORTS[attr] if attr else None
        descending = sort_dir(params, "sort_by_direction")
        match, key = learner_filter(self.backend, params)
        selection = self.backend.select_learner(
            user_ids=ids(params, "id_user", "user_id"),
            match=match,
            match_key=key,
            sort=sort,
            reverse=descending,
            volatile=volatile_key(self.backend, params),
        )
        details = flag(params, "get_session_details")
        data = self.backend.page(
            self.backend.enrollments,
            selection,
            query,
            sort=sort,
            render_item=lambda doc_id: self.backend.learner_item(doc_id, details=details),
        )
        return envelope(_sorted(data, attr or "id", descending), request)

    async def get_enrollment(self, request: Request) -> Response:
        self._auth(request)
        course_id, user_id = path_id(request, "course_id"), path_id(request, "user_id")
        doc_id = self.backend.find_enrollment(course_id, user_id)
        if doc_id is None:
            raise NotFound(f"Enrollment not found (user {user_id}, course {course_id})")
        return envelope({"records": self.backend.learner_item(doc_id, details=True)})

    # -- learning plans and sessions -----------------------------------------------------------

    async def list_plans(self, request: Request) -> Response:
        self._auth(request)
        params = request.query_params
        query = list_query(params)
        attr = choose(params.get("sort_attr"), PLAN_SORTS, "sort_attr")
        sort = PLAN_SORTS[attr] if attr else None
        descending = sort_dir(params, "sort_dir")
        selection = self.backend.select_plans(params.get("search_text"), sort, descending)
        data = self.backend.page(
            self.backend.plans, selection, query, sort=sort, render_item=self.backend.plan_item
        )
        return envelope(_sorted(data, attr or "learning_plan_id", descending), request)

    async def get_plan(self, request: Request) -> Response:
        self._auth(request)
        plan_id = path_id(request, "learning_plan_id")
        self.backend.plan(plan_id)
        return envelope(self.backend.plan_item(plan_id, with_courses=True))

    async def list_course_sessions(self, request: Request) -> Response:
        self._auth(request)
        course_id = path_id(request, "course_id")
        course = self.backend.course(course_id)
        if course["course_type"] == "elearning":
            raise BadRequest(f"Course {course_id} does not have sessions")
        query = list_query(request.query_params)
        selection = self.backend.sessions.select(where={"course_id": [course_id]})
        data = self.backend.page(
            self.backend.sessions,
            selection,
            query,
            sort=None,
            render_item=self.backend.session_item,
        )
        return envelope(data, request)

    async def get_session(self, request: Request) -> Response:
        self._auth(request)
        session_id = path_id(request, "session_id")
        self.backend.session(session_id)
        return envelope(self.backend.session_item(session_id))

    async def list_session_enrollments(self, request: Request) -> Response:
        self._auth(request)
        session_id = path_id(request, "session_id")
        self.backend.session(session_id)
        query = list_query(request.query_params)
        selection = self.backend.roster.select(where={"session_id": [session_id]})
        data = self.backend.page(self.backend.roster, selection, query, sort=None)
        return envelope(data, request)

    # -- enroll and unenroll -------------------------------------------------------------------

    async def enroll(self, request: Request) -> Response:
        creator = self._auth(request)
        course_id, user_id = path_id(request, "course_id"), path_id(request, "user_id")
        body = await json_body(request, allow_form=True)
        fields = body.get("enrollment_fields") or {}
        if not isinstance(fields, dict):
            raise BadRequest("Invalid enrollment_fields: must be an object")
        result = self.backend.enroll(
            course_id=course_id,
            user_id=user_id,
            level=level(body.get("level")),
            valid_from=parse_wire_date(body.get("date_begin_validity"), "date_begin_validity"),
            valid_until=parse_wire_date(body.get("date_expire_validity"), "date_expire_validity"),
            fields=fields,
            created_by=creator,
        )
        await self.backend.store.commit()
        enrolled = [{"user_id": user_id, "course_id": course_id, "waiting": result.waiting}]
        return _answer({"enrolled": enrolled})

    async def enroll_many(self, request: Request) -> Response:
        """``POST /learn/v1/enrollments``: users into courses, or into one course's session."""
        creator = self._auth(request)
        body = await json_body(request)
        user_ids = body_ids(body, "user_ids", "user_id")
        course_ids = body_ids(body, "course_ids", "course_id")
        if not user_ids or not course_ids:
            raise BadRequest("user_ids and course_ids are required")
        fields = body.get("enrollment_fields") or {}
        if not isinstance(fields, dict):
            raise BadRequest("Invalid enrollment_fields: must be an object")
        chosen = level(body.get("level"))
        valid_from = parse_wire_date(body.get("date_begin_validity"), "date_begin_validity")
        valid_until = parse_wire_date(body.get("date_expire_validity"), "date_expire_validity")
        session_ids = body_ids(body, "session_id")
        enrolled: list[dict[str, Any]] = []
        errors: list[str] = []
        if session_ids:
            if len(course_ids) != 1:
                raise BadRequest("Enrolling into a session takes exactly one course in course_ids")
            session_id, course_id = session_ids[0], course_ids[0]
            self.backend.course(course_id)
            self.backend.session(session_id)
            for user_id in user_ids:
                try:
                    result = self.backend.enroll_session(
                        session_id=session_id,
                        course_id=course_id,
                        user_id=user_id,
                        level=chosen,
                        created_by=creator,
                    )
                except (BadRequest, NotFound) as err:
                    errors.append(err.message)
                    continue
                enrolled.append(
                    {
                        "user_id": user_id,
                        "course_id": course_id,
                        "session_id": session_id,
                        "waiting": int(result.waiting),
                    }
                )
        else:
            for user_id in user_ids:
                for course_id in course_ids:
                    try:
                        result = self.backend.enroll(
                            course_id=course_id,
                            user_id=user_id,
                            level=chosen,
                            valid_from=valid_from,
                            valid_until=valid_until,
                            fields=fields,
                            created_by=creator,
                            batch=True,
                        )
                    except (BadRequest, NotFound) as err:
                        errors.append(err.message)
                        continue
                    enrolled.append(
                        {"user_id": user_id, "course_id": course_id, "waiting": result.waiting}
                    )
        await self.backend.store.commit()
        return _answer({"enrolled": enrolled, "errors": errors})

    async def unenroll(self, request: Request) -> Response:
        self._auth(request)
        course_id, user_id = path_id(request, "course_id"), path_id(request, "user_id")
        doc_id = self.backend.unenroll(course_id=course_id, user_id=user_id)
        await self.backend.store.commit()
        return _answer({"deleted_enrollment": doc_id})

    async def unenroll_many(self, request: Request) -> Response:
        """``DELETE /learn/v1/enrollments``: users from learning plans (or from courses)."""
        self._auth(request)
        body = await json_body(request)
        user_ids = body_ids(body, "user_ids", "user_id")
        plan_ids = body_ids(body, "learningplan_ids", "learning_plan_ids", "learning_plan_id")
        course_ids = body_ids(body, "course_ids", "course_id")
        if not user_ids or not (plan_ids or course_ids):
            raise BadRequest("user_ids and learningplan_ids (or course_ids) are required")
        if plan_ids:
            done, errors = self.backend.unenroll_plans(
                user_ids=user_ids,
                plan_ids=plan_ids,
                reset_tracks=_truthy(body.get("reset_tracks"), "reset_tracks"),
                cascade=_truthy(
                    body.get(
                        "cascade_unenroll_from_courses_in_selected_learning_plan",
                        body.get("unenroll_from_courses"),
                    ),
                    "cascade_unenroll_from_courses_in_selected_learning_plan",
                ),
            )
        else:
            done, errors = self.backend.unenroll_courses(user_ids=user_ids, course_ids=course_ids)
        await self.backend.store.commit()
        return _answer({"unenrolled": done, "errors": errors})

    async def unenroll_session(self, request: Request) -> Response:
        self._auth(request)
        session_id = path_id(request, "session_id")
        body = await json_body(request)
        user_ids = body_ids(body, "user_ids", "user_id") or ids(
            request.query_params, "user_ids", "user_id"
        )
        if not user_ids:
            raise BadRequest("user_ids is required")
        self.backend.unenroll_sessions(session_id=session_id, user_ids=user_ids)
        await self.backend.store.commit()
        return _answer({"success": True})

    async def update_rsvp(self, request: Request) -> Response:
        self._auth(request)
        event_id = path_id(request, "event_id")
        body = await json_body(request)
        items = body.get("items")
        if not isinstance(items, list) or not items:
            raise BadRequest("items is required: a non-empty list")
        stamp = parse_wire_date(body.get("sync_timestamp"), "sync_timestamp")
        results = self.backend.update_rsvp(event_id=event_id, items=items, sync_timestamp=stamp)
        await self.backend.store.commit()
        return _answer(results)


def _truthy(value: Any, name: str) -> bool:
    if value in (None, "", False, 0, "0", "false"):
        return False
    if value in (True, 1, "1", "true"):
        return True
    raise BadRequest(f"Invalid value for {name}: use true or false")
