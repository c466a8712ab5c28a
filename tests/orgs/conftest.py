"""Shared records for the organisation tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def tree(org_tree):
    return org_tree
