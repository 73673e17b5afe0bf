"""Docebo's errors: Yii's JSON error body for the API, RFC 6749 bodies for ``/oauth2/token``."""

from __future__ import annotations

from http import HTTPStatus

from starlette.responses import Response

from sandbox.http import JSONResponse
from sandbox.vendors.base import VendorError


class DoceboError(VendorError):
    """``{"name": <reason phrase>, "message": ..., "code": 0, "status": <status>}``."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def render(self) -> Response:
        return error_response(self.status, self.message)


def error_response(status: int, message: str) -> Response:
    body = {"name": HTTPStatus(status).phrase, "message": message, "code": 0, "status": status}
    headers = {"WWW-Authenticate": 'Bearer realm="api"'} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


class BadRequest(DoceboError):
    status = 400


class AlreadyEnrolled(BadRequest):
    def __init__(self, user_id: int, course_id: int) -> None:
        super().__init__(
            f"User already enrolled in the course (user {user_id}, course {course_id})"
        )


class Unauthorized(DoceboError):
    status = 401


class NotFound(DoceboError):
    status = 404


class OAuthError(VendorError):
    """``{"error": ..., "error_description": ...}`` from the token endpoint (RFC 6749 5.2)."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status

    def render(self) -> Response:
        return JSONResponse(
            {"error": self.error, "error_description": self.description},
            status_code=self.status,
            headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
        )
