"""Domain signals: what happened, for features that react without being imported.

A feature that changes state sends a signal with the model as sender's keyword arguments;
features that react (webhooks, release requests, questionnaires, notifications) connect a
receiver in their own package. Receivers run inside the sender's transaction: they may add
rows and flush, never commit; work that must wait for the commit (mail, HTTP) is queued with
`after_commit`.

Every signal is sent with keyword arguments named in its docstring.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

enrollment_confirmed = _signals.signal(
    "enrollment-confirmed", doc="enrollment=: a seat was taken (enrolled, approved, promoted)"
)
enrollment_waitlisted = _signals.signal("enrollment-waitlisted", doc="enrollment=")
enrollment_pending = _signals.signal("enrollment-pending", doc="enrollment=: awaits approval")
enrollment_cancelled = _signals.signal(
    "enrollment-cancelled", doc="enrollment=: cancelled or rejected"
)
event_published = _signals.signal("event-published", doc="event=")
event_changed = _signals.signal("event-changed", doc="event=, what=: sessions, venue, link …")
event_cancelled = _signals.signal("event-cancelled", doc="event=")
event_completed = _signals.signal("event-completed", doc="event=: completion was recorded")
certificate_issued = _signals.signal("certificate-issued", doc="certificate=")
certificate_revoked = _signals.signal("certificate-revoked", doc="certificate=")

# A person's records live in many features; accounts decides, each feature acts on its own.
person_merging = _signals.signal(
    "person-merging", doc="keep=, other=, actor=: before any row moves: lock and settle what "
    "would clash (or refuse with a DomainError); returns a list of what was settled"
)
person_merged = _signals.signal(
    "person-merged", doc="keep=, other=: move other's rows to keep; returns {table: rows moved}"
)
person_closed = _signals.signal(
    "person-closed", doc="user=: merged away or anonymised; revoke what lets the account in"
)
consent_withdrawn = _signals.signal(
    "consent-withdrawn", doc="user=, now=: stop processing the person; returns the enrolments "
    "cancelled"
)
# What the catalogue tells the enrolment feature, which it may not import (ARCHITECTURE):
event_cancelling = _signals.signal(
    "event-cancelling",
    doc="event=: the event is being cancelled (sent before event_cancelled): its "
        "enrolments are cancelled and their people told",
)
seats_freed = _signals.signal(
    "seats-freed", doc="event=: a published event gained seats (capacity, a branch quota): "
                       "the waiting list may move up"
)
