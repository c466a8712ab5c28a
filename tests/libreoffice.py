"""LibreOffice (headless) as a reader of our exports: files converted in ONE soffice call
(each start costs seconds), to a format openpyxl reads back with cell types and formats."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

needs_libreoffice = pytest.mark.skipif(
    not shutil.which("soffice"),
    reason="LibreOffice reads the file back (scripts/setup test installs libreoffice-calc-nogui)")

# CSV import: separator (44 = comma), text delimiter ", UTF-8 (76), from line 1, standard
# cells, language, quoted fields as text?, detect special numbers?, …
CSV_COMMA_TEXT_QUOTED = "CSV:44,34,76,1,,0,true,true,false,false,false,-1"


def convert(sources: list[Path], outdir: Path, *, to: str = "xlsx",
            infilter: str | None = None, timeout: int = 180) -> list[Path]:
    """`sources` converted by LibreOffice into `outdir` (same stem, extension `to`), in one
    process with its own throw-away profile; the converted paths, in order."""
    outdir.mkdir(parents=True, exist_ok=True)
    command = ["soffice", "--headless",
               f"-env:UserInstallation=file://{outdir.resolve()}/lo-profile"]
    if infilter:
        command.append(f"--infilter={infilter}")
    command += ["--convert-to", to, "--outdir", str(outdir), *map(str, sources)]
    subprocess.run(command, check=True, capture_output=True, timeout=timeout)
    converted = [outdir / f"{Path(s).stem}.{to}" for s in sources]
    missing = [p.name for p in converted if not p.exists()]
    assert not missing, f"LibreOffice did not convert {missing}"
    return converted
