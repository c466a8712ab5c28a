"""Models of the planning feature."""

from __future__ import annotations
