"""Kombo learners at work (``POST /_sandbox/activity``; ``sandbox.learning`` draws the steps).

A course progression ``ENROLLED`` or ``IN_PROGRESS``, not deleted, of an ``ACTIVE`` user moves
on: ``IN_PROGRESS``, then ``COMPLETED`` with ``completed_at`` when an attempt is passed; a
failed attempt stays ``IN_PROGRESS`` (Kombo has no failed status). Progress, time spent and
the score have no field in Kombo's model: they are kept in the store only [I]. ``changed_at``
moves, and ``data-changed`` (``lms_course_progressions``) is recorded, only when the status
or ``completed_at`` changed, as for the complete action.
"""

from __future__ import annotations

import random
from typing import Final

from sandbox.learning import FAILED_PROGRESS, Change, draw
from sandbox.vendors.kombo.models import KomboBackend

WORKABLE: Final = ("ENROLLED", "IN_PROGRESS")
#: the progress a seeded progression in progress is taken to be at
SEEDED_PROGRESS: Final = 50


class KomboLearners:
    def __init__(self, backend: KomboBackend) -> None:
        self.backend = backend

    def candidates(self) -> list[int]:
        return [
            doc_id
            for doc_id, doc in self.backend.progressions.docs.items()
            if doc["item"]["status"] in WORKABLE and doc["item"]["remote_deleted_at"] is None
        ]

    def advance(self, doc_id: int, rng: random.Random) -> Change | None:
        backend = self.backend
        doc = backend.progressions.docs.get(doc_id)
        if doc is None:
            return None
        old = doc["item"]
        if old["status"] not in WORKABLE or old["remote_deleted_at"] is not None:
            return None
        users = backend.users
        found = users.lookup("id", old["user_id"])
        if not found or users.docs[found[0]]["status"] != "ACTIVE":
            return None
        progress = doc.get("progress")
        if progress is None:
            progress = SEEDED_PROGRESS if old["status"] == "IN_PROGRESS" else 0
        step = draw(rng, progress)
        now = backend.now()
        item = {**old, "status": "IN_PROGRESS"}
        score = doc["score"]
        if step.outcome == "passed":
            item |= {"status": "COMPLETED", "completed_at": now}
            score = step.score
        elif step.outcome == "failed":
            score = step.score
        changed = item != old
        if changed:
            item["changed_at"] = now
        reached = FAILED_PROGRESS if step.outcome == "failed" else step.progress
        new = {
            **doc,
            "item": item,
            "score": score,
            "progress": reached,
            "time_spent": doc.get("time_spent", 0) + step.seconds,
        }
        with backend.store.transaction():
            backend.progressions.replace(doc_id, new)
            if changed:
                backend.changed(["lms_course_progressions"])
        return {
            "vendor": backend.name,
            "id": old["id"],
            "user_id": old["user_id"],
            "course_id": doc["course_id"],
            "status_before": old["status"],
            "status": item["status"],
            "progress": reached,
            "score": score,
        }
