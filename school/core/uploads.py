"""Uploaded files kept between their preview and the confirmation that applies them.

An import is previewed first and applied only when the person confirms; what is applied
must be exactly what was shown, so the file is kept on the server by its sha256 (the
session holds only the digest) and taken — read and deleted — on confirmation.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from flask import current_app

_DIGEST = re.compile(r"[0-9a-f]{64}")


def _path(kind: str, digest: str) -> Path:
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(exist_ok=True)
    return folder / f"{kind}-{digest}.bin"


def keep_upload(kind: str, data: bytes) -> str:
    """Store `data` and return its digest, to put in the session."""
    digest = hashlib.sha256(data).hexdigest()
    _path(kind, digest).write_bytes(data)
    return digest


def take_upload(kind: str, digest: str | None) -> bytes | None:
    """The kept file, removed from the server; None when it is gone or the digest is odd."""
    if not digest or not _DIGEST.fullmatch(digest):
        return None
    path = _path(kind, digest)
    if not path.exists():
        return None
    data = path.read_bytes()
    path.unlink(missing_ok=True)
    return data
