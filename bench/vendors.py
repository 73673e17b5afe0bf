"""What the HTTP benchmarks need to know about each vendor emulation.

B1 and B2 loop over the vendors in the sandbox's credentials; each needs a :class:`VendorProfile`
here (how to sign in, how to walk the enrollment list, the enroll call, which (course, user)
pairs are free). A vendor the sandbox has but this module does not know gets a row saying it was
skipped, so a new vendor shows up in the table as soon as the sandbox emulates it. B3 and B5 need
no profile: they go through the vendor's connector (``core.connectors``).

List pages are named the way each vendor pages: Docebo by page number, Kombo and iSpring by an
opaque cursor, LMS365 by an OData ``$skiptoken``. :meth:`VendorProfile.list_targets` walks the
list once and returns every page's path, so a load can read random pages of any of them (the
sandbox's cursors stay valid while nothing is written).
"""

from __future__ import annotations

import base64
import random
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar
from urllib.parse import quote, urlsplit

import httpx

from sandbox.app import Sandbox

#: reads one path (from the server root) with the given headers and returns the decoded JSON
Fetch = Callable[[str, Mapping[str, str]], Any]


class VendorProfile(ABC):
    name: ClassVar[str]
    #: the body of every enroll request (JSON), with ``{0}`` (the course) and ``{1}`` (the
    #: user) standing for a pair's members (see ``bench.loadgen.fill``)
    enroll_body: ClassVar[str]
    #: the most writes the vendor lets one client have in flight (None: no limit)
    max_concurrent_writes: ClassVar[int | None] = None

    @abstractmethod
    def auth_headers(self, credentials: Mapping[str, str]) -> dict[str, str]:
        """Headers that authenticate a request (signing in once, from the calling process)."""

    @abstractmethod
    def first_page(self, credentials: Mapping[str, str], page_size: int) -> str:
        """The enrollment list's first page: its path and query from the server root."""

    @abstractmethod
    def next_page(self, credentials: Mapping[str, str], target: str, page: Any) -> str | None:
        """The page after ``target`` (whose decoded answer is ``page``), or None at the end."""

    def list_targets(
        self, fetch: Fetch, credentials: Mapping[str, str], headers: Mapping[str, str], size: int
    ) -> tuple[list[str], Any]:
        """Every page of the enrollment list (walked once, as a connector would) and the
        decoded first page."""
        target: str | None = self.first_page(credentials, size)
        targets: list[str] = []
        first: Any = None
        while target is not None:
            page = fetch(target, headers)
            if first is None:
                first = page
            targets.append(target)
            target = self.next_page(credentials, target, page)
        return targets, first

    @abstractmethod
    def enroll_template(self, credentials: Mapping[str, str]) -> str:
        """The enroll call's path from the server root, with ``{0}`` and ``{1}`` for a pair."""

    @abstractmethod
    def enrollment_count(self, sandbox: Sandbox) -> int:
        """How many course enrollments the vendor's tenant holds."""

    @abstractmethod
    def free_pairs(self, sandbox: Sandbox, count: int, seed: int) -> list[list[Any]]:
        """Up to ``count`` distinct (course, user) pairs, as :meth:`enroll_template` and
        ``enroll_body`` name them, not enrolled yet."""


def _prefix(credentials: Mapping[str, str]) -> str:
    return urlsplit(credentials["base_url"]).path.rstrip("/")


def _draw(
    courses: Sequence[Any], users: Sequence[Any], taken: set[tuple[Any, Any]], count: int, seed: int
) -> list[list[Any]]:
    """``count`` distinct random (course, user) pairs not in ``taken`` (fewer if there are not
    that many)."""
    count = min(count, len(users) * len(courses) - len(taken))
    rng = random.Random(seed)
    taken = set(taken)
    chosen: list[list[Any]] = []
    while len(chosen) < count:
        pair = (rng.choice(courses), rng.choice(users))
        if pair not in taken:
            taken.add(pair)
            chosen.append([pair[0], pair[1]])
    return chosen


