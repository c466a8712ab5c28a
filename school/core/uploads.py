"""Uploaded files kept between their preview and the confirmation that applies them.

An import is previewed first and applied only when the person confirms; what is applied
must be exactly what was shown, so the file is kept on the server by its sha256 (the
session holds only the digest). The confirmation reads it (`read_upload`) and deletes it
only once the import succeeded (`drop_upload`), so a failure leaves the preview usable.

The files hold names, IINs and phones: they are readable by the app's user only (0600 in a
0700 folder) and expire after UPLOAD_TTL seconds (an hour by default): an expired file is
never read, and every new upload (or `flask purge-uploads`, e.g. from cron) deletes them.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from pathlib import Path

from flask import current_app

_DIGEST = re.compile(r"[0-9a-f]{64}")
DEFAULT_TTL = 3600


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(mode=0o700, exist_ok=True)
    os.chmod(folder, 0o700)
    return folder


def _path(kind: str, digest: str) -> Path:
    return _folder() / f"{kind}-{digest}.bin"


def _ttl() -> int:
    return int(current_app.config.get("UPLOAD_TTL", DEFAULT_TTL))


def _expired(path: Path, now: float) -> bool:
    return now - path.stat().st_mtime > _ttl()


def purge_uploads(now: float | None = None) -> int:
    """Delete the kept files older than UPLOAD_TTL; returns how many."""
    now = time.time() if now is None else now
    removed = 0
    for path in _folder().glob("*.bin"):
        try:
            if _expired(path, now):
                path.unlink()
                removed += 1
        except FileNotFoundError:  # another worker removed it first
            continue
    return removed


def keep_upload(kind: str, data: bytes) -> str:
    """Store `data` (mode 0600) and return its digest, to put in the session."""
    purge_uploads()
    digest = hashlib.sha256(data).hexdigest()
    path = _path(kind, digest)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        os.fchmod(out.fileno(), 0o600)  # a file left by an older version keeps its mode
        out.write(data)
    os.utime(path)  # the same file uploaded again starts a fresh hour
    return digest


def read_upload(kind: str, digest: str | None) -> bytes | None:
    """The kept file, left in place; None when it is gone, expired or the digest is odd."""
    if not digest or not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
        return None
    path = _path(kind, digest)
    try:
        if _expired(path, time.time()):
            path.unlink(missing_ok=True)
            return None
        return path.read_bytes()
    except FileNotFoundError:
        return None


def drop_upload(kind: str, digest: str | None) -> None:
    if digest and isinstance(digest, str) and _DIGEST.fullmatch(digest):
        _path(kind, digest).unlink(missing_ok=True)


def take_upload(kind: str, digest: str | None) -> bytes | None:
    """The kept file, removed from the server (read and drop in one)."""
    data = read_upload(kind, digest)
    drop_upload(kind, digest)
    return data
