"""Docebo's tenant: its tables, indexes and sessions, and every rule of its enrollment API.

Documents are stored exactly as Docebo renders them in list answers (``render.py``), so serving
a page is a slice of ids and a JSON dump. The wire contract is the package docstring. Every
method that writes checks first and writes after, with no ``await`` in between, inside one store
transaction: concurrent requests cannot interleave, and a crash keeps all of an action or none.
"""

from __future__ import annotations

import hmac
import random
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from starlette.responses import Response
from starlette.routing import BaseRoute

from sandbox.query import Collection, Cursors, InvalidCursor, Selection
from sandbox.seeding import World
from sandbox.store import Doc
from sandbox.vendors.base import Tables, Vendor
from sandbox.vendors.docebo import render
from sandbox.vendors.docebo.exceptions import (
    AlreadyEnrolled,
    BadRequest,
    NotFound,
    OAuthError,
    Unauthorized,
    error_response,
)
from sandbox.vendors.docebo.render import DOMAIN, LEVELS, USER_BASE, is_plan, wire_date

USERS: Final = "docebo.users"
COURSES: Final = "docebo.courses"
ENROLLMENTS: Final = "docebo.enrollments"
PLANS: Final = "docebo.learning_plans"
SESSIONS: Final = "docebo.sessions"
ROSTER: Final = "docebo.session_enrollments"
RATINGS: Final = "docebo.ratings"

ADMIN_ID: Final = 10000
CLIENT_ID: Final = "lmsbridge-sandbox"
ADMIN_USERNAME: Final = "admin"
TOKEN_TTL: Final = 3600
MAX_PAGE_SIZE: Final = 200
DEFAULT_PAGE_SIZE: Final = 20
#: statuses that hold a seat (the others wait or have left)
SEATED: Final = frozenset({"subscribed", "in_progress", "completed"})
STATUSES: Final = (
    "waiting",
    "to_confirm",
    "subscribed",
    "in_progress",
    "completed",
    "suspended",
    "overbooking",
)
PLAN_STATUSES: Final = ("not_started", "in_progress", "completed")
STATUS_ALIASES: Final[Mapping[str, str]] = {
    "not_started": "subscribed",
    "waiting_list": "waiting",
    "enrollments_to_confirm": "to_confirm",
}


@dataclass(slots=True)
class Session:
    user_id: int
    expires: float


@dataclass(frozen=True, slots=True)
class ListQuery:
    """Paging parameters of one list request, validated."""

    page: int
    page_size: int
    want_cursor: bool
    cursor: str | None


@dataclass(frozen=True, slots=True)
class EnrollResult:
    doc_id: int
    created: bool
    waiting: bool


