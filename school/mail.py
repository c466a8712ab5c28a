"""Mail in the recipient's language: console in development, an outbox in tests.

Every letter has a plain-text part and an HTML part made from the same template; subjects
are RFC 2047 encoded words of at most 75 characters with no leading space once decoded, and
the Message-ID names the school's own domain, not the machine's.

Most letters leave only when the transaction that caused them commits (`queue_mail`).
Services decide who is told what while they hold their locks, but a rolled-back enrolment
must not have mailed anyone ("you are confirmed" for a seat that never was). So a letter is
rendered at once (in the recipient's language, while its records are loaded) and queued on
the session; it is sent after COMMIT and dropped on ROLLBACK.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.header import Header
from email.message import Message
from email.utils import make_msgid
from urllib.parse import urlsplit

from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale
from flask_mailman import EmailMultiAlternatives
from markupsafe import Markup, escape
from sqlalchemy import event

from school.core.text import one_line
from school.extensions import db, reset_write_intent, set_write_intent

_URL = re.compile(r"https?://[^\s<>\"»]+")


class SchoolMessage(EmailMultiAlternatives):
    """flask-mailman's message with two headers written as RFC 5322 / 2047 want them."""

    def message(self):  # what every backend (SMTP, console, outbox) sends or checks
        msg = super().message()
        if not self.subject.isascii():
            # flask-mailman folds encoded words to 76 characters (RFC 2047 allows 75) and
            # starts the header with a fold, which decodes as a leading space; the modern
            # email API drops the space between words at a fold (CPython 3.11). The legacy
            # Header, told the header's name and a 76-character line, gets both right. It is
            # already folded, so it bypasses flask-mailman's refusal of line breaks.
            del msg["Subject"]
            Message.__setitem__(msg, "Subject", Header(
                self.subject, "utf-8", header_name="Subject"
            ).encode(maxlinelen=76))
        del msg["Message-ID"]
        msg["Message-ID"] = make_msgid(domain=message_id_domain())
        return msg


def message_id_domain() -> str:
    """MAIL_MESSAGE_ID_DOMAIN, else the host of BASE_URL (never the machine's own name)."""
    config = current_app.config
    return config.get("MAIL_MESSAGE_ID_DOMAIN") or urlsplit(
        config.get("BASE_URL") or "http://school.local"
    ).hostname or "school.local"


def text_to_html(text: str, lang: str) -> str:
    """The HTML part: the same words, paragraphs kept, addresses made into links."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = []
        for line in block.splitlines():
            parts, last = [], 0
            for match in _URL.finditer(line):
                parts.append(escape(line[last:match.start()]))
                url = match.group(0)
                parts.append(Markup('<a href="{0}">{0}</a>').format(url))
                last = match.end()
            parts.append(escape(line[last:]))
            lines.append(Markup("").join(parts))
        paragraphs.append(Markup("<br>\n").join(lines))
    return render_template("mail/_layout.html", paragraphs=paragraphs, lang=lang)


def send_mail(to: str, template: str, *, locale: str | None = None, **context) -> None:
    """Render templates/mail/<template>.subject.txt and .txt in `locale` and send them."""
    build_message(to, template, locale=locale, **context).send()


def build_message(to: str, template: str, *, locale: str | None = None,
                  **context) -> SchoolMessage:
    """The letter rendered in `locale` (ru when unknown), ready to send now or later."""
    locale = locale if locale in ("ru", "kk", "en") else "ru"
    with force_locale(locale):
        subject = render_template(f"mail/{template}.subject.txt", **context).strip()
        body = render_template(f"mail/{template}.txt", **context)
        html = text_to_html(body, locale)
    from school.accounts.consent import mail_allowed

    message = SchoolMessage(
        subject=one_line(subject),
        body=body,
        from_email=current_app.config["MAIL_DEFAULT_SENDER"],
        # Without the person's consent only the invitation goes out (issue 13): a letter
        # with no recipient is never sent.
        to=[to] if mail_allowed(to, template, context) else [],
    )
    message.attach_alternative(html, "text/html")
    return message


# --- letters sent after the commit ---------------------------------------------------------

_QUEUE_KEY = "outgoing_mail"
_LATER_KEY = "outgoing_mail_unrendered"  # (to, template, locale, context) of this transaction
_READY_KEY = "outgoing_mail_committed"  # the same, committed: rendered after the request
_suppressed: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "mail_suppressed", default=False
)


class Later:
    """A letter's value worked out when the letter is rendered, after COMMIT (a waiting-list
    position: counting the queue need not happen under the event's lock)."""

    def __init__(self, compute: Callable[[], object]):
        self.compute = compute


