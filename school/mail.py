"""Mail in the recipient's language: console in development, an outbox in tests.

Every letter has a plain-text part and an HTML part made from the same template; subjects
are RFC 2047 encoded words of at most 75 characters with no leading space once decoded, and
the Message-ID names the school's own domain, not the machine's.
"""

from __future__ import annotations

import re
from email.header import Header
from email.message import Message
from email.utils import make_msgid
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale
from flask_mailman import EmailMultiAlternatives
from markupsafe import Markup, escape

from school.core.text import one_line

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
