"""Named rules: one question ("may this person manage this event?") answered in one place.

Every per-object rule is a function `(user, obj) -> bool` registered here under a short
name, so that views, services and templates ask the same rule by the same name:
`can(user, "manage", event)` in Python, `can("see_iin", person)` in templates (for the
signed-in person). Templates never test roles themselves.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_login import current_user

from school.permissions.routes import rule_for

RULES: dict[str, Callable[[object, object], bool]] = {}


def named(name: str):
    """Register the decorated `(user, obj) -> bool` rule under `name`."""

    def register(rule):
        if name in RULES:
            raise ValueError(f"permission rule {name!r} is declared twice")
        RULES[name] = rule
        return rule

    return register


def signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def can(user, name: str, obj=None) -> bool:
    """Whether `user` passes the rule `name` for `obj` (KeyError for an unknown name, so a
    typo fails loudly instead of hiding a button)."""
    return bool(RULES[name](user, obj))


def can_here(name: str, obj=None) -> bool:
    """`can` for the signed-in person: the templates' `can(name, obj)`."""
    return can(current_user, name, obj)


@named("open")
def opens(user, endpoint) -> bool:
    """The page `endpoint` would let `user` in (its `@allow` rule): a link is shown exactly
    to those its page admits."""
    rule = rule_for(endpoint)
    if rule is None:
        raise KeyError(f"no such endpoint or no rule declared: {endpoint}")
    return rule.allows(user)
