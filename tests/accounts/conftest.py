"""Shared records for the accounts tests."""

from __future__ import annotations

import pytest

NAME = "Әбілқайырова Гауһар Ұлықбекқызы"
VALID_IIN = "850425300126"
BAD_CHECK_DIGIT_IIN = "850425300127"



@pytest.fixture
def registration(org_tree):
    """A function giving the POST /register fields for a valid trainee, with overrides."""

    def data(**overrides) -> dict:
        a = org_tree["a"]
        fields = {
            "email": "gauhar@example.kz",
            "password": "Qazaqstan-2026",
            "password2": "Qazaqstan-2026",
            "full_name": NAME,
            "phone": "+7 701 123 45 67",
            "iin": VALID_IIN,
            "region_id": str(a.region_id),
            "union_id": str(a.union_id),
            "branch_id": str(a.id),
            "primary_org_id": str(org_tree["org_a"].id),
            "category": "chair",
            "position": "Төраға",
            "workplace": "«Қызмет» филиалы",
            "consent": "y",
        }
        fields.update(overrides)
        return {k: v for k, v in fields.items() if v is not None}

    return data



