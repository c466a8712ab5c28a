"""Accounts: registration, sign-in, profile, passwords, roles and consent.

Services take models and plain values, flush but never commit, and raise DomainError.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import and_, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from school.accounts import iin as iin_rules
from school.accounts import iin_claims
from school.accounts.models import Category, ConsentRecord, Role, RoleGrant, User
from school.audit.services import record
from school.core.text import one_line
from school.errors import DomainError, Problems
from school.extensions import db
from school.orgs.models import Branch, PrimaryOrganization, Region, SectoralUnion

MIN_PASSWORD_LENGTH = 8


@dataclass
class Profile:
    """The fields a person fills in about themselves."""

    full_name: str
    phone: str | None = None
    iin: str | None = None
    region_id: int | None = None
    union_id: int | None = None
    branch_id: int | None = None
    primary_org_id: int | None = None
    category: str | None = None
    position: str | None = None  # in Russian
    workplace: str | None = None  # in Russian
    position_kk: str | None = None
    workplace_kk: str | None = None


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def check_password_strength(password: str, field: str = "password") -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise DomainError(
            "password_too_short",
            _l("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
            field=field,
        )
    if password.isdigit() or password.lower() == password.lower()[0] * len(password):
        raise DomainError(
            "password_too_simple", _l("This password is too easy to guess."), field=field
        )


def _clean_text(value: str | None, limit: int) -> str | None:
    # NUL and other control characters have no place in a name or a workplace.
    return one_line(value, limit) or None


def _check_name(raw: str | None) -> str:
    full_name = _clean_text(raw, 200)
    if not full_name or len(full_name) < 3:
        raise DomainError("name_required", _l("Enter your full name."), field="full_name")
    return full_name


def _check_iin(raw: str | None, user: User | None) -> str | None:
    iin = iin_rules.normalize(raw) or None
    if iin is None:
        return None
    if not iin_rules.is_valid(iin):
        raise DomainError(
            "iin_invalid",
            _l("This IIN is not valid: it must have 12 digits and a correct check digit."),
            field="iin",
        )
    # Whether another account holds it is not answered here (school/accounts/iin_claims.py).
    return iin


def _check_phone(raw: str | None) -> str | None:
    phone = _clean_text(raw, 32)
    if phone:
        digits = "".join(c for c in phone if c.isdigit())
        if not 10 <= len(digits) <= 15 or any(c not in "+0123456789 ()-" for c in phone):
            raise DomainError("phone_invalid", _l("Enter a valid phone number."), field="phone")
    return phone


def _check_category(raw: str | None) -> Category | None:
    if not raw:
        return None
    try:
        return Category(raw)
    except ValueError:
        raise DomainError(
            "category_invalid", _l("Choose a category from the list."), field="category"
        ) from None


def _check_organisation(profile: Profile):
    """(region, union, branch, organisation), consistent with each other."""
    region = db.session.get(Region, profile.region_id) if profile.region_id else None
    if profile.region_id and region is None:
        raise DomainError("region_invalid", _l("Choose a region from the list."), field="region_id")
    union = db.session.get(SectoralUnion, profile.union_id) if profile.union_id else None
    if profile.union_id and union is None:
        raise DomainError("union_invalid", _l("Choose a sectoral union from the list."),
                          field="union_id")
    branch = db.session.get(Branch, profile.branch_id) if profile.branch_id else None
    if profile.branch_id and branch is None:
        raise DomainError("branch_invalid", _l("Choose a branch from the list."), field="branch_id")
    org = (db.session.get(PrimaryOrganization, profile.primary_org_id)
           if profile.primary_org_id else None)
    if profile.primary_org_id and org is None:
        raise DomainError("org_invalid", _l("Choose an organisation from the list."),
                          field="primary_org_id")

    # The branch decides the union and region; an organisation decides its branch.
    if org is not None:
        if branch is not None and org.branch_id != branch.id:
            raise DomainError("org_not_in_branch",
                              _l("This organisation belongs to another branch."),
                              field="primary_org_id")
        branch = org.branch
    if branch is not None:
        if union is not None and branch.union_id != union.id:
            raise DomainError("branch_not_in_union",
                              _l("This branch belongs to another sectoral union."),
                              field="branch_id")
        if region is not None and branch.region_id != region.id:
            raise DomainError("branch_not_in_region",
                              _l("This branch is in another region."), field="branch_id")
        union, region = branch.union, branch.region
    return region, union, branch, org


def _validate_profile(profile: Profile, user: User | None,
                      problems: Problems | None = None) -> dict:
    """The cleaned profile. Every independent rule is checked before anything is refused,
    so a form shows all its problems at once (DomainErrors)."""
    own = problems is None
    problems = problems or Problems()
    full_name = problems.value(_check_name, profile.full_name)
    iin = problems.value(_check_iin, profile.iin, user)
    phone = problems.value(_check_phone, profile.phone)
    category = problems.value(_check_category, profile.category)
    region, union, branch, org = problems.value(_check_organisation, profile) or (None,) * 4
    if own:
        problems.raise_any()

    return {
        "full_name": full_name,
        "phone": phone,
        "iin": iin,
        "category": category,
        "position_ru": _clean_text(profile.position, 200),
        "position_kk": _clean_text(profile.position_kk, 200),
        "workplace_ru": _clean_text(profile.workplace, 300),
        "workplace_kk": _clean_text(profile.workplace_kk, 300),
        "region_id": region.id if region else None,
        "union_id": union.id if union else None,
        "branch_id": branch.id if branch else None,
        "primary_org_id": org.id if org else None,
    }


def _check_new_email(email: str) -> None:
    if find_by_email(email) is not None:
        raise DomainError(
            "email_taken", _l("An account with this e-mail already exists."), field="email"
        )


def _check_consent(consent: bool) -> None:
    if not consent:
        raise DomainError(
            "consent_required",
            _l("Registration needs your consent to the processing of personal data."),
            field="consent",
        )


def _check_region_given(profile: Profile) -> None:
    if not profile.region_id and not profile.branch_id and not profile.primary_org_id:
        raise DomainError("region_required", _l("Choose your region."), field="region_id")


def check_registration(email: str, password: str, profile: Profile, *,
                       consent: bool) -> Problems:
    """Every registration rule, collected (the page shows them all, even when the form's
    own checks already failed)."""
    problems = Problems()
    problems.ok(_check_consent, consent)
    problems.ok(_check_new_email, normalize_email(email))
    problems.ok(check_password_strength, password or "")
    problems.ok(_check_region_given, profile)
    _validate_profile(profile, None, problems)
    return problems


def register(
    email: str,
    password: str,
    profile: Profile,
    *,
    consent: bool,
    locale: str = "ru",
    ip_address: str | None = None,
) -> User:
    """Create a trainee account with recorded consent to personal-data processing.

    All the rules are checked before anything is refused (DomainErrors for several)."""
    email = normalize_email(email)
    problems = check_registration(email, password, profile, consent=consent)
    problems.raise_any()
    fields = _validate_profile(profile, None)
    holder = iin_claims.holder_of(fields["iin"], None)
    if holder is not None:
        fields["iin"] = None  # the same answer as for a free IIN; both people are told
    user = User(email=email, locale=locale, **fields)
    user.set_password(password)
    user.grants.append(RoleGrant(role=Role.trainee))
    db.session.add(user)
    grant_consent(user, locale=locale, ip_address=ip_address)
    db.session.flush()
    record(user, "user.register", user)
    if holder is not None:
        iin_claims.refuse_quietly(user, holder)
    return user


def grant_consent(user: User, *, locale: str, ip_address: str | None) -> ConsentRecord:
    consent = ConsentRecord(
        text_version=current_app.config["CONSENT_VERSION"],
        locale=locale,
        ip_address=ip_address,
    )
    user.consents.append(consent)
    return consent


def withdraw_consent(user: User) -> list:
    """Withdrawal keeps the record (it is the proof) and stops processing
    (school/accounts/privacy.py); the person may consent again at their next sign-in."""
    from school.accounts import privacy

    return privacy.withdraw(user)


def update_profile(user: User, profile: Profile, actor: User | None = None) -> User:
    fields = _validate_profile(profile, user)
    holder = iin_claims.holder_of(fields["iin"], user)
    if holder is not None:
        if actor is not None and actor.is_admin:
            # Administrators see every IIN anyway: they get the plain answer.
            raise DomainError("iin_taken", _l("An account with this IIN already exists."),
                              field="iin")
        fields["iin"] = user.iin  # the rest is saved; the same answer as for a free IIN
        iin_claims.refuse_quietly(user, holder)
    changed = {k: v for k, v in fields.items() if getattr(user, k) != v}
    for key, value in changed.items():
        setattr(user, key, value)
    if changed:
        # IINs never go into the audit log: only the fact that it changed.
        record(actor or user, "user.profile", user, fields=sorted(changed))
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    user = find_by_email(email)
    if user is None:
        # Spend the same time hashing as for a real account, so timing tells nothing.
        check_password_hash(_dummy_hash(), password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user


@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash("not-a-real-password")


def change_password(user: User, current: str, new: str, *,
                    keep_session: str | None = None) -> None:
    """A new password ends every session of the account but `keep_session`'s."""
    from school.accounts import sessions

    if not user.check_password(current):
        raise DomainError(
            "wrong_password", _l("The current password is not right."), field="current_password"
        )
    check_password_strength(new, field="new_password")
    user.set_password(new)
    sessions.revoke_all(user, keep_key=keep_session)
    record(user, "user.password_changed", user)


