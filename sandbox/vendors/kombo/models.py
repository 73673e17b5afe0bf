"""Kombo's tenant: its tables and indexes, and every rule of its unified LMS API.

The wire contract is the package docstring. Every method that writes checks first and writes
after, with no ``await`` in between, inside one store transaction: concurrent requests cannot
interleave, and a crash keeps all of an action or none.
"""

from __future__ import annotations

import contextlib
import hmac
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Final, Literal
from urllib.parse import urlsplit

from starlette.responses import Response
from starlette.routing import BaseRoute

from sandbox.query import Collection, Cursors, InvalidCursor, Selection, View
from sandbox.seeding import World
from sandbox.store import Doc
from sandbox.vendors.base import Tables, Vendor
from sandbox.vendors.kombo import render
from sandbox.vendors.kombo.exceptions import (
    TITLES,
    AuthenticationInvalid,
    ConcurrencyLimitExceeded,
    InputInvalid,
    IntegrationNotFound,
    KomboError,
    NotFound,
    error_response,
    platform_code,
)
from sandbox.vendors.kombo.params import REMOTE_PREFIX, BulkCourse, ListQuery
from sandbox.vendors.kombo.render import kombo_id, timestamp

USERS: Final = "kombo.users"
SKILLS: Final = "kombo.skills"
COURSES: Final = "kombo.courses"
PROGRESSIONS: Final = "kombo.course_progressions"
PROVIDERS: Final = "kombo.course_providers"
TASKS: Final = "kombo.bulk_tasks"
TENANT: Final = "kombo.tenant"

#: the models of Kombo's ``data-changed`` webhook, in the SDK's order
MODELS: Final = (
    "lms_users",
    "lms_course_providers",
    "lms_skills",
    "lms_courses",
    "lms_course_revisions",
    "lms_course_progressions",
    "lms_join_revisions_skills",
)
ALREADY_ENROLLED: Final = (
    "The user is already enrolled in this course revision; the existing course progression "
    "is returned unchanged."
)


def _deleted(doc: Doc) -> bool:
    return doc.get("item", doc)["remote_deleted_at"] is not None


