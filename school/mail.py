"""Mail in the recipient's language: console in development, an outbox in tests."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale
from flask_mailman import EmailMessage


def send_mail(to: str, template: str, *, locale: str | None = None, **context) -> None:
    """Render templates/mail/<template>.subject.txt and .txt in `locale` and send them."""
    build_message(to, template, locale=locale, **context).send()


def build_message(to: str, template: str, *, locale: str | None = None,
                  **context) -> EmailMessage:
    """The letter rendered in `locale` (ru when unknown), ready to send now or later."""
    locale = locale if locale in ("ru", "kk", "en") else "ru"
    with force_locale(locale):
        subject = render_template(f"mail/{template}.subject.txt", **context).strip()
        body = render_template(f"mail/{template}.txt", **context)
    message = EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=current_app.config["MAIL_DEFAULT_SENDER"],
        to=[to],
    )
    return message
