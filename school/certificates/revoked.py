"""A revoked certificate's PDF as its holder or staff download it: the stored original with
a stamp drawn over every page («ОТОЗВАН / КҮШІ ЖОЙЫЛДЫ», the date, "not valid").

The stored bytes and their sha256 stay as issued (the registry and the verification page
rely on them); the stamped copy is made at download time and never stored.
"""

from __future__ import annotations

import io
from datetime import date

from school import pdf

STAMP_RU = "ОТОЗВАН"
STAMP_KK = "КҮШІ ЖОЙЫЛДЫ"

_STAMP_HTML = """<!doctype html><html><head><meta charset="utf-8"></head><body>
<div style="position: absolute; top: 62mm; left: 0; right: 0; text-align: center;
  color: rgba(190, 20, 20, 0.62); font-weight: bold;">
<div style="display: inline-block; border: 1.4mm solid rgba(190, 20, 20, 0.62);
  padding: 3mm 9mm; line-height: 1.25;">
<div style="font-size: 32pt; letter-spacing: 1mm; white-space: nowrap;">{kk} / {ru}</div>
<div style="font-size: 13pt;">{day} · Сертификат жарамсыз / Сертификат недействителен</div>
</div></div></body></html>"""


def stamp_html(revoked_on: date) -> str:
    return _STAMP_HTML.format(kk=STAMP_KK, ru=STAMP_RU, day=revoked_on.strftime("%d.%m.%Y"))


def marked(original: bytes, revoked_on: date) -> bytes:
    """`original` with the revocation stamp over each page."""
    from pypdf import PdfReader, PdfWriter

    stamp = PdfReader(io.BytesIO(pdf.render_pdf(stamp_html(revoked_on), "certificate")))
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(original)))
    for page in writer.pages:
        page.merge_page(stamp.pages[0], over=True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
