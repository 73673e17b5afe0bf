"""iSpring's errors: ``{"code": <status>, "message": ...}`` (``ErrorResponse``), JSON or XML."""

from __future__ import annotations

from starlette.responses import Response

from sandbox.vendors.base import VendorError
from sandbox.vendors.ispring.formats import DEFAULT_FORMAT, Format, respond


class ISpringError(VendorError):
    """One error answer; ``render`` uses the default format, ``render_as`` the negotiated one."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def render(self) -> Response:
        return error_response(DEFAULT_FORMAT, self.status, self.message)

    def render_as(self, fmt: Format) -> Response:
        return error_response(fmt, self.status, self.message)


def error_response(fmt: Format, status: int, message: str) -> Response:
    headers = {"WWW-Authenticate": 'Bearer realm="ispring"'} if status == 401 else None
    return respond(fmt, {"code": status, "message": message}, status=status, headers=headers)


class BadRequest(ISpringError):
    status = 400


class Unauthorized(ISpringError):
    status = 401


class PermissionDenied(ISpringError):
    status = 403


class NotFound(ISpringError):
    status = 404


class Conflict(ISpringError):
    status = 409
