"""What the product refuses, said once: a message for the user (Chinese), a stable code, and
the HTTP status the API answers with (api/errors.py maps every DomainError the same way)."""


class DomainError(Exception):
    status = 422
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, details: list[dict] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.details = details  # e.g. the rows of a refused import


class Invalid(DomainError):
    """Input the domain cannot take (422)."""


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    """A step not allowed in the current state, or a job already running (409)."""
    status = 409
    code = "conflict"
