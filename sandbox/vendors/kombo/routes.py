"""Kombo's routes, relative to the ``/kombo/v1`` mount (``https://api.kombo.dev/v1``)."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from sandbox.vendors.kombo.responses import KomboResponses


def routes(r: KomboResponses) -> list[BaseRoute]:
    progressions = "/lms/course-progressions"
    return [
        Route("/lms/users", r.get_users, methods=["GET"]),
        Route("/lms/skills", r.get_skills, methods=["GET"]),
        Route("/lms/courses", r.get_courses, methods=["GET"]),
        Route("/lms/courses/bulk", r.post_courses_bulk, methods=["POST"]),
        Route("/lms/courses/bulk/{task_id}", r.get_courses_bulk_task, methods=["GET"]),
        Route("/lms/courses/{course_id}/deactivate", r.deactivate_course, methods=["POST"]),
        Route(progressions, r.get_course_progressions, methods=["GET"]),
        Route(progressions, r.post_course_progressions, methods=["POST"]),
        Route(
            progressions + "/{course_progression_id}/complete",
            r.complete_course_progression,
            methods=["POST"],
        ),
    ]