# --- password reset and invitations ---------------------------------------------------


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _password_stamp(user: User) -> str:
    # The whole instant: a fragment of it (say, the microseconds) can repeat at a later change.
    changed = user.password_changed_at
    return changed.astimezone(UTC).isoformat() if changed else "never"


def make_reset_token(user: User, purpose: str = "reset") -> str:
    """A signed token that dies when it expires or once the password changes."""
    return _serializer(f"password-{purpose}").dumps([user.id, _password_stamp(user)])


def user_for_token(token: str, purpose: str = "reset") -> User:
    max_age = current_app.config[
        "INVITE_MAX_AGE" if purpose == "invite" else "PASSWORD_RESET_MAX_AGE"
    ]
    try:
        user_id, stamp = _serializer(f"password-{purpose}").loads(token, max_age=max_age)
    except SignatureExpired:
        raise DomainError(
            "token_expired", _l("This link has expired. Ask for a new one.")
        ) from None
    except (BadSignature, ValueError, TypeError):
        raise DomainError("token_invalid", _l("This link is not valid.")) from None
    user = db.session.get(User, user_id)
    if user is None or _password_stamp(user) != stamp:
        raise DomainError("token_invalid", _l("This link has already been used or is not valid."))
    return user


def reset_password(token: str, new_password: str, purpose: str = "reset") -> User:
    user = user_for_token(token, purpose)
    from school.accounts import sessions

    check_password_strength(new_password)
    user.set_password(new_password)
    sessions.revoke_all(user)  # whoever else was signed in (the reason for a reset) is out
    record(user, f"user.password_{purpose}", user)
    return user


