import pytest

from app.pledges import uscc

REAL_CODES = [
    "914403001922038216",  # 华为技术有限公司
    "9144030071526726XG",  # 腾讯科技（深圳）有限公司
    "91440300708461136T",  # 深圳市腾讯计算机系统有限公司
    "91330100799655058B",  # 阿里巴巴（中国）有限公司
    "91110302562134916R",  # 北京京东世纪信息技术有限公司
    "91110108551385082Q",  # 小米科技有限责任公司
    "91110000600037341L",
    "12100000441626770L",  # a 事业单位 with a "12" prefix
]


@pytest.mark.parametrize("code", REAL_CODES)
def test_accepts_real_published_codes_with_a_valid_check(code: str) -> None:
    parsed = uscc.parse(code)
    assert parsed.code == code
    assert parsed.checksum_ok


def test_gb_worked_example_computes_check_3_and_its_z_is_rejected() -> None:
    assert uscc.check_character("91350100M000100Y4") == "3"
    with pytest.raises(uscc.UsccError, match="outside"):
        uscc.parse("91350100M000100Y4Z")


def test_flags_a_wrong_check_character_as_a_warning() -> None:
    parsed = uscc.parse("914403001922038217")
    assert not parsed.checksum_ok
    assert parsed.expected_check == "6"


@pytest.mark.parametrize(
    "code", ["91350100M0001TGQXM", "91350211M0000XUF46", "91350203M0001FUE2P"]
)
def test_accepts_pilot_era_codes_that_fail_the_check_as_warnings(code: str) -> None:
    assert uscc.parse(code).checksum_ok is False


def test_normalises_case_spaces_and_hyphens() -> None:
    assert uscc.parse(" 9144-0300 7152 6726xg ").code == "9144030071526726XG"


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("91440300192203821", "18 characters"),
        ("9144030019220382166", "18 characters"),
        ("", "18 characters"),
        ("91440300192203821I", "outside"),
        ("91440300192203821O", "outside"),
        ("9144030019220382S6", "outside"),
        ("9144030019220382中6", "outside"),
    ],
)
def test_rejects_wrong_length_or_characters_outside_the_set(
    raw: str, problem: str
) -> None:
    with pytest.raises(uscc.UsccError, match=problem):
        uscc.parse(raw)


def test_letter_prefixed_codes_are_allowed() -> None:
    first17 = "Y1110000MA00000A0"
    code = first17 + uscc.check_character(first17)
    assert uscc.parse(code).checksum_ok
