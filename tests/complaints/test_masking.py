import pytest

from app.complaints import masking


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812341234", "138****1234"),
        ("138-1234-1234", "138****1234"),
        ("+86 13812341234", "138****1234"),
        ("0371-67180392", "037*****0392"),
        ("12345", "*****"),
        (None, None),
        ("", ""),
    ],
)
def test_phone_keeps_only_the_first_three_and_last_four_digits(phone, masked) -> None:
    assert masking.mask_phone(phone) == masked


def test_id_number_and_address_and_name_are_masked() -> None:
    assert masking.mask_id_number("410105199001011234") == "4101**********1234"
    assert masking.mask_address("河南省郑州市金水区花园路1号") == "河南省郑州市****"
    assert masking.mask_name("张小明") == "张**"
    assert "1234" not in masking.mask_address("郑州1234号院")
