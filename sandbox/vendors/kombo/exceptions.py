"""Kombo's errors: one envelope, ``{"status": "error", "error": {code, title, message, log_url}}``.

Kombo tells clients to branch on ``code``, never on the HTTP status, and does not pin statuses;
the statuses chosen here are listed in the package docstring. Every code is one of the
``PLATFORM.*`` values the published document's general error schema enumerates.
"""

from __future__ import annotations

from typing import ClassVar, Final

from starlette.responses import Response

from sandbox.http import JSONResponse
from sandbox.vendors.base import VendorError

#: a static, human-readable label per code (the envelope's ``title``)
TITLES: Final = {
    "PLATFORM.AUTHENTICATION_INVALID": "The API key is invalid.",
    "PLATFORM.INTEGRATION_NOT_FOUND": "The integration could not be found.",
    "PLATFORM.INPUT_INVALID": "The input is invalid.",
    "PLATFORM.CONCURRENCY_LIMIT_EXCEEDED": "Too many concurrent action requests.",
    "PLATFORM.RATE_LIMIT_EXCEEDED": "Too many requests.",
    "PLATFORM.UNKNOWN_ERROR": "An unknown error occurred.",
    "REMOTE.INPUT_INVALID": "The remote system refused the input.",
    "LMS.COURSE_UPDATE_NOT_SUPPORTED": "The course cannot be updated.",
}


def error_body(code: str, message: str) -> dict[str, object]:
    return {
        "status": "error",
        "error": {"code": code, "title": TITLES.get(code), "message": message, "log_url": None},
    }


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    return JSONResponse(error_body(code, message), status_code=status, headers=headers)


def platform_code(status: int) -> str:
    """The code of an error the platform raised (unknown route, wrong method, body too big)."""
    if status >= 500:
        return "PLATFORM.UNKNOWN_ERROR"
    if status == 401:
        return "PLATFORM.AUTHENTICATION_INVALID"
    if status == 429:
        return "PLATFORM.RATE_LIMIT_EXCEEDED"
    return "PLATFORM.INPUT_INVALID"


class KomboError(VendorError):
    """Base of Kombo's errors: its ``code`` and HTTP ``status``; ``headers`` go on the answer."""

    code: ClassVar[str] = "PLATFORM.UNKNOWN_ERROR"
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.headers: dict[str, str] = {}

    def render(self) -> Response:
        headers = dict(self.headers)
        if self.status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return error_response(self.status, self.code, self.message, headers or None)


class AuthenticationInvalid(KomboError):
    code = "PLATFORM.AUTHENTICATION_INVALID"
    status = 401


class IntegrationNotFound(KomboError):
    code = "PLATFORM.INTEGRATION_NOT_FOUND"
    status = 404


class InputInvalid(KomboError):
    code = "PLATFORM.INPUT_INVALID"
    status = 400


class NotFound(InputInvalid):
    """An id in the path that names no record (Kombo has no not-found code: INPUT_INVALID)."""

    status = 404


class ConcurrencyLimitExceeded(KomboError):
    code = "PLATFORM.CONCURRENCY_LIMIT_EXCEEDED"
    status = 429
