"""Pages of the attendance feature."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("attendance", __name__)
