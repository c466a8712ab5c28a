"""One rule for who sees an enrolment: the certificates' and the enrolments' answers agree."""

from __future__ import annotations

from datetime import date, timedelta

from school.extensions import db
from school.permissions import sees_enrollment as can_see_enrollment


def test_one_rule_for_who_sees_an_enrolment(make_user, make_event, make_union,
                                            make_enrollment):
    union = make_union()
    person = make_user()
    person.union_id = union.id  # a union member with no branch
    db.session.commit()
    enrolment = make_enrollment(make_event(starts_on=date.today() - timedelta(days=9)),
                                person, "completed")
    from school.permissions import manages_enrollment as can_manage

    coordinator = make_user("coordinator", coordinator_of=union)
    assert can_see_enrollment(coordinator, enrolment) == can_manage(coordinator, enrolment)
    assert can_manage(coordinator, enrolment)
