"""LMS365's errors: the OData v4 JSON error body, ``{"error": {"code", "message", ...}}``.

A query option that cannot be read answers as ASP.NET Core OData does: 400 with ``code`` ``""``,
the message prefixed with "The query specified in the URI is not valid. ", ``details`` ``[]``
and an ``innererror`` naming the .NET exception (its ``stacktrace`` is empty here). Every other
error carries a short ``code`` of its own and no ``innererror``.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, ClassVar

from starlette.responses import Response

from sandbox.http import JSONResponse
from sandbox.vendors.base import VendorError
from sandbox.vendors.lms365.odata import QueryError

QUERY_PREFIX = "The query specified in the URI is not valid. "
#: ``WWW-Authenticate`` of a 401
REALM = 'Basic realm="LMS365 API"'


def error_body(code: str, message: str, inner: dict[str, Any] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if inner is not None:
        error["details"] = []
        error["innererror"] = inner
    return {"error": error}


def error_response(status: int, code: str, message: str) -> Response:
    headers = {"WWW-Authenticate": REALM} if status == 401 else None
    return JSONResponse(error_body(code, message), status_code=status, headers=headers)


def platform_code(status: int) -> str:
    """The code of an error the platform raised (unknown route, wrong method, body too large):
    the reason phrase without spaces, e.g. ``MethodNotAllowed``."""
    try:
        return HTTPStatus(status).phrase.replace(" ", "").replace("-", "")
    except ValueError:
        return "Error"


class LMS365Error(VendorError):
    """Base of LMS365's errors: ``code``, ``message`` and the HTTP ``status``."""

    code: ClassVar[str] = "BadRequest"
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def render(self) -> Response:
        return error_response(self.status, self.code, self.message)


class BadRequest(LMS365Error):
    """An invalid body or key, or a rule of the action refused (unknown user, wrong session)."""


class InvalidQuery(LMS365Error):
    """A query option ODataLib (or Entity Framework) refuses: ASP.NET Core OData's body."""

    code = ""

    def __init__(self, error: QueryError) -> None:
        super().__init__(str(error))
        self.exception_type = error.exception_type

    def render(self) -> Response:
        inner = {"message": self.message, "type": self.exception_type, "stacktrace": ""}
        body = error_body(self.code, QUERY_PREFIX + self.message, inner)
        return JSONResponse(body, status_code=self.status)


class Unauthorized(LMS365Error):
    code = "Unauthorized"
    status = 401


class Forbidden(LMS365Error):
    code = "Forbidden"
    status = 403


class NotFound(LMS365Error):
    code = "NotFound"
    status = 404


class Conflict(LMS365Error):
    code = "Conflict"
    status = 409
