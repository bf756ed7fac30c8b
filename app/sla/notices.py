"""What SLA notices say, how webhooks are signed and how retries back off.

Three things raise a notice: a clock entering its risk window (a reminder), a
clock passing its due instant (a breach), and a deadline that needs a year the
working-day calendar does not cover (an alert to enter the State Council notice).
Texts are Chinese first with English after. A webhook body is signed with
HMAC-SHA256 so the receiver can check it came from us. A failed delivery is
retried after base * 2^(attempts-1), capped, so a dead endpoint is not hammered.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from app.sla.calendar import SHANGHAI
from app.sla.clock import Deadline, SlaState
from app.sla.policies import PolicyUnit

SIGNATURE_HEADER = "X-SLA-Signature"


class NoticeKind(StrEnum):
    AT_RISK = "at_risk"
    BREACH = "breach"
    CALENDAR_UNKNOWN = "calendar_unknown"


class Channel(StrEnum):
    WEBHOOK = "webhook"
    EMAIL = "email"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the last attempt
    SKIPPED = "skipped"  # channel not configured or no recipient


_UNIT_WORDS: dict[PolicyUnit, tuple[str, str]] = {
    PolicyUnit.WORKING_DAYS: ("个工作日", "working day"),
    PolicyUnit.CALENDAR_DAYS: ("天", "day"),
    PolicyUnit.HOURS: ("小时", "hour"),
}


def remaining_text(deadline: Deadline, unit: PolicyUnit) -> tuple[str, str]:
    """Say in Chinese and English how much time a clock has left."""
    state = deadline.state
    if state is SlaState.MET:
        return "已按时完成", "completed on time"
    if state is SlaState.MET_LATE:
        return "逾期完成", "completed late"
    if state is SlaState.BREACHED:
        return "已逾期", "overdue"
    if state is SlaState.CALENDAR_UNKNOWN:
        year = deadline.unknown_year
        return (
            f"{year} 年的工作日安排尚未录入，暂无法计算期限",
            f"the working days of {year} are not entered yet; no due date",
        )
    zh_unit, en_unit = _UNIT_WORDS[unit]
    count = _count(deadline, unit)
    plural = "" if count == 1 else "s"
    zh, en = f"还剩 {count} {zh_unit}", f"{count} {en_unit}{plural} left"
    if state is SlaState.PAUSED:
        return f"已暂停，{zh}", f"paused, {en}"
    return zh, en


def _count(deadline: Deadline, unit: PolicyUnit) -> int:
    if unit is PolicyUnit.HOURS:
        left = deadline.remaining or timedelta(0)
        return -(-left // timedelta(hours=1))  # a started hour still counts
    return deadline.days_left or 0


@dataclass(frozen=True)
class NoticeFacts:
    """What a notice is about, gathered by the service from stored rows."""

    kind: NoticeKind
    complaint_number: str | None = None
    policy_name_zh: str | None = None
    policy_name_en: str | None = None
    due_at: datetime | None = None
    year: int | None = None


def subject(facts: NoticeFacts) -> str:
    """Return the one-line subject of a notice, Chinese then English."""
    if facts.kind is NoticeKind.CALENDAR_UNKNOWN:
        return (
            f"【工作日历缺失】请录入 {facts.year} 年节假日安排 / "
            f"Working-day calendar missing for {facts.year}"
        )
    zh, en = {
        NoticeKind.AT_RISK: ("即将到期", "due soon"),
        NoticeKind.BREACH: ("已逾期", "overdue"),
    }[facts.kind]
    return (
        f"【投诉时限{zh}】{facts.complaint_number} {facts.policy_name_zh} / "
        f"Complaint {facts.complaint_number}: {facts.policy_name_en} {en}"
    )


def body(facts: NoticeFacts) -> str:
    """Return the plain-text body of a notice, Chinese then English."""
    if facts.kind is NoticeKind.CALENDAR_UNKNOWN:
        return (
            f"有投诉期限需要 {facts.year} 年的工作日数据，系统不会按周一至周五推测。"
            f"请管理员依国务院办公厅通知录入该年的调休与节假日，并声明该年已覆盖。\n\n"
            f"A deadline needs the working days of {facts.year}; the service does "
            f"not guess Monday to Friday. An admin should enter that year's State "
            f"Council holiday notice as overrides and declare the year covered."
        )
    due = (
        facts.due_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        if (facts.due_at)
        else "-"
    )
    return (
        f"{subject(facts)}\n\n"
        f"投诉编号：{facts.complaint_number}\n时限：{facts.policy_name_zh}\n"
        f"截止时间（北京时间）：{due}\n\n"
        f"Complaint: {facts.complaint_number}\nTarget: {facts.policy_name_en}\n"
        f"Due (Asia/Shanghai): {due}"
    )


def sign(payload: bytes, secret: str) -> str:
    """Return the signature header value for a webhook body."""
    digest = hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(payload: bytes, secret: str, signature: str) -> bool:
    """Tell whether `signature` is ours for `payload` (constant-time compare)."""
    return hmac.compare_digest(sign(payload, secret), signature)


def backoff(
    attempts: int,
    *,
    base: timedelta = timedelta(minutes=1),
    cap: timedelta = timedelta(hours=6),
) -> timedelta:
    """Return the wait before retrying after `attempts` failed attempts."""
    if attempts < 1:
        return timedelta(0)
    return min(cap, base * 2 ** min(attempts - 1, 30))
