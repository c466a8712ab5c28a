"""Models of the evaluation feature."""

from __future__ import annotations
