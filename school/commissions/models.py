"""Models of the commissions feature."""

from __future__ import annotations
