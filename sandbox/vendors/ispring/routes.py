"""iSpring Learn's routes, relative to the ``/ispring`` mount (the API host)."""

from __future__ import annotations

from typing import Final

from starlette.routing import BaseRoute, Route

from sandbox.vendors.ispring.responses import ISpringResponses
from sandbox.vendors.ispring.webhooks import ISpringWebhookResponses

METHODS: Final = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def routes(r: ISpringResponses) -> list[BaseRoute]:
    # Hot routes first: Starlette tries each route's pattern in order (B1 measured the cost).
    api: list[BaseRoute] = [
        Route("/enrollments", r.list_enrollments, methods=["GET"]),
        Route("/enrollments", r.list_enrollments_by_post, methods=["POST"]),
        Route("/api/v3/token", r.access_request, methods=["POST"]),
        Route("/user", r.get_users, methods=["GET"]),
        Route("/user/v2", r.get_users_v2, methods=["GET"]),
        Route("/users", r.list_users, methods=["GET"]),
        Route("/users/v2", r.list_users_v2, methods=["GET"]),
        Route("/users/v2", r.list_users_v2_by_post, methods=["POST"]),
        Route("/user/{userId}", r.get_user_profile, methods=["GET"]),
        Route("/user/{userId}/v2", r.get_user_profile_v2, methods=["GET"]),
        Route("/department", r.get_departments, methods=["GET"]),
        Route("/departments", r.list_departments, methods=["GET"]),
        Route("/department/{departmentId}", r.get_department, methods=["GET"]),
        Route("/content", r.get_content, methods=["GET"]),
        Route("/contents", r.list_content, methods=["GET"]),
        Route("/contents", r.list_content_by_post, methods=["POST"]),
        Route("/content/{contentId}", r.get_content_item, methods=["GET"]),
        Route("/enrollment", r.get_enrollments, methods=["GET"]),
        Route("/enrollment", r.enroll_learners_in_courses, methods=["POST"]),
        Route("/enrollment/delete", r.unenroll, methods=["POST"]),
        Route("/enrollment/{enrollmentId}", r.get_enrollment, methods=["GET"]),
        Route("/enrollment/{enrollmentId}", r.change_enrollment, methods=["POST"]),
        Route("/enrollment/{enrollmentId}/reenroll", r.reenroll, methods=["POST"]),
        Route("/learners/results", r.list_learner_results, methods=["GET"]),
        *webhook_routes(ISpringWebhookResponses(r.backend)),
    ]
    return [*api, Route("/{path:path}", r.fallback(api), methods=METHODS)]


def webhook_routes(w: ISpringWebhookResponses) -> list[BaseRoute]:
    hook = "/webhook"
    return [
        Route(hook + "/register", w.register_subscriber, methods=["POST"]),
        Route(hook + "/code/send", w.send_confirmation_code, methods=["POST"]),
        Route(hook + "/confirm", w.confirm, methods=["POST"]),
        Route(hook + "/settings/change", w.change_subscriber_settings, methods=["POST"]),
        Route(hook + "/remove", w.remove_subscriber, methods=["POST"]),
        Route(hook + "/enable", w.enable_subscriber, methods=["POST"]),
        Route(hook + "/disable", w.disable_subscriber, methods=["POST"]),
        Route(hook + "/subscribe", w.subscribe, methods=["POST"]),
        Route(hook + "/unsubscribe", w.unsubscribe, methods=["POST"]),
        Route(hook + "/subscription/list", w.list_subscriptions, methods=["GET"]),
        Route(hook + "/subscriber/info", w.get_subscriber_info, methods=["GET"]),
    ]
