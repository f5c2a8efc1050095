import pytest

from grievance.errors import InvalidInput
from grievance.phones import dial_digits, normalise_phone
from common.privacy import mask_phone


@pytest.mark.parametrize("raw", ["9812345678", "09812345678", "+919812345678", "+91 98123-45678", "98123 45678"])
def test_normalise(raw: str) -> None:
    assert normalise_phone(raw) == "+919812345678"


def test_pbx_caller_ids_carry_the_country_code() -> None:
    assert normalise_phone("919812345678", from_pbx=True) == "+919812345678"


@pytest.mark.parametrize("raw", ["919812345678", "981234567890", "12345", "98123456789a", "", "0012345678",
                                 "+9198123456789"])
def test_rejects(raw: str) -> None:
    with pytest.raises(InvalidInput):
        normalise_phone(raw)


def test_mobile_only() -> None:
    with pytest.raises(InvalidInput, match="mobile"):
        normalise_phone("5222345678", mobile_only=True)
    assert normalise_phone("5222345678") == "+915222345678"


def test_dial_digits_and_mask() -> None:
    assert dial_digits("+919812345678") == "9812345678"
    assert mask_phone("919812345678") == "XXXXXXXX5678"
    assert mask_phone("12") == "XX"
    assert mask_phone(None) == ""


@pytest.mark.parametrize("raw", ["+91९८१२३४५६७८", "९८१२३ ४५६७८", "０９８１２３４５６７８", "＋９１ ９８１２３-４５６７８",
                                 "+91٩٨١٢٣٤٥٦٧٨"])
def test_digits_of_other_scripts_become_ascii(raw: str) -> None:
    assert normalise_phone(raw) == "+919812345678"


@pytest.mark.parametrize("raw", ["98123456७८a", "²812345678", "98123456७", "①②③④⑤⑥⑦⑧⑨⑩"])
def test_digit_lookalikes_are_refused(raw: str) -> None:
    with pytest.raises(InvalidInput):
        normalise_phone(raw)


def test_complaint_numbers_typed_in_devanagari_are_validated_as_ascii() -> None:
    from grievance import numbers

    number = numbers.make("2611", 17)
    hindi = "".join("०१२३४५६७८९"[int(d)] for d in number)
    assert numbers.validate(hindi) == number
    assert not numbers.is_valid(hindi)  # only canonical ASCII numbers are valid stored numbers
