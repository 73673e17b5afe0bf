"""LMS365's routes, relative to the ``/lms365`` mount (``https://api.365.systems``)."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from sandbox.vendors.lms365.responses import LMS365Responses


def routes(r: LMS365Responses) -> list[BaseRoute]:
    v2 = "/odata/v2"
    return [
        Route(v2 + "/Enrollments", r.list_enrollments, methods=["GET"]),
        Route(v2 + "/Enrollments", r.create_enrollment, methods=["POST"]),
        Route(v2 + "/Enrollments({key})", r.get_enrollment, methods=["GET"]),
        Route(v2 + "/Enrollments({key})", r.update_enrollment, methods=["PATCH"]),
        Route(v2 + "/Enrollments({key})", r.delete_enrollment, methods=["DELETE"]),
        Route(v2 + "/Courses", r.list_courses, methods=["GET"]),
        Route(v2 + "/Courses({key})", r.get_course, methods=["GET"]),
        Route(v2 + "/Courses({key})/Enroll", r.enroll, methods=["POST"]),
        Route(v2 + "/Users", r.list_users, methods=["GET"]),
        Route(v2 + "/Users({key})", r.get_user, methods=["GET"]),
        Route(v2 + "/CourseSessions", r.list_course_sessions, methods=["GET"]),
        Route(v2 + "/CourseSessions({key})", r.get_course_session, methods=["GET"]),
        Route(v2 + "/Groups", r.list_groups, methods=["GET"]),
        Route(v2 + "/Groups({key})", r.get_group, methods=["GET"]),
        Route(v2, r.service_document, methods=["GET"]),
        Route(v2 + "/", r.service_document, methods=["GET"]),
    ]
