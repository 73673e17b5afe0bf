"""Docebo's routes, relative to the ``/docebo`` mount (the tenant's base URL)."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from sandbox.vendors.docebo.responses import DoceboResponses


def routes(r: DoceboResponses) -> list[BaseRoute]:
    enrollment = "/{course_id}/{user_id}"
    return [
        Route("/oauth2/token", r.token, methods=["POST"]),
        Route("/manage/v1/user", r.list_users, methods=["GET"]),
        Route("/manage/v1/user/{user_id}", r.get_user, methods=["GET"]),
        Route("/learn/v1/courses", r.list_courses, methods=["GET"]),
        Route("/learn/v1/courses/{course_id}", r.get_course, methods=["GET"]),
        Route("/course/v1/courses/enrollments", r.list_course_enrollments, methods=["GET"]),
        Route("/learn/v1/enrollments", r.list_learner_enrollments, methods=["GET"]),
        *(
            route
            for base in ("/learn/v1/enrollments", "/learn/v1/enrollment")
            for route in (
                Route(base + enrollment, r.get_enrollment, methods=["GET"]),
                Route(base + enrollment, r.enroll, methods=["POST"]),
                Route(base + enrollment, r.unenroll, methods=["DELETE"]),
            )
        ),
    ]
