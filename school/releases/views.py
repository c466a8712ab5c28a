"""Pages of the releases feature."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("releases", __name__, url_prefix=None)
