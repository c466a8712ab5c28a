"""Fixtures for the releases tests: an employer with HR addresses, a union's agreement,
people of an organisation that the employer employs."""

from __future__ import annotations

import pytest

from school.core.iin import check_digit
from school.extensions import db
from school.releases import requests
from school.releases.models import Agreement, Employer


def make_bin(serial: int) -> str:
    """A valid BIN: a legal entity registered in January 2010 with this serial."""
    for extra in range(100):
        first11 = f"1001400{(serial * 100 + extra) % 10000:04d}"
        digit = check_digit(first11)
        if digit is not None:
            return first11 + str(digit)
    raise AssertionError("no valid BIN")


@pytest.fixture
def setup(org_tree, make_user, make_event):
    """Union U's branch A with organisation org_a employed by «Казахтелеком» (HR at
    hr@telecom.kz), U's agreement with 5 paid days, a trainee of org_a and A's coordinator."""
    employer = Employer(bin=make_bin(1), name_ru="АО «Казахтелеком»", name_kk="«Қазақтелеком» АҚ",
                        hr_emails="hr@telecom.kz", language="ru")
    db.session.add(employer)
    db.session.flush()
    org_tree["org_a"].employer_id = employer.id
    agreement = Agreement(union_id=org_tree["u"].id, name_ru="Отраслевое соглашение",
                          name_kk="Салалық келісім", clause_ru="п. 7.3", clause_kk="7.3-тармақ",
                          paid_days=5)
    db.session.add(agreement)
    db.session.commit()
    trainee = make_user(branch=org_tree["a"], primary_org_id=org_tree["org_a"].id,
                        full_name="Серикова Айгерим Болатовна")
    coordinator = make_user("coordinator", branch=org_tree["a"], email="coord@example.kz")
    return {**org_tree, "employer": employer, "agreement": agreement, "trainee": trainee,
            "coordinator": coordinator}


@pytest.fixture
def confirmed(make_enrollment):
    """A confirmed enrolment with its release request created as the signal would."""

    def make(event, user, *, dispatch: bool = True):
        enrollment = make_enrollment(event, user)
        request = requests.create_for(enrollment)
        db.session.commit()
        if dispatch:
            requests.dispatch_queued()
            db.session.commit()
        return enrollment, request

    return make
