"""Models of the releases feature."""

from __future__ import annotations
