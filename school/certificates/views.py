"""Pages of the certificates feature."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("certificates", __name__)
