"""Shared records for the organisation tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def tree(make_union, make_branch, make_org):
    """Union U (code "u") with branches A (Shymkent) and A2 (Astana); union V with B (Almaty)."""
    u, v = make_union("u"), make_union("v")
    a = make_branch(u, "KZ-79", name_ru="Филиал А")
    a2 = make_branch(u, "KZ-71", name_ru="Филиал А2")
    b = make_branch(v, "KZ-75", name_ru="Филиал Б")
    return {
        "u": u, "v": v, "a": a, "a2": a2, "b": b,
        "org_a": make_org(a, name_ru="ППО А"),
        "org_a2": make_org(a2, name_ru="ППО А2"),
        "org_b": make_org(b, name_ru="ППО Б"),
    }
