"""The one exception services raise for a broken business rule."""

from __future__ import annotations


class DomainError(Exception):
    """A rule refused the request.

    `code` is stable and asserted by tests; `message` is already translated (lazy) for the
    person who sees it, so translators can change the wording without breaking tests.
    `field` names the form field to attach the message to, when there is one.
    """

    def __init__(self, code: str, message, field: str | None = None, status: int = 400):
        super().__init__(code)
        self.code = code
        self.message = message
        self.field = field
        self.status = status

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"
