"""Demo data of the commissions feature."""

from __future__ import annotations


def seed(rng) -> list[str]:
    return []
