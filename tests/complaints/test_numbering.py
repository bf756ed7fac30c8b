from datetime import UTC, date, datetime

import pytest

from app.complaints.numbering import (
    PREFIX_LETTERS,
    ComplaintNumber,
    ComplaintNumberInvalid,
    format_number,
    format_numbers,
    parse_number,
    shanghai_date,
)

FESTIVAL_DAY = date(2021, 4, 28)


@pytest.mark.parametrize(
    ("prefix", "day", "seq", "text"),
    [
        ("TS", FESTIVAL_DAY, 123, "TS-20210428-000123"),
        ("TS", FESTIVAL_DAY, 1, "TS-20210428-000001"),
        ("TS", date(2021, 5, 10), 999_999, "TS-20210510-999999"),
        ("SHWG", date(2020, 11, 11), 42, "SHWG-20201111-000042"),
    ],
)
def test_formats_prefix_local_date_and_padded_sequence(
    prefix: str, day: date, seq: int, text: str
) -> None:
    assert format_number(prefix, day, seq) == text
    assert parse_number(text) == ComplaintNumber(prefix, day, seq)


@pytest.mark.parametrize(
    "heard",
    [
        "TS-20210428-000123",
        "ts-20210428-000123",
        "TS20210428000123",
        "TS 2021 0428 000123",
        " ts_20210428_000123 ",
        "ＴＳ－２０２１０４２８－０００１２３",
        "TS—20210428—000123",
        "TS-2021O428-OOO123",  # letter O typed for zero
        "TS-2O2IO428-000l23",  # I and l typed for one
    ],
)
def test_parses_a_number_however_it_was_typed_or_heard(heard: str) -> None:
    assert parse_number(heard) == ComplaintNumber("TS", FESTIVAL_DAY, 123)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "20210428-000123",
        "TS-20210428-00123",
        "TS-20210428-0000123",
        "TS-20210230-000001",  # no 30 February
        "TS-20210428-000000",  # sequences start at 1
        "IO-20210428-000001",  # I and O never appear in a prefix
        "TOOLONG-20210428-000001",
        "TS-2021-04-28-X00001",
    ],
)
def test_rejects_text_that_is_not_a_complaint_number(bad: str) -> None:
    with pytest.raises(ComplaintNumberInvalid):
        parse_number(bad)


@pytest.mark.parametrize("prefix", ["", "ts", "TIO", "QA", "ABCDE", "T1"])
def test_refuses_prefixes_a_caller_could_misread(prefix: str) -> None:
    with pytest.raises(ValueError, match="prefix"):
        format_number(prefix, FESTIVAL_DAY, 1)


@pytest.mark.parametrize("seq", [0, -1, 1_000_000])
def test_refuses_a_sequence_outside_six_digits(seq: int) -> None:
    with pytest.raises(ValueError, match="seq"):
        format_number("TS", FESTIVAL_DAY, seq)


@pytest.mark.parametrize(
    "seqs", [range(1, 1), range(7, 8), range(98, 103), range(999_990, 1_000_000)]
)
def test_a_run_of_numbers_reads_as_each_number_alone(seqs: range) -> None:
    assert format_numbers("TS", FESTIVAL_DAY, seqs) == [
        format_number("TS", FESTIVAL_DAY, seq) for seq in seqs
    ]


@pytest.mark.parametrize(
    ("prefix", "seqs", "problem"),
    [("TI", range(1, 3), "prefix"), ("TS", range(999_999, 1_000_001), "seq")],
)
def test_a_run_of_numbers_is_refused_as_its_numbers_are(
    prefix: str, seqs: range, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        format_numbers(prefix, FESTIVAL_DAY, seqs)


def test_prefix_alphabet_has_no_letter_that_reads_as_a_digit() -> None:
    assert not set("IOQ") & set(PREFIX_LETTERS)


def test_number_prints_as_its_formatted_text() -> None:
    assert str(ComplaintNumber("TS", FESTIVAL_DAY, 7)) == "TS-20210428-000007"


@pytest.mark.parametrize(
    ("instant", "day"),
    [
        (datetime(2021, 4, 27, 15, 59, tzinfo=UTC), date(2021, 4, 27)),
        (datetime(2021, 4, 27, 16, 0, tzinfo=UTC), FESTIVAL_DAY),
        (datetime(2021, 4, 28, 15, 59, tzinfo=UTC), FESTIVAL_DAY),
    ],
)
def test_dates_a_complaint_by_the_shanghai_calendar(
    instant: datetime, day: date
) -> None:
    assert shanghai_date(instant) == day


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        shanghai_date(datetime(2021, 4, 28, 12, 0))
