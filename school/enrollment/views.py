"""Pages of the enrollment feature."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("enrollment", __name__)