class DoceboBackend(Vendor):
    name = "docebo"
    prefix = "/docebo"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client_secret = self.secret("client_secret")
        self.admin_password = self.secret("admin_password", 20)
        self.tokens: dict[str, Session] = {}
        self.refresh_tokens: dict[str, int] = {}
        self.cursors = Cursors(self.secret("cursor").encode())
        self.rebuild()

    # -- the platform's side -------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        from sandbox.vendors.docebo.responses import DoceboResponses
        from sandbox.vendors.docebo.routes import routes

        return routes(DoceboResponses(self))

    def credentials(self, base_url: str) -> dict[str, str]:
        return {
            "base_url": f"{base_url.rstrip('/')}{self.prefix}",
            "client_id": CLIENT_ID,
            "client_secret": self.client_secret,
            "username": ADMIN_USERNAME,
            "password": self.admin_password,
        }

    def http_error(self, status: int, detail: str) -> Response:
        return error_response(status, detail)

    def rebuild(self) -> None:
        store = self.store
        self.users = Collection(
            store,
            USERS,
            indexes={"email": lambda d: d["email"].lower()},
            sorts={
                "username": lambda d: d["username"].lower(),
                "first_name": lambda d: d["first_name"].lower(),
                "last_name": lambda d: d["last_name"].lower(),
                "email": lambda d: d["email"].lower(),
                "creation_date": lambda d: d["creation_date"] or "",
            },
        )
        self.courses = Collection(
            store,
            COURSES,
            indexes={"code": lambda d: d["code"]},
            sorts={
                "name": lambda d: d["name"].lower(),
                "code": lambda d: d["code"],
                "date_last_updated": lambda d: d["date_last_updated"] or "",
            },
        )
        self.enrollments = Collection(
            store,
            ENROLLMENTS,
            indexes={
                "kind": lambda d: "plan" if is_plan(d) else "course",
                "user_id": lambda d: d["user_id"],
                "course_id": lambda d: d.get("course_id"),
                "learning_plan_id": lambda d: d.get("learning_plan_id"),
                "status": lambda d: d["enrollment_status"],
                # a course's seated learners, for its capacity in O(1)
                "seated_in": lambda d: (
                    d.get("course_id") if d["enrollment_status"] in SEATED else None
                ),
            },
            sorts={
                "user_id": lambda d: d["user_id"],
                "course_id": lambda d: d.get("course_id") or 0,
                "learning_plan_id": lambda d: d.get("learning_plan_id") or 0,
                "course_name": lambda d: (
                    d.get("course_name") or d.get("learning_plan_name") or ""
                ).lower(),
                "enrollment_created_at": lambda d: d["enrollment_created_at"] or "",
                "enrollment_date_last_updated": lambda d: d["enrollment_date_last_updated"] or "",
            },
        )
        self.plans = Collection(
            store,
            PLANS,
            sorts={
                "title": lambda d: d["title"].lower(),
                "code": lambda d: d["code"],
                "updated_on": lambda d: d["updated_on"] or "",
            },
        )
        self.sessions = Collection(store, SESSIONS, indexes={"course_id": lambda d: d["course_id"]})
        self.roster = Collection(
            store,
            ROSTER,
            indexes={"session_id": lambda d: d["session_id"], "user_id": lambda d: d["user_id"]},
        )
        self.ratings = store.table(RATINGS)
        self.plans_of_course: dict[int, list[int]] = {}
        for plan_id, plan in self.plans.docs.items():
            for course_id in plan["courses"]:
                self.plans_of_course.setdefault(course_id, []).append(plan_id)
        self.event_sessions = {
            date["id_event"]: session_id
            for session_id, session in self.sessions.docs.items()
            for date in session["dates"]
        }

    # -- seeding -------------------------------------------------------------------------------

    def seed_tables(self, world: World) -> Tables:
        rng = random.Random(f"{world.scenario.seed}:docebo")
        reference = world.scenario.reference_date
        users: dict[int, Doc] = {ADMIN_ID: self._admin_doc(reference)}
        for person in world.people:
            users[USER_BASE + person.index] = render.user_doc(person)
        per_course = [0] * len(world.courses)  # learners holding a seat
        for assignment in world.assignments:
            if render.STATE_STATUS[assignment.state] in SEATED:
                per_course[assignment.course] += 1
        # a few e-learning courses have a seat limit they have reached: new learners wait
        capped = {
            course.index
            for course in world.courses
            if course.kind == "elearning" and course.index % 9 == 4 and per_course[course.index]
        }
        courses = {
            course.index + 1: render.course_doc(
                course, per_course[course.index] if course.index in capped else None
            )
            for course in world.courses
        }
        people = {person.index: person for person in world.people}
        enrollments: dict[int, Doc] = {}
        ratings: dict[int, Doc] = {}
        for assignment in world.assignments:
            doc = render.enrollment_doc(
                assignment,
                people[assignment.person],
                world.courses[assignment.course],
                courses[assignment.course + 1],
            )
            enrollments[assignment.index + 1] = doc
            if doc["enrollment_status"] == "completed" and rng.random() < 0.6:
                ratings[assignment.index + 1] = {"rating": rng.randint(1, 5)}
        plans = {plan.index + 1: render.plan_doc(plan) for plan in world.learning_plans}
        base = max((a.index for a in world.assignments), default=-1) + 2
        for enrollment in world.plan_enrollments:
            enrollments[base + enrollment.index] = render.plan_enrollment_doc(
                enrollment, people[enrollment.person], plans[enrollment.plan + 1]
            )
        sessions = {
            session.index + 1: render.session_doc(session, courses[session.course + 1])
            for session in world.sessions
        }
        roster: dict[int, Doc] = {}
        for assignment in world.assignments:
            if assignment.session is None:
                continue
            doc = enrollments[assignment.index + 1]
            session = world.sessions[assignment.session]
            roster[len(roster) + 1] = render.roster_doc(
                users[USER_BASE + assignment.person],
                sessions[assignment.session + 1],
                status="subscribed",
                enrolled_at=doc["enrollment_created_at"],
                level=doc["enrollment_level"],
                attendance=render.seeded_attendance(assignment.state, session, reference),
            )
        return {
            USERS: users,
            COURSES: courses,
            ENROLLMENTS: enrollments,
            PLANS: plans,
            SESSIONS: sessions,
            ROSTER: roster,
            RATINGS: ratings,
        }

    def _admin_doc(self, reference: datetime) -> Doc:
        created = wire_date(reference.replace(year=reference.year - 3))
        return {
            "user_id": str(ADMIN_ID),
            "username": ADMIN_USERNAME,
            "first_name": "Sandbox",
            "last_name": "Administrator",
            "fullname": "Sandbox Administrator",
            "email": "lms.admin@example-corp.com",
            "status": "1",
            "level": "godadmin",
            "creation_date": created,
            "last_access_date": wire_date(reference),
            "last_update": created,
            "language": "english",
            "timezone": "UTC",
            "expired": False,
        }

    # -- authentication ------------------------------------------------------------------------

    def issue_token(self, form: Mapping[str, Any]) -> dict[str, Any]:
        grant = form.get("grant_type")
        if not grant:
            raise OAuthError("invalid_request", "The grant type was not specified in the request")
        if grant not in ("client_credentials", "password", "refresh_token"):
            raise OAuthError("unsupported_grant_type", f"The grant type {grant!r} is not supported")
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        if not client_id or not client_secret:
            raise OAuthError("invalid_request", "client_id and client_secret are required")
        if not (
            hmac.compare_digest(str(client_id).encode(), CLIENT_ID.encode())
            and hmac.compare_digest(str(client_secret).encode(), self.client_secret.encode())
        ):
            raise OAuthError("invalid_client", "The client credentials are invalid", status=401)
        scope = form.get("scope") or "api"
        if scope != "api":
            raise OAuthError("invalid_scope", f"The scope {scope!r} is not supported")
        if grant == "password":
            username, password = form.get("username"), form.get("password")
            if not username or password is None:
                raise OAuthError("invalid_request", "username and password are required")
            if not (
                hmac.compare_digest(str(username).encode(), ADMIN_USERNAME.encode())
                and hmac.compare_digest(str(password).encode(), self.admin_password.encode())
            ):
                raise OAuthError("invalid_grant", "Invalid username and password combination")
        elif grant == "refresh_token":
            refresh = form.get("refresh_token")
            if not refresh or str(refresh) not in self.refresh_tokens:
                raise OAuthError("invalid_grant", "Invalid refresh token")
            del self.refresh_tokens[str(refresh)]
        now = self.clock.time()
        if len(self.tokens) > 10_000:
            self.tokens = {t: s for t, s in self.tokens.items() if s.expires > now}
        token, refresh_token = secrets.token_hex(20), secrets.token_hex(20)
        self.tokens[token] = Session(user_id=ADMIN_ID, expires=now + TOKEN_TTL)
        self.refresh_tokens[refresh_token] = ADMIN_ID
        return {
            "access_token": token,
            "expires_in": TOKEN_TTL,
            "token_type": "Bearer",
            "scope": "api",
            "refresh_token": refresh_token,
        }

    def authenticate(self, authorization: str | None) -> Session:
        if not authorization:
            raise Unauthorized("Authorization header missing: send Authorization: Bearer <token>")
        scheme, _, token = authorization.partition(" ")
        session = self.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if session is None:
            raise Unauthorized("Invalid access token")
        if session.expires <= self.clock.time():
            raise Unauthorized("The access token provided has expired")
        return session

    # -- listing -------------------------------------------------------------------------------

    def page(
        self,
        collection: Collection,
        selection: Selection,
        query: ListQuery,
        *,
        sort: str | None,
        render_item: Callable[[int], Doc] | None = None,
    ) -> dict[str, Any]:
        """The ``data`` object of a Docebo list answer."""
        size = query.page_size
        if query.cursor:
            try:
                position = self.cursors.decode(query.cursor, selection.signature)
            except InvalidCursor as err:
                raise BadRequest(f"Invalid cursor: {err}") from None
            ids, more, start = selection.after(position, size)
        else:
            start = (query.page - 1) * size
            ids, more = selection.page(query.page, size)
        docs = collection.docs
        items = [render_item(i) for i in ids] if render_item else collection.encoded(ids)
        total = len(selection)
        data: dict[str, Any] = {
            "items": items,
            "count": len(items),
            "has_more_data": more,
            "current_page": start // size + 1,
            "current_page_size": size,
            "total_page_count": -(-total // size),
            "total_count": total,
            "sort": [],
        }
        if query.want_cursor or query.cursor:
            data["cursor"] = None
            if ids and more:
                sort_key = collection.sorts[sort] if sort else None
                last = ids[-1]
                data["cursor"] = self.cursors.encode(
                    selection.signature, (sort_key(docs[last]) if sort_key else 0, last)
                )
        return data

    def select_users(self, search: str | None, sort: str | None, reverse: bool) -> Selection:
        match = _search(("username", "first_name", "last_name", "email"), search)
        return self.users.select(match=match, match_key=search, sort=sort, reverse=reverse)

    def select_courses(self, search: str | None, sort: str | None, reverse: bool) -> Selection:
        match = _search(("name", "code", "description"), search)
        return self.courses.select(match=match, match_key=search, sort=sort, reverse=reverse)

    def select_plans(self, search: str | None, sort: str | None, reverse: bool) -> Selection:
        match = _search(("title", "code", "description"), search)
        return self.plans.select(match=match, match_key=search, sort=sort, reverse=reverse)

    def select_enrollments(
        self,
        *,
        kind: str = "course",
        user_ids: Sequence[int] = (),
        course_ids: Sequence[int] = (),
        plan_ids: Sequence[int] = (),
        statuses: Sequence[str] = (),
        match: Callable[[Doc], bool] | None = None,
        match_key: Any = None,
        sort: str | None = None,
        reverse: bool = False,
    ) -> Selection:
        """Course (``kind="course"``) or plan enrollments by indexed field, then ``match``."""
        where: dict[str, Iterable[Any]] = {"kind": [kind]}
        if user_ids:
            where["user_id"] = user_ids
        if course_ids:
            where["course_id"] = course_ids
        if plan_ids:
            where["learning_plan_id"] = plan_ids
        if statuses:
            where["status"] = statuses
        return self.enrollments.select(
            where=where, match=match, match_key=match_key, sort=sort, reverse=reverse
        )

    def select_learner(
        self,
        *,
        user_ids: Sequence[int],
        match: Callable[[Doc], bool] | None,
        match_key: Any,
        sort: str | None,
        reverse: bool,
        volatile: Any = None,
    ) -> Selection:
        """Course and plan enrollments together (the learner view)."""
        where = {"user_id": user_ids} if user_ids else {}
        return self.enrollments.select(
            where=where,
            match=match,
            match_key=match_key,
            sort=sort,
            reverse=reverse,
            volatile=volatile,
        )

    def course_ids_for_codes(self, codes: Sequence[str]) -> list[int]:
        return [doc_id for code in codes for doc_id in self.courses.lookup("code", code)]

    def plan_ids_for_codes(self, codes: Sequence[str]) -> list[int]:
        wanted = set(codes)
        return [doc_id for doc_id, plan in self.plans.docs.items() if plan["code"] in wanted]

    def rating(self, doc_id: int) -> int | None:
        entry = self.ratings.get(doc_id)
        return entry["rating"] if entry else None

    def user_sessions(self, user_id: int, course_id: int) -> list[tuple[Doc, Doc]]:
        """(session, roster entry) for each session of ``course_id`` the user is in."""
        sessions, roster = self.sessions.docs, self.roster.docs
        found = []
        for entry_id in self.roster.lookup("user_id", user_id):
            entry = roster[entry_id]
            if entry["course_id"] == course_id:
                found.append((sessions[entry["session_id"]], entry))
        return found

    def learner_item(self, doc_id: int, *, details: bool = False) -> Doc:
        doc = self.enrollments.docs[doc_id]
        if is_plan(doc):
            plan_id = doc["learning_plan_id"]
            return render.learner_plan_item(
                doc,
                self.plans.docs.get(plan_id, {}),
                len(self.enrollments.lookup("learning_plan_id", plan_id)),
            )
        return render.learner_course_item(
            doc,
            self.courses.docs.get(doc["course_id"], {}),
            self.rating(doc_id),
            self.user_sessions(doc["user_id"], doc["course_id"]),
            details,
            len(self.enrollments.lookup("course_id", doc["course_id"])),
        )

    def session_item(self, session_id: int) -> Doc:
        session = self.sessions.docs[session_id]
        roster = self.roster.docs
        entries = [roster[i] for i in self.roster.lookup("session_id", session_id)]
        seated = sum(1 for entry in entries if entry["status"] == "subscribed")
        return {**session, "enrolled_count": seated, "waiting_count": len(entries) - seated}

    def plan_item(self, plan_id: int, *, with_courses: bool = False) -> Doc:
        plan = self.plans.docs[plan_id]
        item = {key: value for key, value in plan.items() if key != "courses"}
        if with_courses:
            courses = self.courses.docs
            item["courses"] = [
                {
                    "id_course": course_id,
                    "name": courses[course_id]["name"],
                    "code": courses[course_id]["code"],
                    "course_type": courses[course_id]["course_type"],
                    "position": position,
                }
                for position, course_id in enumerate(plan["courses"], start=1)
                if course_id in courses
            ]
        return item

    # -- lookups -------------------------------------------------------------------------------

    def user(self, user_id: int) -> Doc:
        user = self.users.get(user_id)
        if user is None:
            raise NotFound(f"User not found (user {user_id})")
        return user

    def course(self, course_id: int) -> Doc:
        course = self.courses.get(course_id)
        if course is None:
            raise NotFound(f"Course not found (course {course_id})")
        return course

    def plan(self, plan_id: int) -> Doc:
        plan = self.plans.get(plan_id)
        if plan is None:
            raise NotFound(f"Learning plan not found (learning plan {plan_id})")
        return plan

    def session(self, session_id: int) -> Doc:
        session = self.sessions.get(session_id)
        if session is None:
            raise NotFound(f"Session not found (session {session_id})")
        return session

    def find_enrollment(self, course_id: int, user_id: int) -> int | None:
        docs = self.enrollments.docs
        for doc_id in self.enrollments.lookup("user_id", user_id):
            if docs[doc_id].get("course_id") == course_id:
                return doc_id
        return None

    def find_plan_enrollment(self, plan_id: int, user_id: int) -> int | None:
        docs = self.enrollments.docs
        for doc_id in self.enrollments.lookup("user_id", user_id):
            if docs[doc_id].get("learning_plan_id") == plan_id:
                return doc_id
        return None

    def find_roster(self, session_id: int, user_id: int) -> int | None:
        docs = self.roster.docs
        for entry_id in self.roster.lookup("user_id", user_id):
            if docs[entry_id]["session_id"] == session_id:
                return entry_id
        return None

    def course_is_full(self, course: Doc) -> bool:
        cap = course.get("max_enrollments")
        if cap is None:
            return False
        return len(self.enrollments.lookup("seated_in", course["id_course"])) >= int(cap)

    def session_is_full(self, session_id: int) -> bool:
        session = self.sessions.docs[session_id]
        roster = self.roster.docs
        seated = sum(
            1
            for entry_id in self.roster.lookup("session_id", session_id)
            if roster[entry_id]["status"] == "subscribed"
        )
        return seated >= int(session["max_enrollments"])

    # -- webhooks ------------------------------------------------------------------------------

    def webhook(self, event: str, payload: Doc, *, batch: bool = False) -> None:
        event_id = self.events.next_id()
        stamp = self.clock.now()
        body = {
            "message_id": f"wh-{stamp:%Y%m%d}-{event_id:08d}",
            "webhook_id": 1,
            "original_domain": DOMAIN,
            "event": event,
            "fired_by_batch_action": batch,
            "payload": {"fired_at": wire_date(stamp), **payload},
        }
        self.events.record(self.name, event, body)

    def _enrollment_created(self, doc: Doc, *, batch: bool) -> None:
        self.webhook(
            "course.enrollment.created",
            {
                "user_id": doc["user_id"],
                "username": doc["username"],
                "course_id": doc["course_id"],
                "course_name": doc["course_name"],
                "level": doc["enrollment_level"],
                "enrollment_date": doc["enrollment_created_at"],
                "enrollment_date_begin_validity": doc["enrollment_validity_begin_date"],
                "enrollment_date_end_validity": doc["enrollment_validity_end_date"],
                "subscribed_by_id": doc["enrollment_created_by"],
                "status": doc["enrollment_status"],
            },
            batch=batch,
        )

    def _enrollment_deleted(self, doc: Doc, *, batch: bool) -> None:
        self.webhook(
            "course.enrollment.deleted",
            {
                "user_id": doc["user_id"],
                "username": doc["username"],
                "course_id": doc["course_id"],
                "course_name": doc["course_name"],
                "unenrollment_date": wire_date(self.clock.now()),
            },
            batch=batch,
        )

    # -- enrollment rules ----------------------------------------------------------------------

    def enroll(
        self,
        *,
        course_id: int,
        user_id: int,
        level: int,
        valid_from: str | None,
        valid_until: str | None,
        fields: Mapping[str, Any],
        created_by: int,
        batch: bool = False,
        waiting: bool = False,
    ) -> EnrollResult:
        """Enroll into a course: on its waiting list when it is full (or when ``waiting``, for a
        full session). Raises on an unknown user or course, an existing enrollment, or validity
        dates in the wrong order."""
        user = self.user(user_id)
        course = self.course(course_id)
        if self.find_enrollment(course_id, user_id) is not None:
            raise AlreadyEnrolled(user_id, course_id)
        if valid_from and valid_until and valid_from > valid_until:
            raise BadRequest("date_begin_validity must not be after date_expire_validity")
        waiting = waiting or self.course_is_full(course)
        now = wire_date(self.clock.now())
        doc = {
            "user_id": user_id,
            "username": user["username"],
            **render.course_fields(course),
            "enrollment_level": LEVELS[level],
            "enrollment_status": "waiting" if waiting else "subscribed",
            "enrollment_created_by": created_by,
            "enrollment_created_at": now,
            "enrollment_validity_begin_date": valid_from,
            "enrollment_validity_end_date": valid_until,
            "enrollment_date_last_updated": now,
            "enrollment_completion_date": None,
            "enrollment_score": None,
            "enrollment_time_spent": 0,
            "enrollment_completion_percentage": 0,
            "enrollment_fields": dict(fields),
        }
        with self.store.transaction():
            doc_id = self.enrollments.insert(doc)
            self._enrollment_created(doc, batch=batch)
        return EnrollResult(doc_id=doc_id, created=True, waiting=waiting)

    def enroll_session(
        self, *, session_id: int, course_id: int, user_id: int, level: int, created_by: int
    ) -> EnrollResult:
        """Enroll into a session of an instructor-led course (and into the course first when
        needed); on the session's waiting list when it is full."""
        user = self.user(user_id)
        session = self.session(session_id)
        if session["course_id"] != course_id:
            raise BadRequest(f"Session {session_id} does not belong to course {course_id}")
        if self.find_roster(session_id, user_id) is not None:
            raise BadRequest(f"User {user_id} is already enrolled in session {session_id}")
        waiting = self.session_is_full(session_id)
        with self.store.transaction():
            existing = self.find_enrollment(course_id, user_id)
            if existing is None:
                result = self.enroll(
                    course_id=course_id,
                    user_id=user_id,
                    level=level,
                    valid_from=None,
                    valid_until=None,
                    fields={},
                    created_by=created_by,
                    batch=True,
                    waiting=waiting,
                )
                existing = result.doc_id
            course_doc = self.enrollments.docs[existing]
            if waiting and course_doc["enrollment_status"] == "subscribed":
                self.enrollments.replace(existing, {**course_doc, "enrollment_status": "waiting"})
            elif not waiting and course_doc["enrollment_status"] == "waiting":
                self.enrollments.replace(
                    existing, {**course_doc, "enrollment_status": "subscribed"}
                )
            now = wire_date(self.clock.now())
            self.roster.insert(
                render.roster_doc(
                    user,
                    session,
                    status="waiting" if waiting else "subscribed",
                    enrolled_at=now,
                    level=LEVELS[level],
                )
            )
            self.webhook(
                "ilt.session.enrollment.created",
                {
                    "user_id": user_id,
                    "username": user["username"],
                    "course_id": course_id,
                    "course_name": course_doc["course_name"],
                    "session_id": session_id,
                    "session_name": session["name"],
                    "enrollment_date": now,
                    "level": LEVELS[level],
                    "waiting": waiting,
                },
                batch=True,
            )
        return EnrollResult(doc_id=existing, created=True, waiting=waiting)

    def unenroll(self, *, course_id: int, user_id: int, batch: bool = False) -> int:
        doc_id = self.find_enrollment(course_id, user_id)
        if doc_id is None:
            raise NotFound(f"Enrollment not found (user {user_id}, course {course_id})")
        with self.store.transaction():
            for session, _entry in self.user_sessions(user_id, course_id):
                self._leave_session(session["id"], user_id)
            doc = self.enrollments.remove(doc_id)
            self._enrollment_deleted(doc, batch=batch)
        return doc_id

    def unenroll_sessions(self, *, session_id: int, user_ids: Sequence[int]) -> None:
        """Remove users from a session; every user must be in it (checked before any write)."""
        self.session(session_id)
        for user_id in user_ids:
            if self.find_roster(session_id, user_id) is None:
                raise NotFound(f"User {user_id} is not enrolled in session {session_id}")
        with self.store.transaction():
            for user_id in user_ids:
                self._leave_session(session_id, user_id)

    def _leave_session(self, session_id: int, user_id: int) -> None:
        """Remove one roster entry; a freed seat goes to the first user waiting."""
        entry_id = self.find_roster(session_id, user_id)
        if entry_id is None:
            return
        left = self.roster.remove(entry_id)
        if left["status"] != "subscribed":
            return
        roster = self.roster.docs
        for waiting_id in self.roster.lookup("session_id", session_id):
            entry = roster[waiting_id]
            if entry["status"] == "waiting":
                self.roster.replace(waiting_id, {**entry, "status": "subscribed"})
                course_doc_id = self.find_enrollment(entry["course_id"], entry["user_id"])
                if course_doc_id is not None:
                    doc = self.enrollments.docs[course_doc_id]
                    if doc["enrollment_status"] == "waiting":
                        self.enrollments.replace(
                            course_doc_id, {**doc, "enrollment_status": "subscribed"}
                        )
                return

    def update_rsvp(
        self, *, event_id: int, items: Sequence[Any], sync_timestamp: str | None
    ) -> list[Doc]:
        """Per item ``{"row_index", "success", "message"}``; the good rows are saved."""
        session_id = self.event_sessions.get(event_id)
        if session_id is None:
            raise NotFound(f"Event not found (event {event_id})")
        stamp = sync_timestamp or wire_date(self.clock.now()) or ""
        results = []
        with self.store.transaction():
            for row, item in enumerate(items):
                try:
                    user_id = self._rsvp_user(item)
                    response = _rsvp_value(item)
                    entry_id = self.find_roster(session_id, user_id)
                    if entry_id is None:
                        raise BadRequest(
                            f"User {user_id} is not enrolled in the session of event {event_id}"
                        )
                    self._save_rsvp(entry_id, event_id, response, stamp)
                except (BadRequest, NotFound) as err:
                    results.append({"row_index": row, "success": False, "message": err.message})
                else:
                    results.append({"row_index": row, "success": True, "message": "RSVP updated"})
        return results

    def _rsvp_user(self, item: Any) -> int:
        if not isinstance(item, dict):
            raise BadRequest("Each item must be an object with user_id or user_email")
        if item.get("user_id") not in (None, ""):
            try:
                user_id = int(item["user_id"])
            except (TypeError, ValueError):
                raise BadRequest(f"Invalid user_id {item['user_id']!r}") from None
            self.user(user_id)
            return user_id
        email = item.get("user_email")
        if not isinstance(email, str) or not email:
            raise BadRequest("Each item needs user_id or user_email")
        found = self.users.lookup("email", email.lower())
        if not found:
            raise NotFound(f"No user with email {email}")
        return found[0]

    def _save_rsvp(self, entry_id: int, event_id: int, response: int, stamp: str) -> None:
        entry = self.roster.docs[entry_id]
        events = []
        for event in entry["events"]:
            if event["id_event"] == event_id:
                if event["rsvp_updated_at"] and event["rsvp_updated_at"] > stamp:
                    raise BadRequest(
                        f"A newer RSVP (of {event['rsvp_updated_at']}) is already synchronized"
                    )
                event = {**event, "rsvp": response, "rsvp_updated_at": stamp}
            events.append(event)
        self.roster.replace(entry_id, {**entry, "events": events})

    def unenroll_plans(
        self,
        *,
        user_ids: Sequence[int],
        plan_ids: Sequence[int],
        reset_tracks: bool,
        cascade: bool,
    ) -> tuple[list[int], list[str]]:
        """Unenroll users from plans; (users unenrolled from at least one, error messages)."""
        for plan_id in plan_ids:
            self.plan(plan_id)
        done: list[int] = []
        errors: list[str] = []
        with self.store.transaction():
            for user_id in user_ids:
                for plan_id in plan_ids:
                    removed = self._unenroll_plan(user_id, plan_id, reset_tracks, cascade, errors)
                    if removed and user_id not in done:
                        done.append(user_id)
        return done, errors

    def _unenroll_plan(
        self, user_id: int, plan_id: int, reset_tracks: bool, cascade: bool, errors: list[str]
    ) -> bool:
        doc_id = self.find_plan_enrollment(plan_id, user_id)
        if doc_id is None:
            errors.append(f"User {user_id} is not enrolled in learning plan {plan_id}")
            return False
        doc = self.enrollments.remove(doc_id)
        self.webhook(
            "learningplan.enrollment.deleted",
            {
                "user_id": user_id,
                "username": doc["username"],
                "learning_plan_id": plan_id,
                "learning_plan_name": doc["learning_plan_name"],
                "learning_plan_code": doc["learning_plan_code"],
                "unenrollment_date": wire_date(self.clock.now()),
            },
            batch=True,
        )
        kept = {
            course_id
            for other in self.plans_of_user(user_id)
            for course_id in self.plans.docs[other]["courses"]
        }
        for course_id in self.plans.docs[plan_id]["courses"]:
            course_doc_id = self.find_enrollment(course_id, user_id)
            if course_doc_id is None or course_id in kept:
                continue
            if cascade:
                self.unenroll(course_id=course_id, user_id=user_id, batch=True)
            elif reset_tracks:
                course_doc = self.enrollments.docs[course_doc_id]
                self.enrollments.replace(
                    course_doc_id,
                    {
                        **course_doc,
                        "enrollment_status": "subscribed",
                        "enrollment_completion_date": None,
                        "enrollment_score": None,
                        "enrollment_time_spent": 0,
                        "enrollment_completion_percentage": 0,
                        "enrollment_date_last_updated": wire_date(self.clock.now()),
                    },
                )
        return True

    def plans_of_user(self, user_id: int) -> list[int]:
        docs = self.enrollments.docs
        return [
            docs[doc_id]["learning_plan_id"]
            for doc_id in self.enrollments.lookup("user_id", user_id)
            if is_plan(docs[doc_id])
        ]

    def unenroll_courses(
        self, *, user_ids: Sequence[int], course_ids: Sequence[int]
    ) -> tuple[list[int], list[str]]:
        done: list[int] = []
        errors: list[str] = []
        with self.store.transaction():
            for user_id in user_ids:
                for course_id in course_ids:
                    try:
                        self.unenroll(course_id=course_id, user_id=user_id, batch=True)
                    except NotFound as err:
                        errors.append(err.message)
                    else:
                        if user_id not in done:
                            done.append(user_id)
        return done, errors


def _rsvp_value(item: Mapping[str, Any]) -> int:
    value = item.get("response", item.get("rsvp"))
    if isinstance(value, bool) or value not in (0, 1, 2, "0", "1", "2"):
        raise BadRequest(f"Invalid response {value!r}: use 1 (attending), 0 (not attending), 2")
    return int(value)


def _search(fields: Sequence[str], text: str | None) -> Callable[[Doc], bool] | None:
    if not text:
        return None
    needle = text.lower()
    return lambda doc: any(needle in str(doc.get(field) or "").lower() for field in fields)
