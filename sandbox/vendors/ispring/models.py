"""iSpring Learn's account: its tables, indexes and tokens, and every rule of its API.

The wire contract is the package docstring. Every method that writes checks first (unknown ids,
department scope, due dates) and writes after, with no ``await`` in between, inside one store
transaction: a refused call changes nothing, and a crash keeps all of an action or none.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from starlette.responses import Response
from starlette.routing import BaseRoute

from sandbox.query import Collection, Cursors, InvalidCursor, Selection
from sandbox.seeding import World
from sandbox.store import Doc
from sandbox.vendors.base import Tables, Vendor
from sandbox.vendors.ispring import render
from sandbox.vendors.ispring.exceptions import (
    BadRequest,
    Conflict,
    NotFound,
    PermissionDenied,
    Unauthorized,
    error_response,
)
from sandbox.vendors.ispring.formats import DEFAULT_FORMAT
from sandbox.vendors.ispring.params import DueInput, PageQuery
from sandbox.vendors.ispring.render import ACCOUNT_HOST, iso, stable_uuid

DEPARTMENTS: Final = "ispring.departments"
USERS: Final = "ispring.users"
CONTENT: Final = "ispring.content"
ENROLLMENTS: Final = "ispring.enrollments"
CLIENTS: Final = "ispring.api_clients"

TOKEN_TTL: Final = 1800
ADMIN_CLIENT: Final = "administrator"
DEPARTMENT_CLIENT: Final = "department_administrator"
Predicate = Callable[[Doc], bool]


@dataclass(slots=True)
class Session:
    user_id: str
    expires: float


@dataclass(frozen=True, slots=True)
class Actor:
    """Who a token acts as: an account administrator (``scope`` None) or a department
    administrator, who sees only the departments in ``scope`` (theirs and every descendant)."""

    user_id: str
    scope: frozenset[str] | None

    def sees(self, department_id: str) -> bool:
        return self.scope is None or department_id in self.scope


class ISpringBackend(Vendor):
    name = "ispring"
    prefix = "/ispring"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client_ids = {
            kind: stable_uuid(self.seed, "api-client", kind)
            for kind in (ADMIN_CLIENT, DEPARTMENT_CLIENT)
        }
        self.client_secrets = {
            kind: self.secret(f"client_secret:{kind}", 43) for kind in self.client_ids
        }
        self.tokens: dict[str, Session] = {}
        self.cursors = Cursors(self.secret("page_token").encode())
        self.rebuild()

    # -- the platform's side -------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        from sandbox.vendors.ispring.responses import ISpringResponses
        from sandbox.vendors.ispring.routes import routes

        return routes(ISpringResponses(self))

    def credentials(self, base_url: str) -> dict[str, str]:
        return {
            "base_url": f"{base_url.rstrip('/')}{self.prefix}",
            "client_id": self.client_ids[ADMIN_CLIENT],
            "client_secret": self.client_secrets[ADMIN_CLIENT],
            "department_client_id": self.client_ids[DEPARTMENT_CLIENT],
            "department_client_secret": self.client_secrets[DEPARTMENT_CLIENT],
        }

    def http_error(self, status: int, detail: str) -> Response:
        return error_response(DEFAULT_FORMAT, status, detail)

    def rebuild(self) -> None:
        store = self.store
        self.departments = Collection(
            store,
            DEPARTMENTS,
            indexes={"departmentId": lambda d: d["departmentId"], "code": lambda d: d["code"]},
        )
        self.users = Collection(
            store,
            USERS,
            indexes={
                "userId": lambda d: d["userId"],
                "departmentId": lambda d: d["departmentId"],
                "login": lambda d: d["fields"]["login"].lower(),
                "email": lambda d: d["fields"]["email"].lower(),
            },
        )
        self.content = Collection(
            store,
            CONTENT,
            indexes={
                "contentItemId": lambda d: d["contentItemId"],
                "contentItemType": lambda d: d["contentItemType"],
            },
        )
        self.enrollments = Collection(
            store,
            ENROLLMENTS,
            indexes={
                "enrollmentId": lambda d: d["enrollmentId"],
                "courseId": lambda d: d["courseId"],
                "learnerId": lambda d: d["learnerId"],
                "departmentId": lambda d: d["departmentId"],
                "completionStatus": lambda d: d["completionStatus"],
                "userStatus": lambda d: d["userStatus"],
                "pair": lambda d: (d["courseId"], d["learnerId"]),
            },
        )
        #: enrollments as the JSON lists render them, encoded once (``sandbox.query.View``)
        self.enrollment_view = self.enrollments.view(
            lambda doc_id: render.enrollment_item(self.enrollments.docs[doc_id])
        )
        self.clients = {doc["client"]: doc for doc in store.table(CLIENTS).values()}
        self.children: dict[str, list[str]] = {}
        for doc in self.departments.docs.values():
            parent = doc.get("parentDepartmentId")
            if parent is not None:
                self.children.setdefault(parent, []).append(doc["departmentId"])
        self._scopes: dict[str, frozenset[str]] = {}

    # -- seeding -------------------------------------------------------------------------------

    def seed_tables(self, world: World) -> Tables:
        seed = world.scenario.seed
        reference = world.scenario.reference_date
        tree = render.department_tree(world, seed)
        roles = {role: stable_uuid(seed, "role", role) for role in render.ROLES}
        admin_id = stable_uuid(seed, "user", "admin")
        users: dict[int, Doc] = {
            1: render.user_doc(
                user_id=admin_id,
                role="administrator",
                role_id=roles["administrator"],
                department_id=tree.root_id,
                status=render.ACTIVE,
                fields={
                    "login": "admin",
                    "email": f"lms.admin@{world.scenario.company_domain}",
                    "first_name": "Sandbox",
                    "last_name": "Administrator",
                    "job_title": "LMS Administrator",
                },
                added=reference - timedelta(days=3 * 365),
                last_login=reference,
            )
        }
        # the first active learner of each split department manages it (and its regions)
        managers: dict[int, str] = {}
        for name in tree.split:
            for person in world.people:
                if (
                    person.department == name
                    and person.active
                    and not person.is_admin
                    and tree.of(person) == tree.by_name[name]
                ):
                    managers[person.index] = tree.by_name[name]
                    break
        people: dict[int, Doc] = {}  # by person index
        for person in world.people:
            manages = managers.get(person.index)
            role = (
                "department_administrator"
                if manages
                else "administrator"
                if person.is_admin
                else "learner"
            )
            doc = render.user_doc(
                user_id=stable_uuid(seed, "user", person.index),
                role=role,
                role_id=roles[role],
                department_id=tree.of(person),
                status=render.person_status(person),
                fields=render.person_fields(person),
                added=person.created_at,
                last_login=person.last_access_at,
                manages=[manages] if manages else (),
            )
            people[person.index] = doc
            users[person.index + 2] = doc
        scored = {a.course for a in world.assignments if a.score is not None}
        content: dict[int, Doc] = {}
        courses: list[Doc] = []
        for course in world.courses:
            doc = render.course_doc(
                course,
                stable_uuid(seed, "course", course.index),
                admin_id,
                80.0 if course.index in scored else None,
            )
            courses.append(doc)
            content[len(content) + 1] = doc
        tracks: list[Doc] = []
        for plan in world.learning_plans:
            doc = render.track_doc(
                plan,
                stable_uuid(seed, "learning_track", plan.index),
                admin_id,
                [courses[index]["contentItemId"] for index in plan.courses],
            )
            tracks.append(doc)
            content[len(content) + 1] = doc
        enrollments: dict[int, Doc] = {}
        for assignment in world.assignments:
            if assignment.state not in render.STATE_STATUS:
                continue  # withdrawn: iSpring lists no deleted enrollments
            enrollments[assignment.index + 1] = render.enrollment_doc(
                assignment,
                enrollment_id=stable_uuid(seed, "enrollment", assignment.index),
                course=courses[assignment.course],
                offering=world.courses[assignment.course],
                user=people[assignment.person],
                certificate_id=stable_uuid(seed, "certificate", assignment.index),
            )
        base = max((a.index for a in world.assignments), default=-1) + 2
        for enrollment in world.plan_enrollments:
            enrollments[base + enrollment.index] = render.track_enrollment_doc(
                enrollment,
                enrollment_id=stable_uuid(seed, "track-enrollment", enrollment.index),
                track=tracks[enrollment.plan],
                user=people[enrollment.person],
            )
        department_admin = next((people[index]["userId"] for index in sorted(managers)), admin_id)
        clients = {
            1: {"client": ADMIN_CLIENT, "userId": admin_id},
            2: {"client": DEPARTMENT_CLIENT, "userId": department_admin},
        }
        return {
            DEPARTMENTS: dict(enumerate(tree.docs, start=1)),
            USERS: users,
            CONTENT: content,
            ENROLLMENTS: enrollments,
            CLIENTS: clients,
        }

    # -- authentication ------------------------------------------------------------------------

    def issue_token(self, form: Mapping[str, Any]) -> dict[str, Any]:
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        grant = form.get("grant_type")
        if not client_id or not client_secret or not grant:
            raise BadRequest("client_id, client_secret and grant_type are required")
        if grant != "client_credentials":
            raise BadRequest(f"Unsupported grant_type {grant!r}: use client_credentials")
        for kind, known in self.client_ids.items():
            # bytes: compare_digest refuses str with non-ASCII characters (a TypeError, a 500)
            if hmac.compare_digest(str(client_id).encode(), known.encode()) and hmac.compare_digest(
                str(client_secret).encode(), self.client_secrets[kind].encode()
            ):
                break
        else:
            raise Unauthorized("Invalid client credentials")
        now = self.clock.time()
        if len(self.tokens) > 10_000:
            self.tokens = {t: s for t, s in self.tokens.items() if s.expires > now}
        token = secrets.token_urlsafe(32)
        self.tokens[token] = Session(user_id=self.clients[kind]["userId"], expires=now + TOKEN_TTL)
        return {"access_token": token, "expires_in": TOKEN_TTL, "token_type": "bearer"}

    def authenticate(self, authorization: str | None) -> Actor:
        """``Authorization: Bearer <token>`` or the bare ``Authorization: <token>``."""
        value = (authorization or "").strip()
        if not value:
            raise Unauthorized("Authorization header missing: send Authorization: Bearer <token>")
        scheme, _, rest = value.partition(" ")
        token = rest.strip() if scheme.lower() == "bearer" else value
        session = self.tokens.get(token)
        if session is None:
            raise Unauthorized("Invalid access token")
        if session.expires <= self.clock.time():
            raise Unauthorized("The access token has expired")
        return self.actor(session.user_id)

    def actor(self, user_id: str) -> Actor:
        user = self.user_doc(user_id)
        if user["role"] != "department_administrator":
            return Actor(user_id=user_id, scope=None)
        scope = self._scopes.get(user_id)
        if scope is None:
            scope = self._scopes[user_id] = frozenset(
                self.descendants(user.get("manageableDepartmentIds", []))
            )
        return Actor(user_id=user_id, scope=scope)

    def descendants(self, roots: Iterable[str]) -> list[str]:
        found: set[str] = set()
        todo = list(roots)
        while todo:
            dept = todo.pop()
            if dept not in found:
                found.add(dept)
                todo.extend(self.children.get(dept, ()))
        return sorted(found)

    # -- lookups -------------------------------------------------------------------------------

    def _one(self, collection: Collection, index: str, value: str) -> tuple[int, Doc] | None:
        ids = collection.lookup(index, value)
        return (ids[0], collection.docs[ids[0]]) if ids else None

    def user_doc(self, user_id: str) -> Doc:
        found = self._one(self.users, "userId", user_id)
        if found is None:
            raise NotFound(f"User {user_id} not found")
        return found[1]

    def visible_user(self, actor: Actor, user_id: str) -> Doc:
        user = self.user_doc(user_id)
        if not actor.sees(user["departmentId"]):
            raise PermissionDenied(f"User {user_id} does not belong to the departments you manage")
        return user

    def department(self, actor: Actor, department_id: str) -> Doc:
        found = self._one(self.departments, "departmentId", department_id)
        if found is None:
            raise NotFound(f"Department {department_id} not found")
        if not actor.sees(department_id):
            raise PermissionDenied(f"Department {department_id} is not one you manage")
        return found[1]

    def content_doc(self, content_id: str) -> Doc:
        found = self._one(self.content, "contentItemId", content_id)
        if found is None:
            raise NotFound(f"Content item {content_id} not found")
        return found[1]

    def enrollment(self, actor: Actor, enrollment_id: str) -> tuple[int, Doc]:
        found = self._one(self.enrollments, "enrollmentId", enrollment_id)
        if found is None:
            raise NotFound(f"Enrollment {enrollment_id} not found")
        if not actor.sees(found[1]["departmentId"]):
            raise PermissionDenied(
                f"Enrollment {enrollment_id} belongs to a learner outside the departments "
                "you manage"
            )
        return found

    def now(self) -> str:
        stamp = iso(self.clock.now())
        assert stamp is not None
        return stamp

    # -- listing -------------------------------------------------------------------------------

    def page(self, selection: Selection, query: PageQuery) -> tuple[list[int], str | None]:
        """One page of ``selection`` and the token of the next (None on the last page)."""
        if query.token:
            try:
                position = self.cursors.decode(query.token, selection.signature)
            except InvalidCursor as err:
                raise BadRequest(f"Invalid pageToken: {err}") from None
            ids, more, _start = selection.after(position, query.size)
        else:
            ids, more = selection.page(1, query.size)
        following = self.cursors.encode(selection.signature, (0, ids[-1])) if ids and more else None
        return ids, following

    @staticmethod
    def _scoped(wanted: Sequence[str], scope: frozenset[str] | None) -> Iterable[str] | None:
        if scope is None:
            return wanted or None
        return [d for d in wanted if d in scope] if wanted else scope

    def select_users(
        self,
        actor: Actor,
        *,
        departments: Sequence[str] = (),
        groups: Sequence[str] = (),
        logins: Sequence[str] = (),
        emails: Sequence[str] = (),
        user_ids: Sequence[str] = (),
    ) -> Selection:
        where: dict[str, Iterable[Any]] = {}
        scoped = self._scoped(departments, actor.scope)
        if scoped is not None:
            where["departmentId"] = scoped
        if logins:
            where["login"] = [login.lower() for login in logins]
        if emails:
            where["email"] = [email.lower() for email in emails]
        if user_ids:
            where["userId"] = user_ids
        if groups:
            where["userId"] = []  # the account has no groups: a group filter matches no one
        return self.users.select(where=where)

    def select_departments(self, actor: Actor, code: str | None = None) -> Selection:
        where: dict[str, Iterable[Any]] = {}
        if actor.scope is not None:
            where["departmentId"] = actor.scope
        if code is not None:
            where["code"] = [code]
        return self.departments.select(where=where)

    def select_content(
        self, content_ids: Sequence[str] = (), types: Sequence[str] = ()
    ) -> Selection:
        where: dict[str, Iterable[Any]] = {}
        if content_ids:
            where["contentItemId"] = content_ids
        if types:
            where["contentItemType"] = types
        return self.content.select(where=where)

    def select_enrollments(
        self,
        actor: Actor,
        *,
        course_ids: Sequence[str] = (),
        learner_ids: Sequence[str] = (),
        enrollment_ids: Sequence[str] = (),
        department_ids: Sequence[str] = (),
        statuses: Sequence[str] = (),
        user_statuses: Sequence[int] = (),
        match: Predicate | None = None,
        match_key: Any = None,
    ) -> Selection:
        where: dict[str, Iterable[Any]] = {}
        scoped = self._scoped(department_ids, actor.scope)
        if scoped is not None:
            where["departmentId"] = scoped
        if course_ids:
            where["courseId"] = course_ids
        if learner_ids:
            where["learnerId"] = learner_ids
        if enrollment_ids:
            where["enrollmentId"] = enrollment_ids
        if statuses:
            where["completionStatus"] = statuses
        if user_statuses:
            where["userStatus"] = user_statuses
        return self.enrollments.select(where=where, match=match, match_key=match_key)

    # -- enrollment rules ----------------------------------------------------------------------

    def due_at(self, due: DueInput, course: Doc, access: str) -> str | None:
        """The due date ``due`` gives for ``course`` from ``access``: none (``unlimited``, or
        ``default`` for a course without a default due period), the date, or ``access`` plus a
        period of hours (``due_period``, or the course's default period)."""
        period = due.period if due.kind == "due_period" else None
        if due.kind == "default":
            period = course.get("defaultDuePeriod")
        if due.kind == "due_date":
            assert due.date is not None
            if due.date < access:
                raise BadRequest("dueDate must not be before accessDate")
            return due.date
        if period is None:
            return None
        return iso(datetime.fromisoformat(access) + timedelta(hours=int(period)))

    def enroll(
        self,
        actor: Actor,
        *,
        course_ids: Sequence[str],
        learner_ids: Sequence[str],
        access: str | None,
        due: DueInput,
    ) -> int:
        """Enroll every learner in every content item; a (course, learner) pair already enrolled
        is left as it is. Unknown ids: 404; a learner outside the actor's departments: 403;
        nothing is written unless every check passes. Returns how many were created."""
        courses = [self.content_doc(course_id) for course_id in dict.fromkeys(course_ids)]
        learners = [self.user_doc(learner_id) for learner_id in dict.fromkeys(learner_ids)]
        for learner in learners:
            if not actor.sees(learner["departmentId"]):
                raise PermissionDenied(
                    f"Learner {learner['userId']} does not belong to the departments you manage"
                )
        start = access or self.now()
        due_dates = [self.due_at(due, course, start) for course in courses]
        created = 0
        with self.store.transaction():
            for course, due_date in zip(courses, due_dates, strict=True):
                added: list[Doc] = []
                for learner in learners:
                    pair = (course["contentItemId"], learner["userId"])
                    if self.enrollments.lookup("pair", pair):
                        continue
                    doc_id = self.store.next_id(ENROLLMENTS)
                    doc = self._new_enrollment(doc_id, course, learner, start, due_date, due)
                    self.enrollments.insert(doc, doc_id)
                    added.append(doc)
                if added:
                    self._enrolled_event(actor, course, added)
                    created += len(added)
        return created

    def _new_enrollment(
        self, doc_id: int, course: Doc, learner: Doc, access: str, due: str | None, spec: DueInput
    ) -> Doc:
        return {
            "enrollmentId": stable_uuid(self.seed, "new-enrollment", doc_id),
            "courseId": course["contentItemId"],
            "courseTitle": course["title"],
            "learnerId": learner["userId"],
            "departmentId": learner["departmentId"],
            "userStatus": learner["status"],
            "accessDate": access,
            "dueDateType": spec.kind,
            "dueDate": due,
            "lockAfterDueDate": spec.lock and due is not None,
            "enrollmentTypeGroup": 0,
            "certificate": None,
            "completionStatus": "not_started",
            "progress": 0.0,
            "awardedScore": None,
            "passingScore": None,  # as the seeded results: a passing score once there is a score
            "timeSpent": 0,
            "completionDate": None,
            "viewsCount": 0,
            "duration": course.get("duration"),
        }

    def update_enrollment(
        self, actor: Actor, enrollment_id: str, *, access: str, due: DueInput
    ) -> None:
        doc_id, doc = self.enrollment(actor, enrollment_id)
        due_date = self.due_at(due, self.content_doc(doc["courseId"]), access)
        with self.store.transaction():
            self.enrollments.replace(doc_id, self._schedule(doc, access, due_date, due))

    def reenroll(self, actor: Actor, enrollment_id: str, *, access: str, due: DueInput) -> None:
        """Start the course over: a fresh, not started attempt with new dates. An enrollment
        that was never started has nothing to start over: 409."""
        doc_id, doc = self.enrollment(actor, enrollment_id)
        if doc["completionStatus"] == "not_started" and not doc["progress"]:
            raise Conflict(f"Enrollment {enrollment_id} has not been started: nothing to reenroll")
        course = self.content_doc(doc["courseId"])
        due_date = self.due_at(due, course, access)
        fresh = {
            **self._schedule(doc, access, due_date, due),
            "certificate": None,
            "completionStatus": "not_started",
            "progress": 0.0,
            "awardedScore": None,
            "passingScore": None,
            "timeSpent": 0,
            "completionDate": None,
            "viewsCount": 0,
        }
        with self.store.transaction():
            self.enrollments.replace(doc_id, fresh)
            self.webhook(
                "COURSE_STATUS_CHANGED",
                {
                    "userId": doc["learnerId"],
                    "courseId": doc["courseId"],
                    "courseTitle": doc["courseTitle"],
                    "enrollmentId": doc["enrollmentId"],
                    "previousStatus": doc["completionStatus"],
                    "status": "not_started",
                },
            )

    @staticmethod
    def _schedule(doc: Doc, access: str, due: str | None, spec: DueInput) -> Doc:
        return {
            **doc,
            "accessDate": access,
            "dueDateType": spec.kind,
            "dueDate": due,
            "lockAfterDueDate": spec.lock and due is not None,
        }

    def delete_enrollments(self, actor: Actor, enrollment_ids: Sequence[str]) -> None:
        found = [self.enrollment(actor, eid)[0] for eid in dict.fromkeys(enrollment_ids)]
        with self.store.transaction():
            for doc_id in found:
                self.enrollments.remove(doc_id)

    # -- webhooks ------------------------------------------------------------------------------

    def webhook(self, subscription_type: str, payload: Doc) -> None:
        event_id = self.events.next_id()
        body = {
            "eventId": stable_uuid(self.seed, "event", event_id),
            "subscriptionType": subscription_type,
            "accountUrl": f"https://{ACCOUNT_HOST}",
            "occurredAt": self.now(),
            "payload": payload,
        }
        self.events.record(self.name, subscription_type, body)

    def _enrolled_event(self, actor: Actor, course: Doc, added: Sequence[Doc]) -> None:
        self.webhook(
            "LEARNERS_ENROLLED_IN_COURSE",
            {
                "courseId": course["contentItemId"],
                "courseTitle": course["title"],
                "enrolledBy": actor.user_id,
                "learners": [
                    {
                        "userId": doc["learnerId"],
                        "enrollmentId": doc["enrollmentId"],
                        "accessDate": doc["accessDate"],
                        "dueDate": doc["dueDate"],
                    }
                    for doc in added
                ],
            },
        )
