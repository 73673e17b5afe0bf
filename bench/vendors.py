"""What the HTTP benchmarks need to know about each vendor emulation.

B1 and B2 loop over the vendors in the sandbox's credentials; each needs a :class:`VendorProfile`
here (how to sign in, the enrollment list URL, the enroll call, which (course, user) pairs are
free). A vendor the sandbox has but this module does not know gets a row saying it was skipped,
so a new vendor shows up in the table as soon as the sandbox emulates it. B3 needs no profile:
it goes through the vendor's connector (``core.connectors``).
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx

from sandbox.app import Sandbox


class VendorProfile(ABC):
    name: ClassVar[str]
    #: the body of every enroll request (JSON)
    enroll_body: ClassVar[str]

    @abstractmethod
    def auth_headers(self, credentials: Mapping[str, str]) -> dict[str, str]:
        """Headers that authenticate a request (signing in once, from the calling process)."""

    @abstractmethod
    def list_template(self, credentials: Mapping[str, str], page_size: int) -> str:
        """The enrollment list's path and query from the server root, with ``{page}``."""

    @abstractmethod
    def page_count(self, first_page: Any) -> int:
        """How many pages the list has, from its first page (decoded JSON)."""

    @abstractmethod
    def enroll_template(self, credentials: Mapping[str, str]) -> str:
        """The enroll call's path from the server root, with ``{0}`` and ``{1}`` for a pair."""

    @abstractmethod
    def enrollment_count(self, sandbox: Sandbox) -> int:
        """How many course enrollments the vendor's tenant holds."""

    @abstractmethod
    def free_pairs(self, sandbox: Sandbox, count: int, seed: int) -> list[list[int]]:
        """Up to ``count`` distinct pairs for :meth:`enroll_template` not enrolled yet."""


def _prefix(credentials: Mapping[str, str]) -> str:
    return urlsplit(credentials["base_url"]).path.rstrip("/")


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

    def list_template(self, credentials: Mapping[str, str], page_size: int) -> str:
        path = _prefix(credentials) + "/course/v1/courses/enrollments"
        return path + f"?page={{page}}&page_size={page_size}"

    def page_count(self, first_page: Any) -> int:
        return int(first_page["data"]["total_page_count"])

    def enroll_template(self, credentials: Mapping[str, str]) -> str:
        return _prefix(credentials) + "/learn/v1/enrollments/{0}/{1}"

    def enrollment_count(self, sandbox: Sandbox) -> int:
        from sandbox.vendors.docebo.models import ENROLLMENTS

        docs = sandbox.store.tables[ENROLLMENTS].values()
        return sum(1 for doc in docs if doc.get("course_id") is not None)

    def free_pairs(self, sandbox: Sandbox, count: int, seed: int) -> list[list[int]]:
        from sandbox.vendors.docebo.models import ADMIN_ID, COURSES, ENROLLMENTS, USERS

        tables = sandbox.store.tables
        taken = {
            (doc["course_id"], doc["user_id"])
            for doc in tables[ENROLLMENTS].values()
            if doc.get("course_id") is not None
        }
        users = sorted(uid for uid in tables[USERS] if uid != ADMIN_ID)
        courses = sorted(tables[COURSES])
        count = min(count, len(users) * len(courses) - len(taken))
        rng = random.Random(seed)
        chosen: list[list[int]] = []
        while len(chosen) < count:
            pair = (rng.choice(courses), rng.choice(users))
            if pair not in taken:
                taken.add(pair)
                chosen.append([pair[0], pair[1]])
        return chosen


PROFILES: dict[str, VendorProfile] = {profile.name: profile for profile in [DoceboProfile()]}
