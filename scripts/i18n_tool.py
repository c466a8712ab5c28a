"""Helpers for scripts/i18n: list untranslated entries, merge translations from a JSON file.

`add FILE.json` takes {"English msgid": {"ru": "…", "kk": "…"}} (a plural entry is keyed by
its singular id and gives a list of forms: three for ru, two for kk; an entry with a
pgettext context is keyed "context\u0004msgid", as gettext itself joins them). Several people add
translations at once, so scripts/i18n runs this under a lock after re-extracting.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

DIR = Path(__file__).resolve().parent.parent / "school" / "translations"


def _load(lang: str):
    path = DIR / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        return path, read_po(fh, locale=lang)


def _save(path: Path, catalog) -> None:
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100, omit_header=False)


def _empty(message) -> bool:
    forms = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
    return message.fuzzy or not forms or any(not (f or "").strip() for f in forms)


def missing() -> int:
    count = 0
    for lang in ("ru", "kk"):
        _path, catalog = _load(lang)
        for message in catalog:
            if message.id and _empty(message):
                key = message.id[0] if isinstance(message.id, tuple) else message.id
                if message.context:
                    key = f"{message.context}\x04{key}"
                print(f"{lang}\t{json.dumps(key, ensure_ascii=False)}")
                count += 1
    return count


def add(source: Path) -> None:
    wanted = json.loads(source.read_text(encoding="utf-8"))
    for lang in ("ru", "kk"):
        path, catalog = _load(lang)
        for message in catalog:
            if not message.id:
                continue
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            if message.context:
                key = f"{message.context}\x04{key}"
            entry = wanted.get(key, {}).get(lang)
            if entry is None:
                continue
            if message.pluralizable:
                forms = list(entry) if isinstance(entry, list) else [entry]
                while len(forms) < catalog.num_plurals:
                    forms.append(forms[-1])
                message.string = tuple(forms[: catalog.num_plurals])
            else:
                message.string = entry if isinstance(entry, str) else entry[0]
            message.flags.discard("fuzzy")
        _save(path, catalog)


if __name__ == "__main__":
    if sys.argv[1:2] == ["missing"]:
        sys.exit(1 if missing() else 0)
    if sys.argv[1:2] == ["add"] and len(sys.argv) == 3:
        add(Path(sys.argv[2]))
        sys.exit(0)
    sys.exit("usage: i18n_tool.py missing | add FILE.json")
