"""Domain errors: raised by services, mapped to HTTP once (API) and to messages (dashboard)."""


class DomainError(Exception):
    """A request the domain refuses. `field` names the input at fault, when there is one."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def as_dict(self) -> dict:
        if self.field:
            return {self.field: [self.message]}
        return {"detail": self.message}


class InvalidInput(DomainError):
    status_code = 400


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    """The request is well-formed but the current state of the data forbids it."""

    status_code = 409


class Forbidden(DomainError):
    """The caller's role does not allow the change."""

    status_code = 403
