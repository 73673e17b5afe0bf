"""LMS365's tenant: its tables and indexes, OData query execution, and every rule of enrollment.

The wire contract is the package docstring. Every method that writes checks everything first
and writes after, with no ``await`` in between, inside one store transaction: concurrent
requests cannot interleave, and an invalid request changes nothing.
"""

from __future__ import annotations

import base64
import bisect
import functools
import hashlib
import hmac
from collections import OrderedDict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from starlette.responses import Response
from starlette.routing import BaseRoute

from sandbox.query import Collection, Cursors, InvalidCursor
from sandbox.seeding import World
from sandbox.store import Doc
from sandbox.vendors.base import Tables, Vendor
from sandbox.vendors.lms365 import render
from sandbox.vendors.lms365.exceptions import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidQuery,
    NotFound,
    Unauthorized,
    error_response,
    platform_code,
)
from sandbox.vendors.lms365.odata import Expand, QueryError, equalities, matches
from sandbox.vendors.lms365.params import PAGE_SIZE, EnrollRequest, QueryOptions
from sandbox.vendors.lms365.render import (
    ALL_SESSIONS,
    COMPLETED,
    ENTITY_SETS,
    IN_PROGRESS,
    MULTIPLE_SESSIONS,
    NOT_STARTED,
    SINGLE_SESSION,
    guid,
    timestamp,
)

#: entity set -> store table
TABLES: Final = {
    "Users": "lms365.users",
    "Courses": "lms365.courses",
    "CourseSessions": "lms365.course_sessions",
    "Enrollments": "lms365.enrollments",
    "Groups": "lms365.groups",
}
#: entity set -> the properties indexed (equality terms of a $filter use them)
INDEXES: Final = {
    "Users": ("Id",),
    "Courses": ("Id",),
    "CourseSessions": ("Id", "CourseId"),
    "Enrollments": ("Id", "CourseId", "UserId"),
    "Groups": ("Id",),
}
LOGIN: Final = "login"
ORDER_CACHE: Final = 32


