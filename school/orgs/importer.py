"""Bulk import of branches and primary organisations from CSV (or XLSX).

The whole file is checked first; every bad row is reported with its line number, and
nothing is written unless every row is good.

Features above the organisations read optional columns of the same file (the releases:
the organisation's employer) through `extra_columns`, so this module imports none of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from school.audit.services import record
from school.core import vocabulary
from school.core.sheets import read_table
from school.core.text import one_line
from school.core.upload_limits import Limits, UploadRefused
from school.extensions import db
from school.orgs.models import Branch, BranchKind, PrimaryOrganization, Region, SectoralUnion
from school.orgs.vocabulary import branch_kinds, org_columns

COLUMNS = (
    "union_code",
    "region_code",
    "branch_kind",
    "branch_name_ru",
    "branch_name_kk",
    "org_name_ru",
    "org_name_kk",
    "org_bin",
    "parent_branch_name_ru",  # optional: the oblast or city branch a local union sits under
    # Optional: the organisation's employer (school/releases/importing.py, an extra_columns).
    "employer_bin",
    "employer_name_ru",
    "employer_name_kk",
    "employer_address",
    "employer_hr_emails",
)
REQUIRED = ("union_code", "region_code", "branch_kind", "branch_name_ru")
MAX_ROWS = 50_000
LIMITS = Limits(rows=MAX_ROWS, columns=20, cell=500, text=20_000_000)


@dataclass(frozen=True)
class ExtraColumns:
    """Optional columns another feature reads. `check(row, planned)`: the row's problems
    (`planned` is shared across the rows of one file: what the file will create);
    `values(row, cache)`: the organisation's columns from the row, once every row passed
    (`cache` shared across the rows too)."""

    check: Callable[[dict, dict], list[str]]
    values: Callable[[dict, dict], dict]


EXTRA: dict[str, ExtraColumns] = {}


def extra_columns(name: str, columns: ExtraColumns) -> None:
    """Register a feature's optional columns (once; registering again replaces)."""
    EXTRA[name] = columns