# --- roles --------------------------------------------------------------------------


def grant_role(
    user: User,
    role: str,
    *,
    actor: User | None,
    union_id: int | None = None,
    branch_id: int | None = None,
) -> RoleGrant:
    try:
        role_value = Role(role)
    except ValueError:
        raise DomainError("role_invalid", _l("Unknown role.")) from None
    if role_value is Role.coordinator:
        if bool(union_id) == bool(branch_id):
            raise DomainError(
                "scope_required",
                _l("A coordinator is appointed to one sectoral union or to one branch."),
            )
        if union_id and db.session.get(SectoralUnion, union_id) is None:
            raise DomainError("union_invalid", _l("Choose a sectoral union from the list."))
        if branch_id and db.session.get(Branch, branch_id) is None:
            raise DomainError("branch_invalid", _l("Choose a branch from the list."))
    else:
        union_id = branch_id = None
    # A chair (or deputy) chairs the organisation their profile names.
    primary_org_id = user.primary_org_id if role_value is Role.chair else None
    if role_value is Role.chair and primary_org_id is None:
        raise DomainError("org_required", _l(
            "Set the person's primary organisation first: a chair is granted with it."))
    for g in user.grants:
        if g.role == role_value and g.union_id == union_id and g.branch_id == branch_id:
            raise DomainError("role_exists", _l("This person already has this role."))
    grant = RoleGrant(
        role=role_value,
        union_id=union_id,
        branch_id=branch_id,
        primary_org_id=primary_org_id,
        granted_by_id=getattr(actor, "id", None),
    )
    user.grants.append(grant)
    db.session.flush()
    record(actor, "role.grant", user, role=role_value.value, union_id=union_id,
           branch_id=branch_id)
    return grant