class DoceboProfile(VendorProfile):
    name = "docebo"
    enroll_body = '{"level": 3}'

    def auth_headers(self, credentials: Mapping[str, str]) -> dict[str, str]:
        response = httpx.post(
            credentials["base_url"] + "/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": credentials["client_id"],
                "client_secret": credentials["client_secret"],
                "scope": "api",
            },
            timeout=30.0,
        )
        response.raise_for_status()
        return {
            "Authorization": f"Bearer {response.json()['access_token']}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        }

    def first_page(self, credentials: Mapping[str, str], page_size: int) -> str:
        path = _prefix(credentials) + "/course/v1/courses/enrollments"
        return path + f"?page=1&page_size={page_size}"

    def next_page(self, credentials: Mapping[str, str], target: str, page: Any) -> str | None:
        return None  # list_targets numbers the pages from the first one

    def list_targets(
        self, fetch: Fetch, credentials: Mapping[str, str], headers: Mapping[str, str], size: int
    ) -> tuple[list[str], Any]:
        first_target = self.first_page(credentials, size)
        first = fetch(first_target, headers)
        pages = int(first["data"]["total_page_count"])
        template = first_target.replace("page=1&", "page={}&")
        return [template.format(n) for n in range(1, pages + 1)], first

    def enroll_template(self, credentials: Mapping[str, str]) -> str:
        return _prefix(credentials) + "/learn/v1/enrollments/{0}/{1}"

    def enrollment_count(self, sandbox: Sandbox) -> int:
        from sandbox.vendors.docebo.models import ENROLLMENTS

        docs = sandbox.store.tables[ENROLLMENTS].values()
        return sum(1 for doc in docs if doc.get("course_id") is not None)

    def free_pairs(self, sandbox: Sandbox, count: int, seed: int) -> list[list[Any]]:
        from sandbox.vendors.docebo.models import ADMIN_ID, COURSES, ENROLLMENTS, USERS

        tables = sandbox.store.tables
        taken = {
            (doc["course_id"], doc["user_id"])
            for doc in tables[ENROLLMENTS].values()
            if doc.get("course_id") is not None
        }
        users = sorted(uid for uid in tables[USERS] if uid != ADMIN_ID)
        return _draw(sorted(tables[COURSES]), users, taken, count, seed)


class KomboProfile(VendorProfile):
    """Kombo's unified LMS API: an API key and an integration id; cursor paging."""

    name = "kombo"
    enroll_body = '{"user_id": "{1}", "course_revision_id": "{0}"}'
    #: Kombo refuses a 31st action request in flight per integration (429)
    max_concurrent_writes = 30

    def auth_headers(self, credentials: Mapping[str, str]) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {credentials['api_key']}",
            "X-Integration-Id": credentials["integration_id"],
            "Accept": "application/json",
            "Content-Type": "application/json",
        }

    def first_page(self, credentials: Mapping[str, str], page_size: int) -> str:
        return _prefix(credentials) + f"/lms/course-progressions?page_size={page_size}"

    def next_page(self, credentials: Mapping[str, str], target: str, page: Any) -> str | None:
        cursor = page["data"]["next"]
        if not cursor:
            return None
        return target.partition("&cursor=")[0] + "&cursor=" + quote(cursor, safe="")

    def enroll_template(self, credentials: Mapping[str, str]) -> str:
        return _prefix(credentials) + "/lms/course-progressions"

    def enrollment_count(self, sandbox: Sandbox) -> int:
        return len(sandbox.store.tables["kombo.course_progressions"])

    def free_pairs(self, sandbox: Sandbox, count: int, seed: int) -> list[list[Any]]:
        tables = sandbox.store.tables
        taken = {
            (doc["item"]["course_revision_id"], doc["item"]["user_id"])
            for doc in tables["kombo.course_progressions"].values()
            if not doc["item"]["remote_deleted_at"]
        }
        users = sorted(
            doc["id"] for doc in tables["kombo.users"].values() if not doc["remote_deleted_at"]
        )
        revisions = sorted(
            revision["id"]
            for doc in tables["kombo.courses"].values()
            for revision in doc["item"]["revisions"]
            if revision["status"] == "ACTIVE" and not revision["remote_deleted_at"]
        )
        return _draw(revisions, users, taken, count, seed)


