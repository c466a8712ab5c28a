"""`flask anonymise-expired [--dry-run]`: the end of the retention period (privacy.py)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from school.extensions import db


@click.command("anonymise-expired")
@click.option("--dry-run", is_flag=True, help="List who would be anonymised; change nothing.")
@with_appcontext
def anonymise_expired_command(dry_run: bool) -> None:
    """Anonymise people inactive for longer than RETENTION_YEARS."""
    from flask import current_app

    from school.accounts import privacy

    found = privacy.anonymise_expired(dry_run=dry_run)
    for user, last in found:
        click.echo(f"{user.id}\t{user.full_name if dry_run else '-'}\t"
                   f"last activity {last.date().isoformat() if last else '?'}")
    if dry_run:
        db.session.rollback()
        click.echo(f"{len(found)} people would be anonymised "
                   f"(retention {current_app.config['RETENTION_YEARS']} years).")
    else:
        db.session.commit()
        click.echo(f"{len(found)} people anonymised.")


def register(bp) -> None:
    @bp.record_once
    def _add(state) -> None:
        state.app.cli.add_command(anonymise_expired_command)
