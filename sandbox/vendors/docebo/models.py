"""Docebo's tenant: users, courses and enrollments in Docebo's own shapes, and every rule.

Documents are stored exactly as Docebo renders them in list answers, so serving a page is a
slice of ids and a JSON dump. See the package docstring for the wire contract.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from starlette.responses import Response
from starlette.routing import BaseRoute

from sandbox.query import Collection, Cursors, InvalidCursor, Selection
from sandbox.seeding import Assignment, Offering, Person, World
from sandbox.store import Doc
from sandbox.vendors.base import Tables, Vendor
from sandbox.vendors.docebo.exceptions import (
    AlreadyEnrolled,
    BadRequest,
    NotFound,
    OAuthError,
    Unauthorized,
    error_response,
)

USERS: Final = "docebo.users"
COURSES: Final = "docebo.courses"
ENROLLMENTS: Final = "docebo.enrollments"

ADMIN_ID: Final = 10000
USER_BASE: Final = 10001
CLIENT_ID: Final = "lmsbridge-sandbox"
ADMIN_USERNAME: Final = "admin"
TOKEN_TTL: Final = 3600
MAX_PAGE_SIZE: Final = 200
DEFAULT_PAGE_SIZE: Final = 20

#: neutral seeding states to Docebo statuses (Docebo has no "failed": a learner who failed the
#: final test is still in progress; a withdrawn learner is suspended)
STATE_STATUS: Final[Mapping[str, str]] = {
    "waiting": "waiting",
    "pending_approval": "to_confirm",
    "not_started": "subscribed",
    "in_progress": "in_progress",
    "completed": "completed",
    "passed": "completed",
    "failed": "in_progress",
    "withdrawn": "suspended",
}
STATUSES: Final = (
    "waiting",
    "to_confirm",
    "subscribed",
    "in_progress",
    "completed",
    "suspended",
    "overbooking",
)
STATUS_ALIASES: Final[Mapping[str, str]] = {
    "not_started": "subscribed",
    "waiting_list": "waiting",
    "enrollments_to_confirm": "to_confirm",
}
LEVELS: Final[Mapping[int, str]] = {3: "student", 4: "tutor", 6: "instructor"}
LEVEL_NUMBERS: Final[Mapping[str, int]] = {"student": 3, "learner": 3, "tutor": 4, "instructor": 6}
LANGUAGES: Final[Mapping[str, str]] = {
    "en": "english",
    "de": "german",
    "fr": "french",
    "es": "spanish",
    "it": "italian",
    "nl": "dutch",
    "pt": "portuguese",
}
DATE_FORMAT: Final = "%Y-%m-%d %H:%M:%S"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?")


def wire_date(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime(DATE_FORMAT) if value is not None else None


def parse_wire_date(value: Any, field: str) -> str | None:
    """A Docebo date (``YYYY-MM-DD HH:MM:SS`` or ``YYYY-MM-DD``) normalized to the long form."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _DATE.fullmatch(value.strip()):
        raise BadRequest(f"Invalid {field}: expected a date as YYYY-MM-DD or YYYY-MM-DD HH:MM:SS")
    text = value.strip()
    try:
        parsed = datetime.strptime(text, DATE_FORMAT if " " in text else "%Y-%m-%d")
    except ValueError:
        raise BadRequest(f"Invalid {field}: {text!r} is not a calendar date") from None
    return parsed.strftime(DATE_FORMAT)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


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
        self.users = Collection(
            self.store,
            USERS,
            sorts={
                "username": lambda d: d["username"].lower(),
                "first_name": lambda d: d["first_name"].lower(),
                "last_name": lambda d: d["last_name"].lower(),
                "email": lambda d: d["email"].lower(),
                "creation_date": lambda d: d["creation_date"] or "",
            },
        )
        self.courses = Collection(
            self.store,
            COURSES,
            indexes={"code": lambda d: d["code"]},
            sorts={
                "name": lambda d: d["name"].lower(),
                "code": lambda d: d["code"],
                "date_last_updated": lambda d: d["date_last_updated"] or "",
            },
        )
        self.enrollments = Collection(
            self.store,
            ENROLLMENTS,
            indexes={
                "user_id": lambda d: d["user_id"],
                "course_id": lambda d: d["course_id"],
                "status": lambda d: d["enrollment_status"],
            },
            sorts={
                "user_id": lambda d: d["user_id"],
                "course_id": lambda d: d["course_id"],
                "course_name": lambda d: d["course_name"].lower(),
                "enrollment_created_at": lambda d: d["enrollment_created_at"] or "",
                "enrollment_date_last_updated": lambda d: d["enrollment_date_last_updated"] or "",
            },
        )

    # -- seeding -------------------------------------------------------------------------------

    def seed_tables(self, world: World) -> Tables:
        reference = world.scenario.reference_date
        users: dict[int, Doc] = {ADMIN_ID: self._admin_doc(reference)}
        for person in world.people:
            users[USER_BASE + person.index] = _user_doc(person)
        courses = {course.index + 1: _course_doc(course) for course in world.courses}
        enrollments = {
            assignment.index + 1: _enrollment_doc(
                assignment,
                world.people[assignment.person],
                world.courses[assignment.course],
                courses[assignment.course + 1],
            )
            for assignment in world.assignments
        }
        return {USERS: users, COURSES: courses, ENROLLMENTS: enrollments}

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
            hmac.compare_digest(str(client_id), CLIENT_ID)
            and hmac.compare_digest(str(client_secret), self.client_secret)
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
                hmac.compare_digest(str(username), ADMIN_USERNAME)
                and hmac.compare_digest(str(password), self.admin_password)
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
        render: Callable[[int], Doc] | None = None,
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
        items = [render(i) for i in ids] if render else [docs[i] for i in ids]
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

    def select_enrollments(
        self,
        *,
        user_ids: Sequence[int] = (),
        course_ids: Sequence[int] = (),
        statuses: Sequence[str] = (),
        levels: Sequence[str] = (),
        course_types: Sequence[str] = (),
        updated_from: str | None = None,
        updated_to: str | None = None,
        search: str | None = None,
        sort: str | None = None,
        reverse: bool = False,
    ) -> Selection:
        where: dict[str, Sequence[Any]] = {}
        if user_ids:
            where["user_id"] = user_ids
        if course_ids:
            where["course_id"] = course_ids
        if statuses:
            where["status"] = statuses
        level_set, type_set = frozenset(levels), frozenset(course_types)
        needle = search.lower() if search else None

        def match(doc: Doc) -> bool:
            updated = doc["enrollment_date_last_updated"] or ""
            return (
                (not level_set or doc["enrollment_level"] in level_set)
                and (not type_set or doc["course_type"] in type_set)
                and (updated_from is None or updated >= updated_from)
                and (updated_to is None or updated <= updated_to)
                and (needle is None or needle in doc["course_name"].lower())
            )

        plain = not (level_set or type_set or updated_from or updated_to or needle)
        return self.enrollments.select(
            where=where,
            match=None if plain else match,
            match_key=(level_set, type_set, updated_from, updated_to, needle),
            sort=sort,
            reverse=reverse,
        )

    def course_ids_for_codes(self, codes: Sequence[str]) -> list[int]:
        return [doc_id for code in codes for doc_id in self.courses.lookup("code", code)]

    # -- enrollment rules ----------------------------------------------------------------------

    def find_enrollment(self, course_id: int, user_id: int) -> int | None:
        docs = self.enrollments.docs
        for doc_id in self.enrollments.lookup("user_id", user_id):
            if docs[doc_id]["course_id"] == course_id:
                return doc_id
        return None

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
    ) -> int:
        """Create the enrollment; no await happens between the checks and the insert."""
        user = self.users.get(user_id)
        if user is None:
            raise NotFound(f"User not found (user {user_id})")
        course = self.courses.get(course_id)
        if course is None:
            raise NotFound(f"Course not found (course {course_id})")
        if self.find_enrollment(course_id, user_id) is not None:
            raise AlreadyEnrolled(user_id, course_id)
        if valid_from and valid_until and valid_from > valid_until:
            raise BadRequest("date_begin_validity must not be after date_expire_validity")
        now = wire_date(self.clock.now())
        doc = {
            "user_id": user_id,
            "username": user["username"],
            **_course_fields(course),
            "enrollment_level": LEVELS[level],
            "enrollment_status": "subscribed",
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
        return self.enrollments.insert(doc)

    def unenroll(self, *, course_id: int, user_id: int) -> int:
        doc_id = self.find_enrollment(course_id, user_id)
        if doc_id is None:
            raise NotFound(f"Enrollment not found (user {user_id}, course {course_id})")
        self.enrollments.remove(doc_id)
        return doc_id

    def learner_item(self, doc_id: int) -> Doc:
        """An enrollment as ``GET /learn/v1/enrollments`` renders it (``id`` is the course)."""
        doc = self.enrollments.docs[doc_id]
        course = self.courses.docs.get(doc["course_id"], {})
        return {
            "id": doc["course_id"],
            "user_id": doc["user_id"],
            "username": doc["username"],
            "name": doc["course_name"],
            "code": doc["course_code"],
            "type": doc["course_type"],
            "status": doc["enrollment_status"],
            "level": doc["enrollment_level"],
            "slug": course.get("slug_name"),
            "description": course.get("description"),
            "lang_code": course.get("lang_code"),
            "enroll_begin_date": doc["enrollment_validity_begin_date"],
            "enroll_end_date": doc["enrollment_validity_end_date"],
            "enroll_date_of_enrollment": doc["enrollment_created_at"],
            "course_complete_date": doc["enrollment_completion_date"],
            "total_time": doc["enrollment_time_spent"],
            "score": doc["enrollment_score"],
            "complete_percent": doc["enrollment_completion_percentage"],
            "date_last_updated": doc["enrollment_date_last_updated"],
            "subscribed_by": doc["enrollment_created_by"],
            "duration": course.get("duration"),
            "can_enter": doc["enrollment_status"] not in ("waiting", "to_confirm", "suspended"),
            "enrolled_sessions": [],
        }


def _search(fields: Sequence[str], text: str | None) -> Callable[[Doc], bool] | None:
    if not text:
        return None
    needle = text.lower()
    return lambda doc: any(needle in str(doc.get(field) or "").lower() for field in fields)


def _user_doc(person: Person) -> Doc:
    created = wire_date(person.created_at)
    return {
        "user_id": str(USER_BASE + person.index),
        "username": person.username,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "fullname": f"{person.first_name} {person.last_name}",
        "email": person.email,
        "status": "1" if person.active else "0",
        "level": "godadmin" if person.is_admin else "user",
        "creation_date": created,
        "last_access_date": wire_date(person.last_access_at),
        "last_update": wire_date(person.last_access_at or person.created_at),
        "language": LANGUAGES.get(person.language, "english"),
        "timezone": person.timezone,
        "expired": False,
    }


def _course_doc(course: Offering) -> Doc:
    digest = hashlib.sha256(course.code.encode()).hexdigest()[:6].upper()
    prefix = {"elearning": "E", "classroom": "C", "webinar": "W"}.get(course.kind, "E")
    return {
        "id_course": course.index + 1,
        "name": course.title,
        "code": course.code,
        "description": course.description,
        "course_type": course.kind,
        "uidCourse": f"{prefix}-{digest}",
        "slug_name": _slug(course.title),
        "language": LANGUAGES.get(course.language, "english"),
        "lang_code": course.language,
        "status": "published",
        "duration": course.duration_seconds,
        "date_created": wire_date(course.created_at),
        "date_last_updated": wire_date(course.updated_at),
        "soft_deadline": course.soft_deadline,
    }


def _course_fields(course: Doc) -> Doc:
    return {
        "course_id": course["id_course"],
        "course_uid": course["uidCourse"],
        "course_code": course["code"],
        "course_name": course["name"],
        "course_type": course["course_type"],
        "course_begin_date": None,
        "course_end_date": None,
    }


def _enrollment_doc(assignment: Assignment, person: Person, offering: Offering, course: Doc) -> Doc:
    status = STATE_STATUS[assignment.state]
    if status == "waiting" and offering.kind != "elearning" and assignment.index % 3 == 0:
        status = "overbooking"  # a session over capacity, for classroom and webinar courses
    assigner = assignment.assigned_by
    return {
        "user_id": USER_BASE + person.index,
        "username": person.username,
        **_course_fields(course),
        "enrollment_level": assignment.level,
        "enrollment_status": status,
        "enrollment_created_by": USER_BASE + (assigner if assigner is not None else person.index),
        "enrollment_created_at": wire_date(assignment.assigned_at),
        "enrollment_validity_begin_date": wire_date(assignment.valid_from),
        "enrollment_validity_end_date": wire_date(assignment.due_at),
        "enrollment_date_last_updated": wire_date(assignment.updated_at),
        "enrollment_completion_date": wire_date(assignment.completed_at)
        if status == "completed"
        else None,
        "enrollment_score": assignment.score,
        "enrollment_time_spent": assignment.time_spent_seconds,
        # a learner who failed the final test is in progress again: below 100%
        "enrollment_completion_percentage": min(assignment.progress_percent, 99)
        if status == "in_progress"
        else assignment.progress_percent,
        "enrollment_fields": {},
    }
