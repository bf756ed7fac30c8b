from datetime import UTC, datetime, timedelta

import pytest

from app.sla.clock import Deadline, SlaState
from app.sla.notices import (
    NoticeFacts,
    NoticeKind,
    backoff,
    body,
    remaining_text,
    sign,
    subject,
    verify,
)
from app.sla.policies import PolicyUnit


def deadline(state: SlaState, **kw) -> Deadline:
    return Deadline("p", state, **kw)


@pytest.mark.parametrize(
    ("dl", "unit", "zh", "en"),
    [
        (
            deadline(SlaState.ON_TRACK, days_left=3),
            PolicyUnit.WORKING_DAYS,
            "还剩 3 个工作日",
            "3 working days left",
        ),
        (
            deadline(SlaState.AT_RISK, days_left=1),
            PolicyUnit.WORKING_DAYS,
            "还剩 1 个工作日",
            "1 working day left",
        ),
        (
            deadline(SlaState.PAUSED, days_left=2),
            PolicyUnit.CALENDAR_DAYS,
            "已暂停，还剩 2 天",
            "paused, 2 days left",
        ),
        (
            deadline(SlaState.ON_TRACK, remaining=timedelta(minutes=90)),
            PolicyUnit.HOURS,
            "还剩 2 小时",
            "2 hours left",
        ),
        (deadline(SlaState.BREACHED), PolicyUnit.WORKING_DAYS, "已逾期", "overdue"),
        (
            deadline(SlaState.MET),
            PolicyUnit.WORKING_DAYS,
            "已按时完成",
            "completed on time",
        ),
        (
            deadline(SlaState.MET_LATE),
            PolicyUnit.WORKING_DAYS,
            "逾期完成",
            "completed late",
        ),
    ],
)
def test_remaining_text_in_both_languages(dl, unit, zh, en) -> None:
    assert remaining_text(dl, unit) == (zh, en)


def test_calendar_unknown_text_names_the_year() -> None:
    zh, en = remaining_text(
        deadline(SlaState.CALENDAR_UNKNOWN, unknown_year=2027), PolicyUnit.WORKING_DAYS
    )
    assert "2027" in zh and "2027" in en


def test_signature_is_hmac_sha256_of_the_exact_body() -> None:
    signature = sign(b'{"a":1}', "secret")
    # Known value: printf '{"a":1}' | openssl dgst -sha256 -hmac secret
    assert signature == (
        "sha256=aa9e2e3575f5d7098b6caccd790888c36d5fdb63342a73bada2d6a51747a8494"
    )
    assert verify(b'{"a":1}', "secret", signature)
    assert not verify(b'{"a":2}', "secret", signature)
    assert not verify(b'{"a":1}', "other", signature)


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff(n) for n in (1, 2, 3)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
    ]
    assert backoff(40) == timedelta(hours=6)
    assert backoff(0) == timedelta(0)


def test_notice_texts_carry_number_target_and_local_due_time() -> None:
    facts = NoticeFacts(
        NoticeKind.BREACH,
        "TS20210430-000001",
        "受理决定",
        "Decision to accept or reject",
        datetime(2021, 5, 13, 16, tzinfo=UTC),
    )
    assert "已逾期" in subject(facts) and "overdue" in subject(facts)
    assert "2021-05-14 00:00" in body(facts)
    alert = NoticeFacts(NoticeKind.CALENDAR_UNKNOWN, year=2027)
    assert "2027" in subject(alert) and "2027" in body(alert)
