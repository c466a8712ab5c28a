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


class DomainErrors(DomainError):
    """Several broken rules at once (at most one per form field), so a form can show them
    all. It reads as its first error: code, message and field are the first one's."""

    def __init__(self, errors: list[DomainError]):
        first = errors[0]
        super().__init__(first.code, first.message, field=first.field, status=first.status)
        self.errors = errors


class Problems:
    """Runs independent checks and keeps their refusals instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[DomainError] = []

    def ok(self, check, *args) -> bool:
        try:
            check(*args)
        except DomainError as e:
            self._keep(e)
            return False
        return True

    def value(self, check, *args):
        """check(*args), or None when it refused."""
        try:
            return check(*args)
        except DomainError as e:
            self._keep(e)
            return None

    def _keep(self, error: DomainError) -> None:
        if error.field is None or all(e.field != error.field for e in self.errors):
            self.errors.append(error)

    def raise_any(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise DomainErrors(self.errors)
