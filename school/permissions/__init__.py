"""Who may reach what, in one package (issue 14): a newcomer asking "who may …" looks here.

- `routes.py`: every route declares `@allow(rule)` (PUBLIC, SIGNED_IN, ADMIN, STAFF,
  TEACHING, CHAIR, PLANNING); `enforce()` refuses undeclared endpoints.
- `scope.py`: whose records a person sees (branches, unions): `visible_branch_ids`,
  `can_see_branch`, `scope_to_branches` for lists.
- `events.py`, `people.py`: the per-object rules (manage, teach, mark, complete, see a
  draft, see the online link, see an enrolment, see an IIN …), each registered under a
  name in `named.py`.
- `named.py`: `can(user, name, obj)`; templates call `can(name, obj)` for the signed-in
  person and never test roles themselves.
- `loaders.py`: `load_event(id, need)`, `load_enrollment(id, need)`: found and allowed,
  else 404.

Everything is importable from `school.permissions` itself.
"""

from school.permissions.events import (
    adds_materials,
    can_complete,
    can_mark,
    edits_marks,
    manages_event,
    removes_material,
    sees_all_participants,
    sees_backstage,
    sees_event,
    sees_link,
    sees_materials,
    takes_part,
    teaches,
)
from school.permissions.loaders import load, load_enrollment, load_event
from school.permissions.named import RULES, can, can_here, named
from school.permissions.people import (
    issues_certificate,
    manages_enrollment,
    sees_enrollment,
    sees_iin,
    sees_person,
)
from school.permissions.routes import (
    ADMIN,
    CHAIR,
    EXEMPT_ENDPOINTS,
    PLANNING,
    PUBLIC,
    SIGNED_IN,
    STAFF,
    TEACHING,
    Rule,
    allow,
    enforce,
    rule_for,
)
from school.permissions.scope import (
    can_see_branch,
    chaired_org_id,
    coordinator_scope,
    scope_to_branches,
    visible_branch_clause,
    visible_branch_ids,
)

__all__ = [
    "ADMIN",
    "CHAIR",
    "EXEMPT_ENDPOINTS",
    "PLANNING",
    "PUBLIC",
    "RULES",
    "SIGNED_IN",
    "STAFF",
    "TEACHING",
    "Rule",
    "adds_materials",
    "allow",
    "can",
    "can_complete",
    "can_here",
    "can_mark",
    "can_see_branch",
    "chaired_org_id",
    "coordinator_scope",
    "edits_marks",
    "enforce",
    "issues_certificate",
    "load",
    "load_enrollment",
    "load_event",
    "manages_enrollment",
    "manages_event",
    "named",
    "removes_material",
    "rule_for",
    "scope_to_branches",
    "sees_all_participants",
    "sees_backstage",
    "sees_enrollment",
    "sees_event",
    "sees_iin",
    "sees_link",
    "sees_materials",
    "sees_person",
    "takes_part",
    "teaches",
    "visible_branch_clause",
    "visible_branch_ids",
]
