"""Hostile text for forms: markup, quotes, bidi controls, NUL bytes, very long strings."""

from __future__ import annotations

from hypothesis import strategies as st

NASTY = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' OR '1'='1",
    "Robert'); DROP TABLE user_account;--",
    "\u202eevil\u202c",  # right-to-left override
    "\u200f\u200e\u2066x\u2069",  # bidi marks and isolates
    "\x00",
    "a\x00b",
    "=HYPERLINK(\"http://x\")",
    "+1-2", "-cmd", "@SUM(A1)",
    "{{ 7*7 }}", "{% raw %}",
    "%(name)s %s %d",
    "Әбілқайырова Гауһар Ұлықбекқызы",
    "\ud7ff\ue000\uffff",
    "x" * 10_000,
    " ",
    "",
]


def hostile_text(max_size: int = 300):
    return st.one_of(
        st.sampled_from(NASTY),
        st.text(max_size=max_size),
        st.text(alphabet=st.characters(codec="utf-8"), max_size=max_size),
        st.lists(st.sampled_from(NASTY), min_size=1, max_size=4).map("".join),
    )
