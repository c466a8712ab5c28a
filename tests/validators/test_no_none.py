"""Issue 12, item 7: a missing value never reads "None" on any page of the demo walk (every
role, ru and kk): neither in the text nor in a form field's value."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

pytestmark = [pytest.mark.xdist_group("validators")]

WORD = re.compile(r"\bNone\b")


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        shown = ("placeholder", "title", "aria-label", "alt", "data-label")
        if tag in ("input", "textarea") and ("type", "hidden") not in attrs:
            shown += ("value",)  # a value in a box is read; an <option>'s is not
        for name, value in attrs:
            if name in shown and value and WORD.search(value):
                self.found.append(f'<{tag} {name}="{value}">')

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and WORD.search(data):
            self.found.append(data.strip()[:120])


def nones(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.found


def test_the_checker_finds_a_none():
    assert nones('<p>Hours: None</p><input value="None"><script>x = None</script>'
                 '<option value="None">—</option><input type="hidden" value="None">') == [
        "Hours: None", '<input value="None">']
    assert nones("<p>Nonetheless, nobody</p>") == []


def test_no_page_shows_none(walk):
    shown = sorted({f"{endpoint} ({role}/{lang}): {found}"
                    for (role, lang, endpoint), page in walk.pages.items()
                    for found in nones(page.html)})
    assert not shown, "\n".join(shown[:60])
