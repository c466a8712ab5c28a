"""The commissions blueprint, shared by views.py and admin_views.py."""

from __future__ import annotations

from flask import Blueprint

# cli_group=None: `flask send-commission-reminders`, not `flask commissions …`.
bp = Blueprint("commissions", __name__, url_prefix="/commissions", cli_group=None)
