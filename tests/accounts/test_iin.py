"""The IIN check digit, from the glossary's examples and as a property."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from school.core import iin

eleven_digits = st.text(alphabet="0123456789", min_size=11, max_size=11)


@pytest.mark.parametrize("number", ["850425300126", "900103400560", "020731500813"])
def test_glossary_valid_examples(number):
    assert iin.is_valid(number)


def test_second_pass_is_needed_for_900103400560():
    first = sum(w * int(d) for w, d in zip(range(1, 12), "90010340056", strict=True)) % 11
    assert first == 10
    assert iin.check_digit("90010340056") == 0


@pytest.mark.parametrize("number", ["850425300127", "880315400130"])
def test_glossary_invalid_examples(number):
    assert not iin.is_valid(number)


def test_no_check_digit_when_both_passes_give_ten():
    assert iin.check_digit("88031540013") is None


@pytest.mark.parametrize(
    "number",
    ["", "85042530012", "8504253001260", "85042530012a", "８５０４２５３００１２６",
     "85042530012 "],
)
def test_wrong_length_or_characters(number):
    assert not iin.is_valid(number)


def test_normalize_drops_group_separators():
    assert iin.normalize(" 850425 300-126\u00a0") == "850425300126"
    assert iin.normalize(None) == ""


@given(eleven_digits)
def test_computed_check_digit_makes_a_valid_iin(first11):
    digit = iin.check_digit(first11)
    if digit is None:
        # No number starting with these 11 digits is ever issued.
        assert not any(iin.is_valid(first11 + str(d)) for d in range(10))
    else:
        assert iin.is_valid(first11 + str(digit))


@given(eleven_digits, st.integers(min_value=1, max_value=9))
def test_changing_the_last_digit_makes_it_invalid(first11, shift):
    digit = iin.check_digit(first11)
    if digit is None:
        return
    assert not iin.is_valid(first11 + str((digit + shift) % 10))


def test_gender_from_iin_reads_the_seventh_digit():
    from school.core.iin import gender_from_iin

    assert gender_from_iin("850425300126") == "m"  # 3: male, 20th century
    assert gender_from_iin("900103400560") == "f"  # 4: female, 20th century
    assert gender_from_iin("020731500813") == "m"  # 5: male, 21st century
    assert gender_from_iin("8504 2530 0126") == "m"  # typed with spaces


def test_gender_from_iin_is_none_when_unknown():
    from school.core.iin import gender_from_iin

    assert gender_from_iin(None) is None
    assert gender_from_iin("") is None
    assert gender_from_iin("850425300127") is None  # bad check digit
    assert gender_from_iin("12345") is None
