"""An IIN already on someone else's account: the same answer as for a free one.

Registration, the profile and lists used to say "an account with this IIN already exists",
so anyone could confirm whose number is registered. Now the form succeeds as usual and the
IIN is simply not stored on the second account; the holder is told by mail (with the other
account's e-mail, so they can report it) and the claimant's mailbox is told why the IIN is
missing. The attempt is audited. Learning the answer thus costs an account and a mailbox
and warns the number's owner each time.
"""

from __future__ import annotations

from sqlalchemy import select

from school.accounts.models import User
from school.audit.services import record
from school.extensions import db


def holder_of(iin: str | None, user: User | None) -> User | None:
    """The other account that already holds `iin`, if any."""
    if not iin:
        return None
    holder = db.session.scalar(select(User).where(User.iin == iin))
    if holder is None or (user is not None and holder.id == user.id):
        return None
    return holder


def refuse_quietly(claimant: User, holder: User, *, actor: User | None = None) -> None:
    """Audit the attempt and mail both people once the transaction commits."""
    from school.accounts import claims
    from school.mail import absolute_url, queue_mail

    record(actor or claimant, "user.iin_conflict", holder, claimant_id=claimant.id)
    if claims.claimable(holder) and actor is None:
        # A coordinator entered the number's owner, who now registers: a way into the
        # account that already holds their records (issue 13), at its own address.
        claims.send_claim_link(holder, queued=True)
    else:
        queue_mail(holder.email, "iin_claimed", locale=holder.locale, user=holder,
                   claimant_email=claimant.email)
    queue_mail(claimant.email, "iin_not_saved", locale=claimant.locale, user=claimant,
               link=absolute_url("accounts.profile"))
