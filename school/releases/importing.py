"""Employer columns of `import-orgs` (registered with school/orgs/importer.py's
`extra_columns`; imported by receivers.py, so whenever the app exists): optional
`employer_bin, employer_name_ru, employer_name_kk, employer_address, employer_hr_emails`.

A row that names an employer BIN links its organisation to that employer; an unknown BIN
creates the employer (its Russian name is then required). Checked with the rest of the row,
so a bad BIN stops the whole import like any other bad value.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from school.errors import DomainError
from school.extensions import db
from school.orgs.importer import ExtraColumns, extra_columns
from school.releases.models import Employer
from school.releases.services import clean_emails, is_valid_bin

COLUMNS = ("employer_bin", "employer_name_ru", "employer_name_kk", "employer_address",
           "employer_hr_emails")


def check_row(row: dict, planned: dict[str, str]) -> list[str]:
    """Problems with the row's employer columns; `planned` collects BIN → name of
    employers the file will create (shared across rows)."""
    value = row.get("employer_bin", "")
    if not value:
        return []
    errors = []
    if not is_valid_bin(value):
        errors.append(str(_l("The employer's BIN %(bin)s is not valid (12 digits and a "
                             "correct check digit).", bin=value)))
        return errors
    if not row.get("org_name_ru"):
        errors.append(str(_l("An employer is given without an organisation.")))
    try:
        clean_emails(row.get("employer_hr_emails"))
    except DomainError as e:
        errors.append(str(e.message))
    if len(row.get("employer_name_ru", "")) > 300 or len(row.get("employer_address", "")) > 500:
        errors.append(str(_l("A name is longer than 300 characters.")))
    known = db.session.scalar(select(Employer.id).where(Employer.bin == value))
    if known is None and value not in planned:
        if not row.get("employer_name_ru"):
            errors.append(str(_l("A new employer needs employer_name_ru.")))
        else:
            planned[value] = row["employer_name_ru"]
    return errors


def employer_for(row: dict, cache: dict[str, Employer]) -> Employer | None:
    """The row's employer, created if new (after check_row passed for every row)."""
    value = row.get("employer_bin", "")
    if not value:
        return None
    employer = cache.get(value) or db.session.scalar(
        select(Employer).where(Employer.bin == value)
    )
    if employer is None:
        name = row["employer_name_ru"]
        employer = Employer(
            bin=value, name_ru=name, name_kk=row.get("employer_name_kk") or name,
            address=row.get("employer_address") or None,
            hr_emails=clean_emails(row.get("employer_hr_emails")),
        )
        db.session.add(employer)
        db.session.flush()
    cache[value] = employer
    return employer


def org_values(row: dict, cache: dict[str, Employer]) -> dict:
    """The organisation's employer_id from the row (none when the row names no employer)."""
    employer = employer_for(row, cache)
    return {"employer_id": employer.id} if employer is not None else {}


extra_columns("employer", ExtraColumns(check=check_row, values=org_values))
