"""Demo data of the releases feature."""

from __future__ import annotations


def seed(rng) -> list[str]:
    return []