def queue_mail(to: str | None, template: str, *, locale: str | None = None,
               attachments=(), after_commit: bool = False, **context) -> None:
    """Render a letter now and send it after the current transaction commits;
    `attachments`: (file name, content, MIME type) triples.

    `after_commit=True` (letters written under an event's lock): inside a request, the
    letter is rendered only once the transaction committed, from the rows as committed,
    so the lock is not held while templates render (issue 15). Values wrapped in `Later`
    are worked out then. Outside a request (CLI, jobs) it is rendered at once."""
    if not to or _suppressed.get():
        return
    if after_commit and has_request_context() and not attachments:
        db.session().info.setdefault(_LATER_KEY, []).append((to, template, locale, context))
        return
    context = {k: v.compute() if isinstance(v, Later) else v for k, v in context.items()}
    message = build_message(to, template, locale=locale, **context)
    for name, content, mimetype in attachments:
        message.attach(name, content, mimetype)
    db.session().info.setdefault(_QUEUE_KEY, []).append(message)


def pending_mail() -> list:
    return list(db.session().info.get(_QUEUE_KEY, []))


@contextmanager
def mail_suppressed() -> Iterator[None]:
    """Queue nothing inside the block (demo data, bulk maintenance)."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def absolute_url(endpoint: str, **values) -> str:
    """BASE_URL + the path of `endpoint`, inside a request or not (CLI, jobs)."""
    if has_request_context():
        path = url_for(endpoint, _external=False, **values)
    else:
        path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["BASE_URL"] + path


@event.listens_for(db.session, "after_commit")
def _send_after_commit(session) -> None:
    # SQLAlchemy fires after_commit when a SAVEPOINT is released too (each person of a
    # nomination list is enrolled in one): only the outermost COMMIT may send.
    if session.in_nested_transaction():
        return
    if later := session.info.pop(_LATER_KEY, None):
        session.info.setdefault(_READY_KEY, []).extend(later)
    messages = session.info.pop(_QUEUE_KEY, None)
    for message in messages or ():
        try:
            message.send()
        except Exception:  # a mail server hiccup must not undo a committed enrolment
            current_app.logger.exception("could not send mail to %s", message.to)


@event.listens_for(db.session, "after_transaction_end")
def _drop_unsent(session, transaction) -> None:
    # After COMMIT the letters are already gone; after ROLLBACK or close() they must not
    # leak into the next transaction. A savepoint ending leaves the outer one's letters.
    if transaction.parent is None:
        session.info.pop(_QUEUE_KEY, None)
        session.info.pop(_LATER_KEY, None)


def send_committed(response):
    """after_request: render and send the letters queued with `after_commit=True` whose
    transaction committed. The event's lock is gone by now; the rows are read again (a
    plain read: on SQLite it must not take the write lock again)."""
    letters = db.session().info.pop(_READY_KEY, None)
    if not letters:
        return response
    token = set_write_intent(False)
    try:
        for to, template, locale, context in letters:
            try:
                values = {k: v.compute() if isinstance(v, Later) else v
                          for k, v in context.items()}
                build_message(to, template, locale=locale, **values).send()
            except Exception:  # the change stands; the letter is logged as lost
                current_app.logger.exception("could not send mail %s to %s", template, to)
    finally:
        reset_write_intent(token)
    return response
