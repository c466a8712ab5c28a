"""Issue 11, items 13 and 9: upload previews (names, IINs, phones) are readable by the app
only, expire after UPLOAD_TTL, are purged on each new upload and by `flask purge-uploads`;
a confirmation that fails leaves the preview to confirm again."""

from __future__ import annotations

import io
import os
import stat
import time
from pathlib import Path

import pytest

from school.core.uploads import keep_upload, purge_uploads, read_upload, take_upload
from school.enrollment import nominations
from tests.enrollment.conftest import statuses
from tests.enrollment.test_nominations import csv_file


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _age(path: Path, seconds: int) -> None:
    past = time.time() - seconds
    os.utime(path, (past, past))


def test_kept_files_are_private(app):
    with app.test_request_context():
        digest = keep_upload("nominations", b"secret IINs")
        folder = Path(app.instance_path) / "uploads"
        path = folder / f"nominations-{digest}.bin"
        assert _mode(path) == 0o600
        assert _mode(folder) == 0o700
        # A file kept by an older version with a wider mode is narrowed when kept again.
        path.chmod(0o644)
        keep_upload("nominations", b"secret IINs")
        assert _mode(path) == 0o600


def test_previews_expire_and_are_purged(app):
    app.config["UPLOAD_TTL"] = 3600
    with app.test_request_context():
        folder = Path(app.instance_path) / "uploads"
        old = keep_upload("orgs", b"old list")
        old_path = folder / f"orgs-{old}.bin"
        _age(old_path, 3601)
        assert read_upload("orgs", old) is None  # expired: never read again
        assert not old_path.exists()

        stale = keep_upload("orgs", b"stale list")
        _age(folder / f"orgs-{stale}.bin", 7200)
        fresh = keep_upload("nominations", b"fresh list")  # each new upload purges
        assert not (folder / f"orgs-{stale}.bin").exists()
        assert read_upload("nominations", fresh) == b"fresh list"
        assert read_upload("nominations", fresh) == b"fresh list"  # reading keeps it
        assert take_upload("nominations", fresh) == b"fresh list"
        assert read_upload("nominations", fresh) is None

        forgotten = keep_upload("orgs", b"forgotten")
        _age(folder / f"orgs-{forgotten}.bin", 4000)
        assert purge_uploads() == 1
        assert read_upload("orgs", "../../etc/passwd") is None


def test_purge_command(app):
    with app.test_request_context():
        digest = keep_upload("orgs", b"list")
        _age(Path(app.instance_path) / "uploads" / f"orgs-{digest}.bin", 99999)
    result = app.test_cli_runner().invoke(args=["purge-uploads"])
    assert result.exit_code == 0 and "removed: 1" in result.output


def test_a_failed_confirmation_keeps_the_preview(client, login, make_event, people,
                                                 monkeypatch):
    event = make_event()
    login(people["coord_a"])
    good = csv_file("Алиев Али,ali@example.kz,,,,chair")
    response = client.post(f"/events/{event.id}/nominate/upload",
                           data={"file": (io.BytesIO(good), "list.csv")},
                           content_type="multipart/form-data")
    assert "nominate/confirm" in response.get_data(as_text=True)

    def crash(*_args, **_kwargs):
        raise RuntimeError("the worker died mid-import")

    monkeypatch.setattr(nominations, "apply", crash)
    with pytest.raises(RuntimeError):
        client.post(f"/events/{event.id}/nominate/confirm")
    monkeypatch.undo()
    assert statuses(event) == []
    response = client.post(f"/events/{event.id}/nominate/confirm")
    assert response.status_code == 302
    assert statuses(event) == ["confirmed"]
    # Applied once: the preview is gone after the success.
    client.post(f"/events/{event.id}/nominate/confirm")
    assert statuses(event) == ["confirmed"]