class _Desc:
    """A sort key component in descending order."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __lt__(self, other: _Desc) -> bool:
        return bool(other.value < self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Desc) and bool(self.value == other.value)

    def __hash__(self) -> int:
        return hash(self.value)


@dataclass(frozen=True, slots=True)
class Ordered:
    """The doc ids a query matched, in its order, with their sort keys."""

    ids: list[int]
    keys: list[Any]
    signature: str


@dataclass(frozen=True, slots=True)
class Page:
    ids: list[int]
    count: int | None
    #: the skip token of the next page, or None on the last page
    token: str | None
    #: what is left of ``$top`` after this page (None without ``$top``)
    top_left: int | None


@dataclass(frozen=True, slots=True)
class EnrollResult:
    ids: list[int]
    created: bool
    group: bool


def _login(doc: Doc) -> str:
    return str(doc["LoginName"]).lower()


class LMS365Backend(Vendor):
    name = "lms365"
    prefix = "/lms365"

    #: compare strings without regard to case in $filter and $orderby (SQL Server's default
    #: collation behind LMS365's Entity Framework)
    case_insensitive: bool = True
    #: answer a PATCH with the entity (200) even without ``Prefer: return=representation``
    patch_returns_entity: bool = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.api_key = self.secret("api_key:full_control", 32)
        self.read_only_api_key = self.secret("api_key:read_only", 32)
        self.cursors = Cursors(self.secret("skiptoken").encode())
        self._orders: OrderedDict[Hashable, Ordered] = OrderedDict()
        self._orders_version = -1
        self.rebuild()

    # -- the platform's side -------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        from sandbox.vendors.lms365.responses import LMS365Responses
        from sandbox.vendors.lms365.routes import routes

        return routes(LMS365Responses(self))

    def credentials(self, base_url: str) -> dict[str, str]:
        return {
            "base_url": f"{base_url.rstrip('/')}{self.prefix}",
            "api_key": self.api_key,
            "read_only_api_key": self.read_only_api_key,
        }

    def http_error(self, status: int, detail: str) -> Response:
        return error_response(status, platform_code(status), detail)

    def rebuild(self) -> None:
        self.collections: dict[str, Collection] = {}
        for entity_set, table in TABLES.items():
            indexes: dict[str, Any] = {
                name: (lambda d, name=name: d[name]) for name in INDEXES[entity_set]
            }
            if entity_set in ("Users", "Groups"):
                indexes[LOGIN] = _login
            self.collections[entity_set] = Collection(self.store, table, indexes=indexes)
        #: each entity set as a list renders it without $select or $expand, encoded once
        #: (``sandbox.query.View``)
        self.views = {
            entity_set: collection.view(functools.partial(self._plain_item, entity_set))
            for entity_set, collection in self.collections.items()
        }
        self.users = self.collections["Users"]
        self.courses = self.collections["Courses"]
        self.sessions = self.collections["CourseSessions"]
        self.enrollments = self.collections["Enrollments"]
        self.groups = self.collections["Groups"]
        self._orders.clear()

    def seed_tables(self, world: World) -> Tables:
        docs = render.seed_docs(self.seed, world)
        return {TABLES[entity_set]: table for entity_set, table in docs.items()}

    # -- authentication ------------------------------------------------------------------------

    def authenticate(self, authorization: str | None, *, write: bool) -> None:
        """Check HTTP Basic credentials (user ``api``, an API key as the password); a write
        needs the Full Control key."""
        if not authorization:
            raise Unauthorized(
                "Authorization has been denied for this request: send HTTP Basic credentials "
                "with the user name 'api' and an API key as the password."
            )
        scheme, _, encoded = authorization.partition(" ")
        if scheme.lower() != "basic":
            raise Unauthorized("Authorization has been denied for this request: use HTTP Basic.")
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            raise Unauthorized(
                "Authorization has been denied for this request: the Basic credentials are "
                "not valid base64."
            ) from None
        user, colon, password = decoded.partition(":")
        if not colon or user != "api":
            raise Unauthorized(
                "Authorization has been denied for this request: the user name must be 'api'."
            )
        supplied = password.encode()
        full = hmac.compare_digest(supplied, self.api_key.encode())
        read_only = hmac.compare_digest(supplied, self.read_only_api_key.encode())
        if not (full or read_only):
            raise Unauthorized("Authorization has been denied for this request: unknown API key.")
        if write and not full:
            raise Forbidden(
                "The API key has the Read Only permission; this request needs an API key with "
                "the Full Control permission."
            )

    # -- queries -------------------------------------------------------------------------------

    def find(self, entity_set: str, key: str) -> int:
        """The doc id of the entity with GUID ``key`` (lower case)."""
        found = self.collections[entity_set].lookup("Id", key)
        if not found:
            entity = ENTITY_SETS[entity_set]
            raise NotFound(f"No {entity.name} with the Id '{key}' exists in '{entity_set}'.")
        return found[0]

    def ordered(self, entity_set: str, options: QueryOptions) -> Ordered:
        """The matches of ``$filter`` in ``$orderby`` order (then by ``Id``, which makes the
        order total, as ASP.NET Core OData does for stable paging); cached per query until the
        store changes."""
        node = options.filter
        match_key = repr(node) if node is not None else None
        orderby = options_order(options)
        cache_key = (entity_set, match_key, orderby)
        if self._orders_version != self.store.version:
            self._orders.clear()
            self._orders_version = self.store.version
        cached = self._orders.get(cache_key)
        if cached is not None:
            self._orders.move_to_end(cache_key)
            return cached
        collection = self.collections[entity_set]
        where: dict[str, list[Hashable]] = {}
        ci = self.case_insensitive
        if node is not None:
            for name, value in equalities(node).items():
                if name in collection.indexes:
                    where[name] = [value]
        selection = collection.select(
            where=where,
            match=None if node is None else (lambda doc: matches(node, doc, case_insensitive=ci)),
            match_key=match_key,
        )
        docs = collection.docs
        pairs = sorted(
            ((self.sort_key(docs[i], orderby), i) for i in selection.ids), key=lambda p: p[0]
        )
        signature = hashlib.sha256(repr(cache_key).encode()).hexdigest()[:16]
        ordered = Ordered(
            ids=[i for _, i in pairs], keys=[k for k, _ in pairs], signature=signature
        )
        self._orders[cache_key] = ordered
        if len(self._orders) > ORDER_CACHE:
            self._orders.popitem(last=False)
        return ordered

    def sort_key(self, doc: Mapping[str, Any], orderby: Sequence[tuple[str, bool]]) -> Any:
        """The comparable key of ``doc`` in the order; the default order (by ``Id``, never
        null, lower case) is the bare GUID, which sorts a large table several times faster."""
        if len(orderby) == 1 and orderby[0] == ("Id", False):
            return doc.get("Id")
        parts: list[Any] = []
        for name, descending in orderby:
            value = doc.get(name)
            if isinstance(value, str) and self.case_insensitive:
                value = value.casefold()
            part = (0,) if value is None else (1, value)  # null sorts first, as in SQL Server
            parts.append(_Desc(part) if descending else part)
        return tuple(parts)

    def page(self, entity_set: str, options: QueryOptions) -> Page:
        """One page of a list request: at most ``PAGE_SIZE`` and what is left of ``$top``."""
        ordered = self.ordered(entity_set, options)
        order = options_order(options)
        orderby = [name for name, _ in order]
        start = options.skip
        if options.skiptoken is not None:
            try:
                values, _ = self.cursors.decode(options.skiptoken, ordered.signature)
            except (InvalidCursor, ValueError, TypeError):
                raise InvalidQuery(
                    QueryError(
                        "The $skiptoken is not valid: it was not issued by this service, or "
                        "for another $filter or $orderby."
                    )
                ) from None
            if not isinstance(values, list) or len(values) != len(orderby):
                raise InvalidQuery(QueryError("The $skiptoken is not valid."))
            position = self.sort_key(dict(zip(orderby, values, strict=True)), order)
            start += bisect.bisect_right(ordered.keys, position)
        limit = PAGE_SIZE if options.top is None else min(PAGE_SIZE, options.top)
        ids = ordered.ids[start : start + limit]
        top_left = None if options.top is None else options.top - len(ids)
        more = (
            len(ids) == limit
            and start + len(ids) < len(ordered.ids)
            and (top_left is None or top_left > 0)
        )
        token = None
        if more and ids:
            last = self.collections[entity_set].docs[ids[-1]]
            token = self.cursors.encode(ordered.signature, ([last.get(n) for n in orderby], 0))
        count = len(ordered.ids) if options.count else None
        return Page(ids=ids, count=count, token=token, top_left=top_left)

    def _plain_item(self, entity_set: str, doc_id: int) -> dict[str, Any]:
        return self.item(entity_set, self.collections[entity_set].docs[doc_id], None)

    def item(
        self,
        entity_set: str,
        doc: Doc,
        select: tuple[str, ...] | None,
        expand: Sequence[Expand] = (),
    ) -> dict[str, Any]:
        """An entity as it renders: its (selected) properties and expanded navigations."""
        entity = ENTITY_SETS[entity_set]
        names = entity.properties if select is None else select
        item = {name: doc.get(name) for name in names}
        for expansion in expand:
            nav = entity.navigations[expansion.name]
            target = self.collections[nav.target]
            if nav.many:
                item[expansion.name] = [
                    self.item(nav.target, target.docs[i], expansion.select)
                    for i in target.lookup(nav.key, doc["Id"])
                ]
            else:
                found = target.lookup("Id", doc[nav.key])
                item[expansion.name] = (
                    self.item(nav.target, target.docs[found[0]], expansion.select)
                    if found
                    else None
                )
        return item

    # -- enrollment ----------------------------------------------------------------------------

    def now(self) -> str:
        return timestamp(self.clock.now())

    def principal(self, login_name: str) -> tuple[list[int], bool]:
        """The user doc ids a login name stands for (a user's, or each member of a group's)
        and whether it named a group."""
        login = login_name.strip().lower()
        found = self.users.lookup(LOGIN, login)
        if found:
            return [found[0]], False
        groups = self.groups.lookup(LOGIN, login)
        if groups:
            members = self.groups.docs[groups[0]]["_Members"]
            return [self.users.lookup("Id", member)[0] for member in members], True
        raise BadRequest(f"No user or group with the login name '{login_name}' exists.")

    def enrollment_of(self, user_id: str, course_id: str) -> int | None:
        docs = self.enrollments.docs
        return next(
            (
                i
                for i in self.enrollments.lookup("UserId", user_id)
                if docs[i]["CourseId"] == course_id
            ),
            None,
        )

    def enroll(self, course_key: str, request: EnrollRequest) -> EnrollResult:
        """``Courses({Id})/Enroll``: enroll a user, or each member of a group, in a course and
        register them for sessions by the course's enrollment type."""
        course = self.courses.docs[self.find("Courses", course_key)]
        kind = course["EnrollmentType"]
        docs = self.sessions.docs
        found = sorted(
            (docs[i] for i in self.sessions.lookup("CourseId", course["Id"])),
            key=lambda s: (s["StartDate"], s["Id"]),
        )
        sessions = [s["Id"] for s in found]
        requested = list(request.session_ids)
        if kind is None and requested:
            raise BadRequest(
                f"The course '{course['Id']}' is an e-learning course and has no sessions: omit "
                "courseSessionIds."
            )
        for session_id in requested:
            if session_id not in sessions:
                raise BadRequest(
                    f"The course session '{session_id}' is not a session of the course "
                    f"'{course['Id']}'."
                )
        if kind == SINGLE_SESSION and len(requested) > 1:
            raise BadRequest(
                f"The course '{course['Id']}' has the enrollment type 'Enroll user into a "
                "single course session': give at most one course session."
            )
        user_ids, group = self.principal(request.login_name)
        plans: list[tuple[int, int | None, list[str], str]] = []
        for user_doc_id in user_ids:
            user = self.users.docs[user_doc_id]
            existing = self.enrollment_of(user["Id"], course["Id"])
            if existing is None:
                registered = sessions if kind == ALL_SESSIONS and not requested else requested
                pending = kind in (SINGLE_SESSION, MULTIPLE_SESSIONS) and not registered
                event = "session_selection_required" if pending else "enrollment"
                plans.append((user_doc_id, None, registered, event))
                continue
            current = self.enrollments.docs[existing]["CourseSessionIds"]
            if kind == SINGLE_SESSION and requested and current and requested[0] not in current:
                raise BadRequest(
                    f"The user '{user['LoginName']}' is already registered for the session "
                    f"'{current[0]}' of the course '{course['Id']}', which allows a single "
                    "session."
                )
            added = [s for s in requested if s not in current]
            plans.append((user_doc_id, existing, added, "session_registration" if added else ""))
        now = self.now()
        result: list[int] = []
        created = False
        with self.store.transaction():
            for user_doc_id, existing, sessions_added, event in plans:
                user = self.users.docs[user_doc_id]
                if existing is None:
                    doc_id = self._insert(course, user, {"CourseSessionIds": sessions_added}, now)
                    created = True
                else:
                    doc_id = existing
                    if sessions_added:
                        doc = self.enrollments.docs[existing]
                        registered = [*doc["CourseSessionIds"], *sessions_added]
                        self.enrollments.replace(
                            existing, {**doc, "CourseSessionIds": registered, "Modified": now}
                        )
                if event:
                    self.notify(event, user, course, self.enrollments.docs[doc_id], sessions_added)
                result.append(doc_id)
        return EnrollResult(ids=result, created=created, group=group)

    def _insert(self, course: Doc, user: Doc, fields: Mapping[str, Any], now: str) -> int:
        doc_id = self.store.next_id(TABLES["Enrollments"])
        doc: Doc = {
            "Id": guid(self.seed, "enrollment", doc_id),
            "CourseId": course["Id"],
            "UserId": user["Id"],
            "UserLoginName": user["LoginName"],
            "RegistrationDate": now,
            "StartDate": None,
            "CompletionDate": None,
            "DueDate": None,
            "CoursePassingStatus": NOT_STARTED,
            "Progress": 0,
            "Score": None,
            "CEU": course["CEU"],
            "CourseDuration": course["Duration"],
            "CourseSessionIds": [],
            "Modified": now,
        }
        doc = _with_status({**doc, **fields}, fields, now)
        self.enrollments.insert(doc, doc_id)
        return doc_id

    def create_enrollment(self, fields: Mapping[str, Any]) -> int:
        """``POST Enrollments``: enroll a user in a course, registered for no session."""
        if "CourseId" not in fields:
            raise BadRequest("The property 'CourseId' is required.")
        found = self.courses.lookup("Id", fields["CourseId"])
        if not found:
            raise BadRequest(f"No course with the Id '{fields['CourseId']}' exists.")
        course = self.courses.docs[found[0]]
        user_doc_id: int | None = None
        if "UserId" in fields:
            by_id = self.users.lookup("Id", fields["UserId"])
            if not by_id:
                raise BadRequest(f"No user with the Id '{fields['UserId']}' exists.")
            user_doc_id = by_id[0]
        if "UserLoginName" in fields:
            by_login = self.users.lookup(LOGIN, fields["UserLoginName"].lower())
            if not by_login:
                raise BadRequest(f"No user with the login name '{fields['UserLoginName']}' exists.")
            if user_doc_id is not None and by_login[0] != user_doc_id:
                raise BadRequest("UserId and UserLoginName name different users.")
            user_doc_id = by_login[0]
        if user_doc_id is None:
            raise BadRequest("One of the properties 'UserId' or 'UserLoginName' is required.")
        user = self.users.docs[user_doc_id]
        if self.enrollment_of(user["Id"], course["Id"]) is not None:
            raise Conflict(
                f"The user '{user['LoginName']}' is already enrolled in the course "
                f"'{course['Id']}'."
            )
        own = {k: v for k, v in fields.items() if k not in ("CourseId", "UserId", "UserLoginName")}
        now = self.now()
        with self.store.transaction():
            doc_id = self._insert(course, user, own, now)
            self.notify("enrollment", user, course, self.enrollments.docs[doc_id], [])
        return doc_id

    def update_enrollment(self, key: str, fields: Mapping[str, Any]) -> int:
        """``PATCH Enrollments({Id})``: dates, CEUs, passing status, progress, duration."""
        doc_id = self.find("Enrollments", key)
        old = self.enrollments.docs[doc_id]
        now = self.now()
        doc = _with_status({**old, **fields}, fields, now)
        if doc != old:
            with self.store.transaction():
                self.enrollments.replace(doc_id, {**doc, "Modified": now})
        return doc_id

    def delete_enrollment(self, key: str) -> None:
        """``DELETE Enrollments({Id})``: unenroll."""
        doc_id = self.find("Enrollments", key)
        doc = self.enrollments.docs[doc_id]
        user = self.users.docs[self.users.lookup("Id", doc["UserId"])[0]]
        course = self.courses.docs[self.courses.lookup("Id", doc["CourseId"])[0]]
        with self.store.transaction():
            self.enrollments.remove(doc_id)
            self.notify("unenrollment", user, course, doc, doc["CourseSessionIds"])

    def notify(
        self, kind: str, user: Doc, course: Doc, enrollment: Doc, sessions: Sequence[str]
    ) -> None:
        """Record the e-mail LMS365 sends the learner."""
        body = render.notification(kind, user, course, enrollment, sessions)
        self.events.record(self.name, kind, body)


def options_order(options: QueryOptions) -> tuple[tuple[str, bool], ...]:
    orderby = options.orderby
    if all(name != "Id" for name, _ in orderby):
        orderby = (*orderby, ("Id", False))
    return orderby


def _with_status(doc: Doc, fields: Mapping[str, Any], now: str) -> Doc:
    """Apply a passing status change: Completed sets the completion date (now unless given)
    and progress 100; Not Started clears the start and completion dates and progress; In
    Progress clears the completion date and starts now. Values given in the body win."""
    if "CoursePassingStatus" not in fields:
        return doc
    status = fields["CoursePassingStatus"]
    implied: dict[str, Any] = {}
    if status == COMPLETED:
        implied = {
            "CompletionDate": doc["CompletionDate"] or now,
            "StartDate": doc["StartDate"] or doc["CompletionDate"] or now,
            "Progress": 100,
        }
    elif status == NOT_STARTED:
        implied = {"CompletionDate": None, "StartDate": None, "Progress": 0}
    elif status == IN_PROGRESS:
        implied = {"CompletionDate": None, "StartDate": doc["StartDate"] or now}
    return {**doc, **implied, **{k: v for k, v in fields.items() if k in implied}}
