"""One error tree for every connector.

A raw ``httpx`` exception never reaches a caller: the connector base maps each failure to one of
these, always with ``raise ... from err`` so the cause stays inspectable::

    LmsError                      vendor, message; base of everything below
    ├── UnsupportedOperationError the connector's capabilities do not include the operation
    ├── LmsConnectionError        the request did not complete (DNS, refused, reset, TLS)
    │   └── LmsTimeoutError       connect, read, write or pool timeout
    └── ApiError                  the vendor answered with an error status
        ├── BadRequestError       400, 405, 413, 415, 422 and other 4xx not listed here
        ├── AuthenticationError   401 (and OAuth ``invalid_client`` / ``invalid_grant``)
        ├── PermissionDeniedError 403
        ├── NotFoundError         404
        ├── ConflictError         409 (and vendors' "already exists" answers)
        ├── RateLimitError        429; ``retry_after`` in seconds when the vendor said
        └── ServerError           5xx

Every ``ApiError`` carries the HTTP ``status`` and the vendor's own ``code`` and ``message``.
Messages never contain credentials or tokens.
"""

from __future__ import annotations


class LmsError(Exception):
    """Base of every error a connector raises."""

    def __init__(self, message: str, *, vendor: str) -> None:
        super().__init__(message)
        self.vendor = vendor
        self.message = message

    def __str__(self) -> str:
        return f"{self.vendor}: {self.message}"


class UnsupportedOperationError(LmsError):
    """The vendor has no way to do this; raised before any request is made."""


class LmsConnectionError(LmsError):
    """The request could not be sent or its answer could not be read."""


class LmsTimeoutError(LmsConnectionError):
    """The vendor did not answer in time."""


class ApiError(LmsError):
    """The vendor answered with an error status."""

    def __init__(
        self,
        message: str,
        *,
        vendor: str,
        status: int,
        code: str | None = None,
        body: object = None,
    ) -> None:
        super().__init__(message, vendor=vendor)
        self.status = status
        self.code = code
        self.body = body

    def __str__(self) -> str:
        code = f" {self.code}" if self.code else ""
        return f"{self.vendor}: HTTP {self.status}{code}: {self.message}"


class BadRequestError(ApiError):
    pass


class AuthenticationError(ApiError):
    pass


class PermissionDeniedError(ApiError):
    pass


class NotFoundError(ApiError):
    pass


class ConflictError(ApiError):
    pass


class RateLimitError(ApiError):
    def __init__(
        self,
        message: str,
        *,
        vendor: str,
        status: int = 429,
        code: str | None = None,
        body: object = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, vendor=vendor, status=status, code=code, body=body)
        self.retry_after = retry_after


class ServerError(ApiError):
    pass


def error_class_for_status(status: int) -> type[ApiError]:
    """The branch of the tree an HTTP error status belongs to."""
    if status == 401:
        return AuthenticationError
    if status == 403:
        return PermissionDeniedError
    if status == 404:
        return NotFoundError
    if status == 409:
        return ConflictError
    if status == 429:
        return RateLimitError
    if status >= 500:
        return ServerError
    return BadRequestError
