"""Command-line tasks: `flask --app app <command>`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask

from school.errors import DomainError
from school.extensions import db


def register(app: Flask) -> None:
    @app.cli.command("create-user")
    @click.option("--email", required=True)
    @click.option("--password", required=True)
    @click.option(
        "--role",
        required=True,
        type=click.Choice(["admin", "coordinator", "instructor", "trainee"]),
    )
    @click.option("--name", "full_name", default=None)
    @click.option("--branch-id", type=int, default=None)
    @click.option(
        "--union-id", type=int, default=None, help="For a coordinator of a whole sectoral union."
    )
    def create_user(email, password, role, full_name, branch_id, union_id):
        """Create an account with a role and print its id."""
        from school.accounts.services import create_user as create

        try:
            user = create(
                email, password, role, full_name=full_name, branch_id=branch_id, union_id=union_id
            )
        except DomainError as e:
            db.session.rollback()
            click.echo(f"error: {e.message}", err=True)
            sys.exit(1)
        db.session.commit()
        click.echo(user.id)

    @app.cli.command("import-orgs")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Check the file and write nothing.")
    def import_orgs(path: Path, dry_run: bool):
        """Import branches and primary organisations from a CSV file (all rows or none)."""
        from school.orgs.importer import COLUMNS, apply_import, plan_import

        data = path.read_bytes()
        report = plan_import(data) if dry_run else apply_import(data)
        for problem in report.errors:
            click.echo(f"error: {problem}", err=True)
        for row in report.bad_rows:
            click.echo(f"line {row.line}: {'; '.join(row.errors)}", err=True)
        if not report.ok:
            db.session.rollback()
            if report.errors:
                click.echo(f"expected columns: {','.join(COLUMNS)}", err=True)
            click.echo("nothing imported", err=True)
            sys.exit(1)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
        verb = "would import" if dry_run else "imported"
        click.echo(
            f"{verb}: {report.new_branches} branches, "
            f"{report.new_organizations} organisations, {len(report.rows)} rows checked"
        )

    @app.cli.command("purge-uploads")
    def purge_uploads_command():
        """Delete upload previews older than UPLOAD_TTL (they hold names and IINs)."""
        from school.core.uploads import purge_uploads

        click.echo(f"removed: {purge_uploads()}")

    @app.cli.command("seed-demo")
    @click.option(
        "--scale",
        type=float,
        default=None,
        help="Also add a decade of history at this scale (1 = 100k people, 1M enrolments).",
    )
    def seed_demo(scale):
        """Reference data, demo accounts and demo events (idempotent)."""
        from school.demo import seed

        for line in seed():
            click.echo(line)
        if scale:
            from school.bigdata import generate

            for line in generate(scale):
                click.echo(line)
