"""What a mailbox test answers when the server says no (core.errors maps them to HTTP)."""

from core.errors import DomainError


class ServerAnswered(DomainError):
    """The mail server refused or could not be reached; `answer` is what it said, `code` its
    reply code when it gave one."""

    def __init__(self, message: str, *, answer: str = "", code: int | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.answer = answer
        self.code = code

    def as_dict(self) -> dict:
        return {"detail": self.message, "code": self.code, "answer": self.answer}


class LoginRefused(ServerAnswered):
    """The server refused the mailbox's username and password: the mailbox's settings must
    change."""

    status_code = 400


class ServerUnavailable(ServerAnswered):
    """The server could not be reached, or refused the message (a bad gateway)."""

    status_code = 502
