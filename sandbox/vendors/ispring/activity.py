"""iSpring learners at work (``POST /_sandbox/activity``; ``sandbox.learning`` draws the steps).

A course enrollment (not a learning track) ``not_started`` or ``in_progress`` of an active
learner (user status 1) whose access date has come moves on: ``in_progress`` with
``progress``, ``timeSpent`` and ``viewsCount`` growing; finishing makes it ``complete`` for a
course without a test, else ``passed`` or ``failed`` with ``awardedScore`` and the course's
``passingScore``, and ``completionDate`` now (all three are final in iSpring). A status change
records ``COURSE_STATUS_CHANGED``, the subscription type iSpring sends for it.
"""

from __future__ import annotations

import random
from typing import Final

from sandbox.learning import Change, draw
from sandbox.vendors.ispring.models import ISpringBackend

WORKABLE: Final = ("not_started", "in_progress")
ACTIVE: Final = 1


class ISpringLearners:
    def __init__(self, backend: ISpringBackend) -> None:
        self.backend = backend

    def candidates(self) -> list[int]:
        backend = self.backend
        tracks = {
            doc["contentItemId"]
            for doc in backend.content.docs.values()
            if doc["contentItemType"] != "Course"
        }
        docs = backend.enrollments.docs
        return [
            doc_id
            for status in WORKABLE
            for doc_id in backend.enrollments.lookup("completionStatus", status)
            if docs[doc_id]["courseId"] not in tracks and docs[doc_id]["userStatus"] == ACTIVE
        ]

    def advance(self, doc_id: int, rng: random.Random) -> Change | None:
        backend = self.backend
        doc = backend.enrollments.docs.get(doc_id)
        if doc is None or doc["completionStatus"] not in WORKABLE or doc["userStatus"] != ACTIVE:
            return None
        found = backend.content.lookup("contentItemId", doc["courseId"])
        course = backend.content.docs[found[0]] if found else None
        now = backend.now()
        if course is None or course["contentItemType"] != "Course" or doc["accessDate"] > now:
            return None
        step = draw(rng, doc["progress"] or 0)
        new = {
            **doc,
            "completionStatus": "in_progress",
            "progress": float(step.progress),
            "timeSpent": (doc["timeSpent"] or 0) + step.seconds,
            "viewsCount": (doc["viewsCount"] or 0) + 1,
        }
        if step.outcome is not None:
            passing = course.get("passingScore")
            if passing is None:
                new |= {"completionStatus": "complete"}
            else:
                passed = step.outcome == "passed"
                new |= {
                    "completionStatus": "passed" if passed else "failed",
                    "awardedScore": float(step.score or 0),
                    "passingScore": passing,
                }
            new["completionDate"] = now
        with backend.store.transaction():
            backend.enrollments.replace(doc_id, new)
            if new["completionStatus"] != doc["completionStatus"]:
                backend.webhook(
                    "COURSE_STATUS_CHANGED",
                    {
                        "userId": doc["learnerId"],
                        "courseId": doc["courseId"],
                        "courseTitle": doc["courseTitle"],
                        "enrollmentId": doc["enrollmentId"],
                        "previousStatus": doc["completionStatus"],
                        "status": new["completionStatus"],
                    },
                )
        return {
            "vendor": backend.name,
            "id": doc["enrollmentId"],
            "user_id": doc["learnerId"],
            "course_id": doc["courseId"],
            "status_before": doc["completionStatus"],
            "status": new["completionStatus"],
            "progress": new["progress"],
            "score": new["awardedScore"],
        }