class KomboBackend(Vendor):
    name = "kombo"
    prefix = "/kombo/v1"

    #: action (POST) requests one integration may have in flight; one more is refused (429)
    max_concurrent_actions: int = 30
    #: a bulk task is processed when polled at least this many seconds after its creation
    bulk_task_seconds: float = 2.0
    #: enrolling a user again into the same revision: answer the existing progression with a
    #: warning ("existing"), or refuse it with PLATFORM.INPUT_INVALID ("error")
    duplicate_enrollment: Literal["existing", "error"] = "existing"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.api_key = self.secret("api_key", 40)
        self.integration_id = f"{render.TOOL}:{render.opaque_id(self.secret('integration'))}"
        self.cursors = Cursors(self.secret("cursor").encode())
        self.in_flight: dict[str, int] = {}
        self.rebuild()

    # -- the platform's side -------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        from sandbox.vendors.kombo.responses import KomboResponses
        from sandbox.vendors.kombo.routes import routes

        return routes(KomboResponses(self))

    def credentials(self, base_url: str) -> dict[str, str]:
        return {
            "base_url": f"{base_url.rstrip('/')}{self.prefix}",
            "api_key": self.api_key,
            "integration_id": self.integration_id,
        }

    def http_error(self, status: int, detail: str) -> Response:
        return error_response(status, platform_code(status), detail)

    def rebuild(self) -> None:
        store = self.store
        common: dict[str, Callable[[Doc], Any]] = {
            "id": lambda d: d["id"],
            "remote_id": lambda d: d["remote_id"],
            "deleted": _deleted,
        }
        self.users = Collection(
            store,
            USERS,
            indexes={**common, "email": lambda d: (d["work_email"] or "").lower()},
        )
        self.skills = Collection(store, SKILLS, indexes=common)
        self.courses = Collection(
            store,
            COURSES,
            indexes={
                "id": lambda d: d["item"]["id"],
                "remote_id": lambda d: d["item"]["remote_id"],
                "origin_id": lambda d: d["item"]["origin_id"],
                "deleted": _deleted,
            },
        )
        self.progressions = Collection(
            store,
            PROGRESSIONS,
            indexes={
                "id": lambda d: d["item"]["id"],
                "remote_id": lambda d: d["item"]["remote_id"],
                "user_id": lambda d: d["item"]["user_id"],
                "course_id": lambda d: d["course_id"],
                "deleted": _deleted,
            },
        )
        self.tasks = Collection(store, TASKS, indexes={"task_id": lambda d: d["task_id"]})
        #: how the lists render each record, encoded once (``sandbox.query.View``)
        self.user_view = self.users.view()
        self.skill_view = self.skills.view()
        self.course_view = self.courses.view(self.course_item)
        self.progression_view = self.progressions.view(
            self.progression_item, reads=(self.users, self.courses)
        )
        #: revision id -> (course doc id, position in the course's revisions)
        self.revisions: dict[str, tuple[int, int]] = {}
        #: revision remote id -> revision id
        self.revision_remote_ids: dict[str, str] = {}
        for doc_id, doc in self.courses.docs.items():
            self._index_revisions(doc_id, doc)

    def _index_revisions(self, doc_id: int, doc: Doc) -> None:
        for position, revision in enumerate(doc["item"]["revisions"]):
            self.revisions[revision["id"]] = (doc_id, position)
            self.revision_remote_ids[revision["remote_id"]] = revision["id"]

    # -- seeding -------------------------------------------------------------------------------

    def seed_tables(self, world: World) -> Tables:
        seed = self.seed
        users, skills, courses = render.seed_docs(seed, world)
        progressions = render.progression_docs(seed, world, users, courses)
        return {
            USERS: users,
            SKILLS: skills,
            COURSES: courses,
            PROGRESSIONS: progressions,
            PROVIDERS: {1: self._provider()},
            TASKS: {},
            TENANT: {1: {"domain": world.scenario.company_domain}},
        }

    def _provider(self) -> Doc:
        """The course provider of the courses the integration upserts: the API's user."""
        return {
            "id": kombo_id(self.seed, "provider", 1),
            "remote_id": "provider-1",
            "name": render.PROVIDER_NAME,
        }

    # -- authentication and the concurrency limit ----------------------------------------------

    def authenticate(self, authorization: str | None, integration: str | None) -> str:
        """The integration a request is for; raises on a bad key or an unknown integration."""
        if not authorization:
            raise AuthenticationInvalid(
                "The Authorization header is missing: send Authorization: Bearer <API key>."
            )
        scheme, _, key = authorization.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            key.strip().encode(), self.api_key.encode()
        ):
            raise AuthenticationInvalid("The API key is invalid.")
        if not integration:
            raise InputInvalid("The X-Integration-Id header is required.")
        if not hmac.compare_digest(integration.encode(), self.integration_id.encode()):
            raise IntegrationNotFound(f"No integration with the ID {integration!r} exists.")
        return integration

    @contextlib.contextmanager
    def action(self, integration: str) -> Iterator[dict[str, str]]:
        """Count an action request in flight for ``integration``; refuse it beyond the limit.
        Yields the ``Concurrency-Remaining`` header, which every answer to it carries."""
        limit = self.max_concurrent_actions
        active = self.in_flight.get(integration, 0)
        if active >= limit:
            refused = ConcurrencyLimitExceeded(
                f"The integration already has {active} action requests in flight; at most "
                f"{limit} may run at once. Retry once one of them has finished."
            )
            refused.headers["Concurrency-Remaining"] = "0"
            raise refused
        self.in_flight[integration] = active + 1
        headers = {"Concurrency-Remaining": str(limit - active - 1)}
        try:
            yield headers
        except KomboError as err:
            err.headers.update(headers)
            raise
        finally:
            left = self.in_flight[integration] - 1
            if left:
                self.in_flight[integration] = left
            else:
                del self.in_flight[integration]

    # -- listing -------------------------------------------------------------------------------

    def select(
        self,
        collection: Collection,
        query: ListQuery,
        where: Mapping[str, Iterable[Any]],
        updated: Callable[[Doc], str],
    ) -> Selection:
        """The records matching the filters (``where``: index name -> accepted values), in
        insertion order; deleted ones only with ``include_deleted``."""
        conditions = dict(where)
        if not query.include_deleted:
            conditions["deleted"] = [False]
        since = query.updated_after
        match = None if since is None else (lambda doc: updated(doc) >= since)
        return collection.select(where=conditions, match=match, match_key=since)

    def page(
        self, collection: Collection, selection: Selection, query: ListQuery, view: View
    ) -> dict[str, Any]:
        """The ``data`` of a list answer: ``{"next": <cursor or null>, "results": [...]}``.
        A cursor names the last record of its page in the order, and is bound to the table and
        the filters it was issued for."""
        size = query.page_size
        signature = f"{collection.table}:{selection.signature}"
        if query.cursor:
            try:
                position = self.cursors.decode(query.cursor, signature)
            except (InvalidCursor, ValueError, TypeError) as err:
                raise InputInvalid(f"The cursor is invalid: {err}.") from None
            ids, more, _start = selection.after(position, size)
        else:
            ids, more = selection.page(1, size)
        following = self.cursors.encode(signature, (0, ids[-1])) if more else None
        return {"next": following, "results": view.items(ids)}

    def select_users(self, query: ListQuery) -> Selection:
        where = _id_filters(query)
        if "work_emails" in query.filters:
            where["email"] = [email.lower() for email in query.filters["work_emails"]]
        return self.select(self.users, query, where, lambda d: d["changed_at"])

    def select_skills(self, query: ListQuery) -> Selection:
        return self.select(self.skills, query, _id_filters(query), lambda d: d["changed_at"])

    def select_courses(self, query: ListQuery) -> Selection:
        return self.select(self.courses, query, _id_filters(query), lambda d: d["updated"])

    def select_progressions(self, query: ListQuery) -> Selection:
        where = _id_filters(query)
        if "user_ids" in query.filters:
            where["user_id"] = query.filters["user_ids"]
        if "course_ids" in query.filters:
            where["course_id"] = query.filters["course_ids"]
        return self.select(self.progressions, query, where, lambda d: d["item"]["changed_at"])

    # -- rendering -----------------------------------------------------------------------------

    def user_item(self, doc_id: int) -> Doc:
        return self.users.docs[doc_id]

    def skill_item(self, doc_id: int) -> Doc:
        return self.skills.docs[doc_id]

    def course_item(self, doc_id: int) -> Doc:
        item: Doc = self.courses.docs[doc_id]["item"]
        return item

    def progression_item(self, doc_id: int) -> Doc:
        item = self.progressions.docs[doc_id]["item"]
        (user_doc_id, *_) = self.users.lookup("id", item["user_id"])
        course_doc_id, position = self.revisions[item["course_revision_id"]]
        course = self.courses.docs[course_doc_id]["item"]
        return render.progression_item(
            item, self.users.docs[user_doc_id], course["revisions"][position], course
        )

    # -- lookups (Kombo ids, or ``remote:<id>``) -----------------------------------------------

    def _find(self, collection: Collection, ref: str) -> int | None:
        if ref.startswith(REMOTE_PREFIX):
            found = collection.lookup("remote_id", ref[len(REMOTE_PREFIX) :])
        else:
            found = collection.lookup("id", ref)
        docs = collection.docs
        return next((i for i in found if not _deleted(docs[i])), None)

    def find_revision(self, ref: str) -> tuple[int, int] | None:
        """(course doc id, position) of a revision that is not deleted, or None."""
        if ref.startswith(REMOTE_PREFIX):
            found = self.revision_remote_ids.get(ref[len(REMOTE_PREFIX) :])
            ref = found or ""
        place = self.revisions.get(ref)
        if place is None:
            return None
        course_doc_id, position = place
        revision = self.courses.docs[course_doc_id]["item"]["revisions"][position]
        return None if revision["remote_deleted_at"] else place

    def progression(self, ref: str) -> int:
        doc_id = self._find(self.progressions, ref)
        if doc_id is None:
            raise NotFound(f"No course progression with the ID {ref!r} exists.")
        return doc_id

    def course(self, ref: str) -> int:
        doc_id = self._find(self.courses, ref)
        if doc_id is None:
            raise NotFound(f"No course with the ID {ref!r} exists.")
        return doc_id

    def task(self, task_id: str) -> int:
        found = self.tasks.lookup("task_id", task_id)
        if not found:
            raise NotFound(f"No task with the ID {task_id!r} exists.")
        return found[0]

    # -- actions -------------------------------------------------------------------------------

    def now(self) -> str:
        return timestamp(self.clock.now())

    def enroll(self, user_ref: str, revision_ref: str) -> tuple[int, list[str]]:
        """Enroll a user in a course revision: (progression doc id, warnings)."""
        user_doc_id = self._find(self.users, user_ref)
        if user_doc_id is None:
            raise InputInvalid(f"user_id: no user with the ID {user_ref!r} exists.")
        place = self.find_revision(revision_ref)
        if place is None:
            raise InputInvalid(
                f"course_revision_id: no course revision with the ID {revision_ref!r} exists."
            )
        course = self.courses.docs[place[0]]["item"]
        revision = course["revisions"][place[1]]
        if revision["status"] != "ACTIVE":
            raise InputInvalid(
                f"The course revision {revision['id']!r} is inactive and accepts no new "
                "enrollments."
            )
        user_id = self.users.docs[user_doc_id]["id"]
        docs = self.progressions.docs
        existing = next(
            (
                i
                for i in self.progressions.lookup("user_id", user_id)
                if docs[i]["item"]["course_revision_id"] == revision["id"] and not _deleted(docs[i])
            ),
            None,
        )
        now = self.now()
        if existing is not None:
            doc = docs[existing]
            if doc["item"]["status"] != "DROPPED":
                if self.duplicate_enrollment == "error":
                    raise InputInvalid(
                        f"The user {user_id!r} is already enrolled in the course revision "
                        f"{revision['id']!r}."
                    )
                return existing, [ALREADY_ENROLLED]
            item = {
                **doc["item"],
                "status": "ENROLLED",
                "enrolled_at": now,
                "completed_at": None,
                "changed_at": now,
            }
            with self.store.transaction():
                self.progressions.replace(existing, {**doc, "item": item, "score": None})
                self.changed(["lms_course_progressions"])
            return existing, []
        with self.store.transaction():
            doc_id = self.store.next_id(PROGRESSIONS)
            item = {
                "id": kombo_id(self.seed, "progression", doc_id),
                "remote_id": f"progress-{doc_id}",
                "user_id": user_id,
                "course_revision_id": revision["id"],
                "status": "ENROLLED",
                "enrolled_at": now,
                "completed_at": None,
                "changed_at": now,
                "remote_deleted_at": None,
                "remote_data": None,
            }
            self.progressions.insert(
                {"item": item, "course_id": course["id"], "score": None}, doc_id
            )
            self.changed(["lms_course_progressions"])
        return doc_id, []

    def complete(self, ref: str, completed_at: str, score: int | None, now: str) -> int:
        """Mark a progression COMPLETED; ``now`` is the request's instant (``changed_at``)."""
        doc_id = self.progression(ref)
        doc = self.progressions.docs[doc_id]
        old = doc["item"]
        item = {**old, "status": "COMPLETED", "completed_at": completed_at}
        changed = item != old
        if changed:
            item["changed_at"] = now
        if changed or score != doc["score"]:
            with self.store.transaction():
                self.progressions.replace(doc_id, {**doc, "item": item, "score": score})
                if changed:
                    self.changed(["lms_course_progressions"])
        return doc_id

    def deactivate(self, ref: str) -> int:
        """Set every revision of a course INACTIVE (already inactive: nothing changes)."""
        doc_id = self.course(ref)
        doc = self.courses.docs[doc_id]
        item = doc["item"]
        if all(r["status"] == "INACTIVE" for r in item["revisions"]):
            return doc_id
        now = self.now()
        revisions = [
            r if r["status"] == "INACTIVE" else {**r, "status": "INACTIVE", "changed_at": now}
            for r in item["revisions"]
        ]
        with self.store.transaction():
            self.courses.replace(
                doc_id, {**doc, "item": {**item, "revisions": revisions}, "updated": now}
            )
            self.changed(["lms_course_revisions"])
        return doc_id

    # -- the bulk upsert task ------------------------------------------------------------------

    def create_task(self, items: Sequence[BulkCourse]) -> int:
        with self.store.transaction():
            doc_id = self.store.next_id(TASKS)
            self.tasks.insert(
                {
                    "task_id": kombo_id(self.seed, "task", doc_id),
                    "created_at": self.now(),
                    "created_epoch": self.clock.time(),
                    "status": "PENDING",
                    "items": [item.as_doc() for item in items],
                    "results": None,
                    "error": None,
                    "completed_at": None,
                },
                doc_id,
            )
        return doc_id

    def poll_task(self, task_id: str) -> int:
        """The task's doc id; a pending task old enough is processed first."""
        doc_id = self.task(task_id)
        doc = self.tasks.docs[doc_id]
        if (
            doc["status"] == "PENDING"
            and self.clock.time() - doc["created_epoch"] >= self.bulk_task_seconds
        ):
            self._process(doc_id, doc)
        return doc_id

    def task_data(self, doc_id: int) -> Doc:
        doc = self.tasks.docs[doc_id]
        data = {"task_id": doc["task_id"], "created_at": doc["created_at"]}
        if doc["status"] == "PENDING":
            return {**data, "status": "PENDING", "completed_at": None}
        if doc["status"] == "FAILED":
            return {
                **data,
                "status": "FAILED",
                "error": doc["error"],
                "completed_at": doc["completed_at"],
            }
        return {
            **data,
            "status": "COMPLETED",
            "data": doc["results"],
            "completed_at": doc["completed_at"],
        }

    def _process(self, doc_id: int, doc: Doc) -> None:
        items = [BulkCourse.from_doc(item) for item in doc["items"]]
        now = self.now()
        repeated = [o for o, n in Counter(i.origin_id for i in items).items() if n > 1]
        if repeated:
            error = _task_error(
                "PLATFORM.INPUT_INVALID",
                f"The origin_id {repeated[0]!r} appears more than once in the batch: the task "
                "was not processed and no course was upserted.",
            )
            with self.store.transaction():
                self.tasks.replace(
                    doc_id, {**doc, "status": "FAILED", "error": error, "completed_at": now}
                )
            return
        models: set[str] = set()
        with self.store.transaction():
            results = [self._upsert(item, now, models) for item in items]
            self.tasks.replace(
                doc_id, {**doc, "status": "COMPLETED", "results": results, "completed_at": now}
            )
            if models:
                self.changed(models)

    def _upsert(self, item: BulkCourse, now: str, models: set[str]) -> Doc:
        url = urlsplit(item.course_url)
        if url.scheme not in ("http", "https") or not url.netloc:
            return _item_failed(
                item,
                "REMOTE.INPUT_INVALID",
                f"The LMS refused the course: course_url {item.course_url!r} is not an "
                "absolute http(s) URL.",
            )
        docs = self.courses.docs
        found = [
            i for i in self.courses.lookup("origin_id", item.origin_id) if not _deleted(docs[i])
        ]
        if found:
            doc_id = found[0]
            doc = docs[doc_id]
            course = doc["item"]
            current = course["revisions"][-1]
            if current["status"] != "ACTIVE":
                return _item_failed(
                    item,
                    "LMS.COURSE_UPDATE_NOT_SUPPORTED",
                    f"The course {course['id']!r} is deactivated; the LMS does not update "
                    "deactivated courses.",
                )
            revision = {**current, "title": item.title, "description": item.description}
            if revision != current:
                revision["changed_at"] = now
                revisions = [*course["revisions"][:-1], revision]
                self.courses.replace(
                    doc_id,
                    {
                        **doc,
                        "item": {**course, "revisions": revisions},
                        "updated": now,
                        "content": item.as_doc(),
                    },
                )
                models.add("lms_course_revisions")
            elif doc.get("content") != item.as_doc():
                self.courses.replace(doc_id, {**doc, "content": item.as_doc()})
            return _item_succeeded(item, course["id"])
        doc_id = self.store.next_id(COURSES)
        course_id = kombo_id(self.seed, "course", doc_id)
        remote = str(doc_id)
        # a state saved before this emulation existed has neither (until a reset)
        provider = self.store.table(PROVIDERS).get(1) or self._provider()
        domain = self.store.table(TENANT).get(1, {}).get("domain", "example-corp.com")
        revision = render.revision_doc(
            revision_id=kombo_id(self.seed, "revision", f"{doc_id}.1"),
            remote_id=f"{remote}-v1",
            course_id=course_id,
            title=item.title,
            description=item.description,
            remote_url=render.course_url(domain, remote, 1),
            active=True,
            created=now,
            changed=now,
            deleted=None,
            skills=(),
        )
        course = {
            "id": course_id,
            "remote_id": remote,
            "provider_id": provider["id"],
            "origin_id": item.origin_id,
            "remote_created_at": now,
            "remote_deleted_at": None,
            "changed_at": now,
            "remote_data": None,
            "custom_fields": None,
            "integration_fields": [],
            "provider": dict(provider),
            "revisions": [revision],
        }
        new = {"item": course, "updated": now, "content": item.as_doc()}
        self.courses.insert(new, doc_id)
        self._index_revisions(doc_id, new)
        models.update(("lms_courses", "lms_course_revisions"))
        return _item_succeeded(item, course_id)

    # -- webhooks ------------------------------------------------------------------------------

    def changed(self, models: Iterable[str]) -> None:
        """Record Kombo's ``data-changed`` webhook for the models a write changed."""
        names = set(models)
        body = render.data_changed(
            kombo_id(self.seed, "webhook", self.events.next_id()),
            self.integration_id,
            [name for name in MODELS if name in names],
        )
        self.events.record(self.name, "data-changed", body)


def _id_filters(query: ListQuery) -> dict[str, Iterable[Any]]:
    where: dict[str, Iterable[Any]] = {}
    if "ids" in query.filters:
        where["id"] = query.filters["ids"]
    if "remote_ids" in query.filters:
        where["remote_id"] = query.filters["remote_ids"]
    return where


def _task_error(code: str, message: str) -> Doc:
    return {"code": code, "title": TITLES.get(code), "message": message, "log_url": None}


def _item_failed(item: BulkCourse, code: str, message: str) -> Doc:
    return {"origin_id": item.origin_id, "status": "FAILED", "error": _task_error(code, message)}


def _item_succeeded(item: BulkCourse, course_id: str) -> Doc:
    return {"origin_id": item.origin_id, "status": "SUCCEEDED", "data": {"id": course_id}}
