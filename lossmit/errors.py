"""The one error type services raise when a rule or state refuses an action."""


class DomainError(Exception):
    """A refused action: `code` for machines, `message` for people, `fields` for form errors.

    `status` is the HTTP status the API answers with: 409 for a rule or state conflict,
    400 for bad input, 403 for a permission refusal, 404 for unknown or not visible.
    """

    status = 409

    def __init__(
        self, code: str, message: str, *, fields: dict[str, list[str]] | None = None, status: int | None = None
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}
        if status is not None:
            self.status = status


class PermissionRefused(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class BadInput(DomainError):
    status = 400
