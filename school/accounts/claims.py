"""A way in for people a coordinator already entered (issue 13).

Someone who registers with the e-mail or the IIN of an account a coordinator created (one
that never had a password) is not refused at a dead end: the account's mailbox receives a
link to claim it, the same signed, expiring, single-use link as the invitation (it dies
once a password is set, school/accounts/services.py `make_reset_token`).
"""

from __future__ import annotations

from school.accounts.models import User
from school.accounts.services import find_by_email, make_reset_token
from school.audit.services import record


def claimable(user: User | None) -> bool:
    return (user is not None and user.active and user.password_hash is None
            and user.anonymised_at is None)


def claimable_by_email(email: str) -> User | None:
    user = find_by_email(email or "")
    return user if claimable(user) else None


def claim_link(user: User) -> str:
    from school.mail import absolute_url

    return absolute_url("accounts.reset_password",
                        token=make_reset_token(user, purpose="invite"), invite=1)


def send_claim_link(user: User, *, queued: bool = False) -> None:
    """Mail the claim link to the account's own address (now, or after the commit)."""
    from school.mail import queue_mail, send_mail

    # One link a day is enough: registering again and again must not flood the owner.
    if _sent_today(user):
        return
    record(None, "user.claim_link_sent", user)
    (queue_mail if queued else send_mail)(user.email, "account_claim", locale=user.locale,
                                          user=user, link=claim_link(user))


def _sent_today(user: User) -> bool:
    from datetime import timedelta

    from sqlalchemy import select

    from school.audit.models import AuditEntry
    from school.dbtypes import utcnow
    from school.extensions import db

    return db.session.scalar(
        select(AuditEntry.id).where(AuditEntry.action == "user.claim_link_sent",
                                    AuditEntry.object_type == User.__tablename__,
                                    AuditEntry.object_id == user.id,
                                    AuditEntry.created_at > utcnow() - timedelta(days=1))
        .limit(1)) is not None