class ISpringProfile(VendorProfile):
    """iSpring Learn: a client-credentials token; ``pageToken`` paging; one enroll call takes
    lists of courses and learners (here one of each per request)."""

    name = "ispring"
    enroll_body = '{"courseIds": ["{0}"], "learnerIds": ["{1}"], "dueDateType": "default"}'

    def auth_headers(self, credentials: Mapping[str, str]) -> dict[str, str]:
        response = httpx.post(
            credentials["base_url"] + "/api/v3/token",
            data={
                "grant_type": "client_credentials",
                "client_id": credentials["client_id"],
                "client_secret": credentials["client_secret"],
            },
            headers={"Accept": "application/json"},
            timeout=30.0,
        )
        response.raise_for_status()
        return {
            "Authorization": f"Bearer {response.json()['access_token']}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        }

    def first_page(self, credentials: Mapping[str, str], page_size: int) -> str:
        return _prefix(credentials) + f"/enrollments?pageSize={page_size}"

    def next_page(self, credentials: Mapping[str, str], target: str, page: Any) -> str | None:
        token = page.get("nextPageToken")
        if not token:
            return None
        return target.partition("&pageToken=")[0] + "&pageToken=" + quote(token, safe="")

    def enroll_template(self, credentials: Mapping[str, str]) -> str:
        return _prefix(credentials) + "/enrollment"

    def enrollment_count(self, sandbox: Sandbox) -> int:
        return len(sandbox.store.tables["ispring.enrollments"])

    def free_pairs(self, sandbox: Sandbox, count: int, seed: int) -> list[list[Any]]:
        tables = sandbox.store.tables
        taken = {
            (doc["courseId"], doc["learnerId"]) for doc in tables["ispring.enrollments"].values()
        }
        users = sorted(
            doc["userId"] for doc in tables["ispring.users"].values() if doc["role"] == "learner"
        )
        courses = sorted(doc["contentItemId"] for doc in tables["ispring.content"].values())
        return _draw(courses, users, taken, count, seed)


class LMS365Profile(VendorProfile):
    """LMS365's OData API: Basic auth with an API key; server-driven paging by
    ``$skiptoken``; enroll by the user's login name."""

    name = "lms365"
    enroll_body = '{"userLoginName": "{1}"}'

    def auth_headers(self, credentials: Mapping[str, str]) -> dict[str, str]:
        token = base64.b64encode(f"api:{credentials['api_key']}".encode()).decode()
        return {
            "Authorization": f"Basic {token}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        }

    def first_page(self, credentials: Mapping[str, str], page_size: int) -> str:
        # the server's page size (100) is the only one: ``$top`` caps the whole answer
        return _prefix(credentials) + "/odata/v2/Enrollments"

    def next_page(self, credentials: Mapping[str, str], target: str, page: Any) -> str | None:
        link = page.get("@odata.nextLink")
        if not link:
            return None
        parts = urlsplit(str(link))
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def enroll_template(self, credentials: Mapping[str, str]) -> str:
        return _prefix(credentials) + "/odata/v2/Courses({0})/Enroll"

    def enrollment_count(self, sandbox: Sandbox) -> int:
        return len(sandbox.store.tables["lms365.enrollments"])

    def free_pairs(self, sandbox: Sandbox, count: int, seed: int) -> list[list[Any]]:
        tables = sandbox.store.tables
        users = {doc["Id"]: doc["LoginName"] for doc in tables["lms365.users"].values()}
        taken = {
            (doc["CourseId"], users.get(doc["UserId"], ""))
            for doc in tables["lms365.enrollments"].values()
        }
        courses = sorted(doc["Id"] for doc in tables["lms365.courses"].values())
        return _draw(courses, sorted(users.values()), taken, count, seed)


PROFILES: dict[str, VendorProfile] = {
    profile.name: profile
    for profile in [DoceboProfile(), KomboProfile(), ISpringProfile(), LMS365Profile()]
}
