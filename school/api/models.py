"""Models of the api feature."""

from __future__ import annotations
