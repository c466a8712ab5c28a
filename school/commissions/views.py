"""Pages of the commissions feature."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("commissions", __name__, url_prefix="/commissions")
