"""Docebo learners at work (``POST /_sandbox/activity``; ``sandbox.learning`` draws the steps).

A course enrollment ``subscribed`` or ``in_progress`` of an active user whose validity has
begun moves on: ``in_progress`` with ``enrollment_completion_percentage`` and
``enrollment_time_spent`` growing; a passed attempt makes it ``completed`` (100 %,
``enrollment_completion_date`` and ``enrollment_score`` set) and records
``course.enrollment.completed`` [I: the event's payload]; a failed one stays ``in_progress`` at
90 % with its score, as seeding does (Docebo has no failed status). Every step sets
``enrollment_date_last_updated``, so ``updated_from`` finds it. Learning-plan enrollments are
not rolled up from their courses [I].
"""

from __future__ import annotations

import random
from typing import Final

from sandbox.learning import FAILED_PROGRESS, Change, draw
from sandbox.vendors.docebo.models import DoceboBackend
from sandbox.vendors.docebo.render import is_plan, wire_date

WORKABLE: Final = ("subscribed", "in_progress")


class DoceboLearners:
    def __init__(self, backend: DoceboBackend) -> None:
        self.backend = backend

    def candidates(self) -> list[int]:
        enrollments = self.backend.enrollments
        docs = enrollments.docs
        return [
            doc_id
            for status in WORKABLE
            for doc_id in enrollments.lookup("status", status)
            if not is_plan(docs[doc_id])
        ]

    def advance(self, doc_id: int, rng: random.Random) -> Change | None:
        backend = self.backend
        doc = backend.enrollments.docs.get(doc_id)
        if doc is None or is_plan(doc) or doc["enrollment_status"] not in WORKABLE:
            return None
        user = backend.users.docs.get(doc["user_id"])
        stamp = wire_date(backend.clock.now()) or ""
        begin = doc["enrollment_validity_begin_date"]
        if user is None or user["status"] != "1" or (begin and begin > stamp):
            return None
        step = draw(rng, doc["enrollment_completion_percentage"] or 0)
        new = {
            **doc,
            "enrollment_status": "in_progress",
            "enrollment_completion_percentage": step.progress,
            "enrollment_time_spent": (doc["enrollment_time_spent"] or 0) + step.seconds,
            "enrollment_date_last_updated": stamp,
        }
        if step.outcome == "passed":
            new |= {
                "enrollment_status": "completed",
                "enrollment_completion_date": stamp,
                "enrollment_score": step.score,
            }
        elif step.outcome == "failed":
            new |= {
                "enrollment_completion_percentage": FAILED_PROGRESS,
                "enrollment_score": step.score,
            }
        with backend.store.transaction():
            backend.enrollments.replace(doc_id, new)
            if step.outcome == "passed":
                backend.webhook(
                    "course.enrollment.completed",
                    {
                        "user_id": doc["user_id"],
                        "username": doc["username"],
                        "course_id": doc["course_id"],
                        "course_name": doc["course_name"],
                        "completion_date": stamp,
                        "score": step.score,
                        "status": "completed",
                    },
                )
        return {
            "vendor": backend.name,
            "id": doc_id,
            "user_id": doc["user_id"],
            "course_id": doc["course_id"],
            "status_before": doc["enrollment_status"],
            "status": new["enrollment_status"],
            "progress": new["enrollment_completion_percentage"],
            "score": new["enrollment_score"],
        }
