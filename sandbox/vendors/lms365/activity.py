"""LMS365 learners at work (``POST /_sandbox/activity``; ``sandbox.learning`` draws the steps).

An enrollment Not Started (1) or In Progress (2) of an active user moves on: In Progress with
``StartDate`` set once and ``Progress`` growing; a passed attempt makes it Completed (0) with
``CompletionDate``, ``Progress`` 100 and ``Score``; a failed one stays In Progress at 90 with
its ``Score`` (LMS365 has no failed status). Every step sets ``Modified``, so ``$filter=Modified
ge ...`` finds it. LMS365 e-mails no one about progress: no event.
"""

from __future__ import annotations

import random
from typing import Final

from sandbox.learning import FAILED_PROGRESS, Change, draw
from sandbox.vendors.lms365.models import LMS365Backend
from sandbox.vendors.lms365.render import COMPLETED, IN_PROGRESS, NOT_STARTED

WORKABLE: Final = (NOT_STARTED, IN_PROGRESS)


class LMS365Learners:
    def __init__(self, backend: LMS365Backend) -> None:
        self.backend = backend

    def candidates(self) -> list[int]:
        return [
            doc_id
            for doc_id, doc in self.backend.enrollments.docs.items()
            if doc["CoursePassingStatus"] in WORKABLE
        ]

    def advance(self, doc_id: int, rng: random.Random) -> Change | None:
        backend = self.backend
        doc = backend.enrollments.docs.get(doc_id)
        if doc is None or doc["CoursePassingStatus"] not in WORKABLE:
            return None
        found = backend.users.lookup("Id", doc["UserId"])
        if not found or not backend.users.docs[found[0]]["IsActive"]:
            return None
        now = backend.now()
        step = draw(rng, doc["Progress"] or 0)
        new = {
            **doc,
            "CoursePassingStatus": IN_PROGRESS,
            "StartDate": doc["StartDate"] or now,
            "Progress": step.progress,
            "Modified": now,
        }
        if step.outcome == "passed":
            new |= {"CoursePassingStatus": COMPLETED, "CompletionDate": now, "Score": step.score}
        elif step.outcome == "failed":
            new |= {"Progress": FAILED_PROGRESS, "Score": step.score}
        with backend.store.transaction():
            backend.enrollments.replace(doc_id, new)
        return {
            "vendor": backend.name,
            "id": doc["Id"],
            "user_id": doc["UserId"],
            "course_id": doc["CourseId"],
            "status_before": doc["CoursePassingStatus"],
            "status": new["CoursePassingStatus"],
            "progress": new["Progress"],
            "score": new["Score"],
        }