def revoke_role(user: User, grant_id: int, *, actor: User | None) -> None:
    grant = next((g for g in user.grants if g.id == grant_id), None)
    if grant is None:
        raise DomainError("grant_missing", _l("This role was not found."), status=404)
    if grant.role is Role.admin and actor is not None and actor.id == user.id:
        # Only active accounts can sign in to administer anything.
        admins = db.session.scalar(
            select(func.count())
            .select_from(RoleGrant)
            .join(User, User.id == RoleGrant.user_id)
            .where(RoleGrant.role == Role.admin, User.active.is_(True))
        )
        if admins <= 1:
            raise DomainError(
                "last_admin", _l("You cannot remove the last administrator's role.")
            )
    user.grants.remove(grant)
    db.session.flush()
    record(actor, "role.revoke", user, role=grant.role.value, union_id=grant.union_id,
           branch_id=grant.branch_id)


def create_user(
    email: str,
    password: str,
    role: str,
    *,
    full_name: str | None = None,
    branch_id: int | None = None,
    union_id: int | None = None,
    actor: User | None = None,
) -> User:
    """Create an account with one role (the CLI and admins); staff consent is not asked."""
    email = normalize_email(email)
    if "@" not in email:
        raise DomainError("email_invalid", _l("Enter a valid e-mail address."), field="email")
    if find_by_email(email) is not None:
        raise DomainError("email_taken", _l("An account with this e-mail already exists."),
                          field="email")
    check_password_strength(password)
    branch = db.session.get(Branch, branch_id) if branch_id else None
    if branch_id and branch is None:
        raise DomainError("branch_invalid", _l("Choose a branch from the list."))
    user = User(
        email=email,
        full_name=_clean_text(full_name, 200) or email.split("@")[0],
        branch_id=branch.id if branch else None,
        union_id=branch.union_id if branch else None,
        region_id=branch.region_id if branch else None,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    if role == Role.coordinator and not (branch_id or union_id):
        raise DomainError(
            "scope_required",
            _l("A coordinator is appointed to one sectoral union or to one branch."),
        )
    grant_role(user, role, actor=actor, union_id=union_id if role == Role.coordinator else None,
               branch_id=branch_id if role == Role.coordinator and not union_id else None)
    if role != Role.trainee:
        # Staff enrol in trainings too; every account can act as a trainee.
        grant_role(user, Role.trainee, actor=actor)
    return user


def people_query(viewer: User, *, search: str = "", branch_id: int | None = None,
                 role: str | None = None):
    """People the viewer may see (a coordinator: their union's or branch's), newest first."""
    from school.core.utils import contains_pattern
    from school.permissions import scope_to_branches

    q = scope_to_branches(select(User), User.branch_id, viewer).order_by(User.full_name)
    if branch_id:
        q = q.where(User.branch_id == branch_id)
    if role:
        q = q.where(User.grants.any(RoleGrant.role == role))
    if search:
        term = search.strip()
        digits = iin_rules.normalize(term)
        pattern = contains_pattern(term)
        # A withdrawn person's address is hidden on the page, so it does not find them.
        conditions = [func.lower(User.full_name).like(pattern, escape="\\"),
                      and_(User.consent_withdrawn_at.is_(None),
                           func.lower(User.email).like(pattern, escape="\\"))]
        # A full IIN finds its holder only for those who may see full IINs (administrators):
        # for a coordinator, who sees ••••••••1015, a match would confirm the whole number.
        if digits.isdigit() and len(digits) == 12 and viewer.is_admin:
            conditions.append(User.iin == digits)
        from sqlalchemy import or_

        q = q.where(or_(*conditions))
    return q
