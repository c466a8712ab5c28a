"""The holder is told when a certificate is revoked (moved here from the enrolment notices:
certificates sit above enrolment, whose mail queue they use).

The receiver only notes the certificate; the letter is composed when the outermost
transaction is about to COMMIT, so that a reissue (revoke, then issue anew in the same
transaction) is told as a replacement, and it leaves only after that COMMIT through the
enrolment's mail queue (school/enrollment/notify.py), which drops it on ROLLBACK.
"""

from __future__ import annotations

from sqlalchemy import event as sa_event

from school import signals
from school.certificates.models import Certificate
from school.extensions import db
from school.mail import absolute_url, queue_mail

_REVOKED = "notices_revoked"  # certificate ids whose `certificate_revoked` was signalled


@signals.certificate_revoked.connect
def _on_certificate_revoked(_sender=None, *, certificate, **_kw) -> None:
    db.session().info.setdefault(_REVOKED, set()).add(certificate.id)


@sa_event.listens_for(db.session, "before_commit")
def _compose(session) -> None:
    if session.in_nested_transaction():
        return
    for certificate_id in sorted(session.info.pop(_REVOKED, set())):
        _tell_revoked(certificate_id)


@sa_event.listens_for(db.session, "after_transaction_end")
def _forget(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_REVOKED, None)


def _tell_revoked(certificate_id: int) -> None:
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or certificate.revoked_at is None:
        return
    user = certificate.enrollment.user
    replacement = (db.session.get(Certificate, certificate.replaced_by_id)
                   if certificate.replaced_by_id else None)
    queue_mail(user.email, "notice_certificate_revoked", locale=user.locale,
               user=user, certificate=certificate, event=certificate.enrollment.event,
               replacement=replacement, my_link=absolute_url("enrollment.my"))
