"""Consent to personal-data processing (Law of the RK No. 94-V of 21 May 2013).

People who register consent on the form. People a coordinator entered (a nomination list)
and people who withdrew are `consent_pending`: at their next sign-in the consent page comes
before any other page (`gate`), and until they accept, mail to them is limited to the
invitation (`mail_allowed`, called by school/mail.py). Accepting records the text version,
the time and the client's address; declining is recorded in the audit log and signs out.
"""

from __future__ import annotations

from flask import current_app, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import event, select

from school.accounts.models import ConsentRecord, User
from school.audit.services import record
from school.errors import DomainError
from school.extensions import db

# Letters a person without consent may still receive: the way in and the way to consent.
MAIL_WITHOUT_CONSENT = frozenset({
    "enrollment_invite", "account_claim", "password_reset", "iin_claimed", "iin_not_saved",
})

# Pages reachable before consenting: the consent page itself, signing out, the language.
GATE_EXEMPT = frozenset({
    "static", "accounts.consent", "accounts.consent_decline", "accounts.logout",
    "core.set_language", "core.healthz", "bootstrap.static",
})


def needs_consent(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.consent_pending)


def state(user: User) -> str:
    """given | pending | withdrawn, from the person's own columns (no query)."""
    if user.consent_withdrawn_at is not None:
        return "withdrawn"
    if user.consent_pending:
        return "pending"
    return "given"


def gate():
    """before_request: a signed-in person who owes the consent sees only the consent page."""
    if request.endpoint in GATE_EXEMPT or request.endpoint is None:
        return None
    if not needs_consent(current_user):
        return None
    return redirect(url_for("accounts.consent", next=request.full_path.rstrip("?")))


def accept(user: User, *, locale: str, ip_address: str | None) -> ConsentRecord:
    """Record consent to the current text; the person may use the school again."""
    if not user.consent_pending and user.current_consent is not None:
        raise DomainError("consent_given", _l("You have already given your consent."))
    consent = ConsentRecord(
        text_version=current_app.config["CONSENT_VERSION"], locale=locale,
        ip_address=(ip_address or "")[:45] or None,
    )
    user.consents.append(consent)
    user.consent_pending = False
    user.consent_withdrawn_at = None
    db.session.flush()
    record(user, "user.consent_given", user, version=consent.text_version)
    return consent


def decline(user: User, *, ip_address: str | None) -> None:
    """Record the refusal; nothing else changes (the person stays pending)."""
    if not user.consent_pending:
        raise DomainError("consent_given", _l("You have already given your consent."))
    record(user, "user.consent_declined", user,
           version=current_app.config["CONSENT_VERSION"], ip=(ip_address or "")[:45])


def mail_allowed(to: str | None, template: str, context: dict | None = None) -> bool:
    """Whether a letter `template` may go to `to`: people who owe their consent (or withdrew
    it) get only the letters that let them in; anonymised people get nothing. The person is
    looked for among the letter's own records first (no query for a list of letters)."""
    if not to or template in MAIL_WITHOUT_CONSENT:
        return True
    for value in (context or {}).values():
        if isinstance(value, User) and "email" in value.__dict__ and value.email == to:
            return not value.consent_pending and value.anonymised_at is None
    row = db.session.execute(
        select(User.consent_pending, User.anonymised_at).where(User.email == to.lower())
    ).first()
    if row is None:
        return True  # not a person of ours (an employer, a mailbox from the settings)
    return not row.consent_pending and row.anonymised_at is None


@event.listens_for(db.session, "before_flush")
def _guard_people(session, _context, _instances) -> None:
    """An account created without a password was entered by someone else (a nomination
    list, a coordinator's search, an import): its person owes the consent before anything
    else. (The other rule kept where every path passes, "nobody enrols a person who withdrew
    their consent", is the enrolment feature's: school/enrollment/people.py.)"""
    for obj in session.new:
        if isinstance(obj, User) and obj.password_hash is None and not obj.consents:
            obj.consent_pending = True
