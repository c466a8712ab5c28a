"""What a mail client would object to in a message the app sent (RFC 5322 / 2045 / 2047)."""

from __future__ import annotations

import email
import re
from email import policy

ENCODED_WORD = re.compile(rb"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")


def mail_problems(message) -> list[str]:
    """Problems of one flask-mailman message as it would go out on the wire."""
    raw = message.message().as_bytes(linesep="\r\n")
    parsed = email.message_from_bytes(raw, policy=policy.default)
    problems = []
    for part in parsed.walk():
        problems += [f"{part.get_content_type()}: {d!r}" for d in part.defects]
    header_block = raw.split(b"\r\n\r\n", 1)[0]
    problems += [
        f"encoded word of {len(w)} > 75" for w in ENCODED_WORD.findall(header_block) if len(w) > 75
    ]
    subject = str(parsed["subject"] or "")
    if not subject or subject != subject.strip():
        problems.append(f"subject empty or padded: {subject!r}")
    if "@localhost" in str(parsed["message-id"]):
        problems.append("Message-ID at localhost")
    types = {part.get_content_type() for part in parsed.walk()}
    if not {"text/plain", "text/html"} <= types:
        problems.append(f"parts: {sorted(types)}")
    return problems
