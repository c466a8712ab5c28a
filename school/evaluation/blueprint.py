"""The evaluation blueprint, shared by its page modules (views, admin, report pages)."""

from __future__ import annotations

from flask import Blueprint

# No url_prefix: the pages live under /feedback, /tests, /evaluation and /reports.
# cli_group=None: `flask evaluation-reminders`, not `flask evaluation evaluation-reminders`.
bp = Blueprint("evaluation", __name__, url_prefix=None, cli_group=None)