@dataclass
class RowResult:
    line: int
    branch: str
    organization: str
    outcome: str = ""  # new_branch, new_org, exists
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    rows: list[RowResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # file-level problems
    new_branches: int = 0
    new_organizations: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and all(not r.errors for r in self.rows)

    @property
    def bad_rows(self) -> list[RowResult]:
        return [r for r in self.rows if r.errors]


def _clean(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return one_line(value)


def read_rows(data: bytes) -> tuple[list[tuple[int, dict]], list[str]]:
    """Decode (UTF-8, with or without BOM, or Windows-1251) and split into dict rows, each
    with the line it starts on in the file, as an editor numbers lines."""
    # The shared bounded reader (limits on rows, columns, cells and unpacked size) keeps the
    # line numbers of the file, blank lines included, for the report.
    try:
        table = read_table(data, LIMITS)
    except UploadRefused as e:
        return [], [str(e.message)]
    columns = upload_header()
    header: list[str | None] = []
    rows: list[tuple[int, dict]] = []
    for start, values in table:
        if not header:
            # Headers in Russian, Kazakh or English, or the codes (school/core/vocabulary.py).
            header = columns.keys(values)
            missing = [c for c in REQUIRED if c not in header]
            if missing:
                return [], [str(_l("Missing columns: %(cols)s", cols=columns.labels(missing)))]
            continue
        rows.append((start, {k: _clean(values[n] if n < len(values) else "")
                             for n, k in enumerate(header) if k}))
    if not header:
        return [], [str(_l("Missing columns: %(cols)s", cols=columns.labels(REQUIRED)))]
    if not rows:
        return [], [str(_l("The file has no rows."))]
    return rows, []


@cache
def upload_header() -> vocabulary.Header:
    return vocabulary.Header(org_columns())


def template() -> bytes:
    """The XLSX to fill in: headers in the reader's language, a drop-down of branch kinds."""
    from school.core.xlsx_template import template_xlsx

    return template_xlsx(upload_header().columns, title=str(_l("Organisations")),
                         rows=5000, notes=(
        str(_l("One organisation a row, from the second row on; a branch without "
               "organisations takes a row with the organisation left empty.")),
        str(_l("Headers and values are accepted in Kazakh, Russian or English.")),
    ))


def _regions() -> dict[str, Region]:
    """A region by its ISO code or by its name in any language."""
    found: dict[str, Region] = {}
    for region in db.session.scalars(select(Region)):
        for text in (region.name_ru, region.name_kk, getattr(region, "name_en", None)):
            if text:
                found[vocabulary.norm(text)] = region
        found[vocabulary.norm(region.code)] = region
    return found


def plan_import(data: bytes) -> ImportReport:
    """Check every row against the database and the rest of the file; writes nothing."""
    report = ImportReport()
    rows, errors = read_rows(data)
    report.errors.extend(errors)
    if errors:
        return report
    unions = {u.code.lower(): u for u in db.session.scalars(select(SectoralUnion))}
    regions = _regions()
    kinds = branch_kinds()
    branches = {(b.union_id, b.name_ru): b for b in db.session.scalars(select(Branch))}
    orgs = set(
        db.session.execute(select(PrimaryOrganization.branch_id, PrimaryOrganization.name_ru))
    )
    new_branches: dict[tuple[int, str], tuple[int, str]] = {}  # key → (region id, kind)
    new_parents: dict[tuple[int, str], str] = {}  # new local union → its parent's name
    seen_orgs: dict[tuple, int] = {}
    extra_state: dict[str, dict] = {name: {} for name in EXTRA}

    for line, row in rows:
        result = RowResult(line, row.get("branch_name_ru", ""), row.get("org_name_ru", ""))
        report.rows.append(result)
        for col in REQUIRED:
            if not row.get(col):
                result.errors.append(str(_l("Empty column %(col)s.", col=col)))
        if result.errors:
            continue
        union = unions.get(row["union_code"].lower())
        region = regions.get(vocabulary.norm(row["region_code"]))
        if union is None:
            result.errors.append(str(_l(
                "Unknown union code %(code)s. Allowed values: %(allowed)s.",
                code=row["union_code"], allowed=", ".join(sorted(unions)))))
        if region is None:
            result.errors.append(str(_l(
                "Unknown region code %(code)s. Allowed values: %(allowed)s.",
                code=row["region_code"],
                allowed=", ".join(sorted({r.code for r in regions.values()})))))
        else:
            row["region_code"] = region.code  # a name becomes the code apply_import reads
        kind = kinds.lookup(row["branch_kind"])
        if kind is None:
            result.errors.append(kinds.unknown(row["branch_kind"]))
        else:
            row["branch_kind"] = kind.value
        bin_value = row.get("org_bin", "")
        if bin_value and not re.fullmatch(r"[0-9]{12}", bin_value):
            result.errors.append(str(_l("The BIN must have 12 digits.")))
        for name, extra in EXTRA.items():
            result.errors.extend(extra.check(row, extra_state[name]))
        if len(row["branch_name_ru"]) > 300 or len(row.get("org_name_ru", "")) > 300:
            result.errors.append(str(_l("A name is longer than 300 characters.")))
        if result.errors or union is None or region is None or kind is None:
            continue

        key = (union.id, row["branch_name_ru"])
        parent_error = _parent_error(row, union.id, kind, branches, new_branches, new_parents)
        if parent_error:
            result.errors.append(parent_error)
            continue
        existing = branches.get(key)
        if existing is not None:
            if existing.region_id != region.id:
                result.errors.append(
                    str(_l("Branch %(name)s already exists in another region.",
                           name=row["branch_name_ru"]))
                )
                continue
            branch_ref = ("db", existing.id)
        else:
            planned = new_branches.get(key)
            if planned is not None and planned != (region.id, kind):
                result.errors.append(
                    str(_l("Branch %(name)s appears with different regions or kinds.",
                           name=row["branch_name_ru"]))
                )
                continue
            if planned is None:
                new_branches[key] = (region.id, kind)
                if row.get("parent_branch_name_ru"):
                    new_parents[key] = row["parent_branch_name_ru"]
                result.outcome = "new_branch"
            branch_ref = ("new", key)

        org_name = row.get("org_name_ru", "")
        if org_name:
            org_key = (branch_ref, org_name)
            if org_key in seen_orgs:
                result.errors.append(
                    str(_l("Organisation repeats line %(line)d.", line=seen_orgs[org_key]))
                )
                continue
            seen_orgs[org_key] = line
            if branch_ref[0] == "db" and (branch_ref[1], org_name) in orgs:
                result.outcome = result.outcome or "exists"
            else:
                result.outcome = "new_org"
        else:
            result.outcome = result.outcome or "exists"

    report.new_branches = len(new_branches)
    report.new_organizations = sum(1 for r in report.rows if r.outcome == "new_org")
    report._rows_data = [row for _line, row in rows]  # type: ignore[attr-defined]
    return report


def _parent_error(row: dict, union_id: int, kind, branches: dict, new_branches: dict,
                  new_parents: dict) -> str | None:
    """A local union names its parent: an oblast or city branch of the same union that is
    in the database or earlier in the file; a branch already imported keeps its parent."""
    parent_name = row.get("parent_branch_name_ru", "")
    key = (union_id, row["branch_name_ru"])
    existing = branches.get(key)
    if existing is not None and parent_name:
        parent = branches.get((union_id, parent_name))
        if parent is None or existing.parent_id != parent.id:
            return str(_l("Branch %(name)s already exists under another parent.",
                          name=row["branch_name_ru"]))
        return None
    if not parent_name:
        return None  # rows after the first may leave the parent out
    if kind is not BranchKind.local:
        return str(_l("Only a local union sits under another branch."))
    if key in new_branches and new_parents.get(key) != parent_name:
        return str(_l("Branch %(name)s appears with different parents.",
                      name=row["branch_name_ru"]))
    parent = branches.get((union_id, parent_name))
    if parent is not None:
        return None if parent.parent_id is None and parent.kind is not BranchKind.local else (
            str(_l("A local union cannot be the parent of another branch.")))
    parent_key = (union_id, parent_name)
    if parent_key in new_branches and parent_key not in new_parents and (
            new_branches[parent_key][1] is not BranchKind.local):
        return None
    return str(_l("Unknown parent branch %(name)s: it must exist or come earlier in the file.",
                  name=parent_name))


def apply_import(data: bytes, actor=None) -> ImportReport:
    """Plan, and write only if the plan is clean. The caller commits."""
    report = plan_import(data)
    if not report.ok:
        return report
    unions = {u.code.lower(): u for u in db.session.scalars(select(SectoralUnion))}
    regions = {r.code.upper(): r for r in db.session.scalars(select(Region))}
    branches = {(b.union_id, b.name_ru): b for b in db.session.scalars(select(Branch))}
    orgs = set(
        db.session.execute(select(PrimaryOrganization.branch_id, PrimaryOrganization.name_ru))
    )
    caches: dict[str, dict] = {name: {} for name in EXTRA}
    for row in report._rows_data:  # type: ignore[attr-defined]
        union = unions[row["union_code"].lower()]
        key = (union.id, row["branch_name_ru"])
        branch = branches.get(key)
        if branch is None:
            branch = Branch(
                union_id=union.id,
                region_id=regions[row["region_code"].upper()].id,
                kind=BranchKind(row["branch_kind"].lower()),
                name_ru=row["branch_name_ru"],
                name_kk=row.get("branch_name_kk") or row["branch_name_ru"],
            )
            if row.get("parent_branch_name_ru"):
                branch.parent_id = branches[(union.id, row["parent_branch_name_ru"])].id
            db.session.add(branch)
            db.session.flush()
            branches[key] = branch
        org_name = row.get("org_name_ru", "")
        values: dict = {}
        for name, extra in EXTRA.items():
            values.update(extra.values(row, caches[name]))
        if org_name and (branch.id, org_name) not in orgs:
            db.session.add(
                PrimaryOrganization(
                    branch_id=branch.id,
                    name_ru=org_name,
                    name_kk=row.get("org_name_kk") or org_name,
                    bin=row.get("org_bin") or None,
                    **values,
                )
            )
            orgs.add((branch.id, org_name))
        elif org_name and values:
            db.session.execute(
                update(PrimaryOrganization)
                .where(PrimaryOrganization.branch_id == branch.id,
                       PrimaryOrganization.name_ru == org_name)
                .values(**values)
            )
    db.session.flush()
    record(actor, "orgs.import", None, object_type="import",
           branches=report.new_branches, organizations=report.new_organizations)
    return report
