"""Demo for issue 13: a person a coordinator entered, who set a password from the invitation
but has not consented yet (so the consent page is what they see first), and one person
entered twice (e-mails differing in case) for the coordinator's "possible duplicates"."""

from __future__ import annotations

from sqlalchemy import select

from school.accounts.models import Category, Role, RoleGrant, User
from school.extensions import db

INVITED = "invited@demo.kz"
TWICE = ("Duplicate.Person@demo.kz", "duplicate.person@demo.kz")


def seed(_rng) -> list[str]:
    coordinator = db.session.scalar(select(User).where(User.email == "coordinator@demo.kz"))
    if coordinator is None or coordinator.branch_id is None:
        return []
    branch = coordinator.branch
    for email, name in ((INVITED, "Жақсылықова Әсел Бауыржанқызы"),
                        (TWICE[0], "Сәрсенбаев Нұрлан Төлегенұлы"),
                        (TWICE[1], "Сәрсенбаев Нұрлан Төлегенұлы")):
        if db.session.scalar(select(User.id).where(User.email == email)) is not None:
            continue
        user = User(email=email, full_name=name, locale="ru", category=Category.chair,
                    branch_id=branch.id, union_id=branch.union_id, region_id=branch.region_id)
        user.password_hash = coordinator.password_hash  # the demo password
        user.consent_pending = True  # entered by the coordinator: consent asked at sign-in
        user.grants.append(RoleGrant(role=Role.trainee, granted_by_id=coordinator.id))
        db.session.add(user)
    db.session.flush()
    return [f"  {'invited':12} {INVITED} (entered by a coordinator: the consent page comes "
            "first)"]
