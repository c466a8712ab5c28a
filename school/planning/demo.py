"""Demo data of the planning feature."""

from __future__ import annotations


def seed(rng) -> list[str]:
    return []
