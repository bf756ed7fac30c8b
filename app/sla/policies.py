"""SLA policies: how long each complaint-handling step may take, and why.

A policy is an amount in working days, calendar days or hours, counted from the
day after the start event (民法典 Art. 201; hours run from the event itself).
Calendar-day periods may roll a non-working last day to the next working day
(Art. 203) when the policy says so. `at_risk_percent` sets the warning: a clock
is at risk once that share of its period or less is left.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from app.sla.calendar import ONE_DAY


class PolicyUnit(StrEnum):
    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"
    HOURS = "hours"


class PolicyTarget(StrEnum):
    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"
    ACCEPT_DECISION = "accept_decision"
    MEDIATION = "mediation"


@dataclass(frozen=True)
class Policy:
    code: str
    name_zh: str
    name_en: str
    target: PolicyTarget
    amount: int
    unit: PolicyUnit
    legal_basis: str
    roll_to_workday: bool = False  # calendar days only (民法典 Art. 203)
    at_risk_percent: int = 20

    def __post_init__(self) -> None:
        if self.amount <= 0:
            raise ValueError(f"{self.code}: amount must be positive")
        if not 0 <= self.at_risk_percent <= 100:
            raise ValueError(f"{self.code}: at_risk_percent must be within 0..100")
        if self.roll_to_workday and self.unit is not PolicyUnit.CALENDAR_DAYS:
            raise ValueError(f"{self.code}: only calendar-day periods roll")

    @property
    def budget(self) -> timedelta:
        """Return the period as running clock time: N days of 24 h, or N hours."""
        if self.unit is PolicyUnit.HOURS:
            return timedelta(hours=self.amount)
        return self.amount * ONE_DAY

    @property
    def risk_window(self) -> timedelta:
        """Return the time left at or below which the clock is at risk."""
        return self.budget * self.at_risk_percent / 100

    def to_dict(self) -> dict[str, Any]:
        """Render the policy as JSON-ready plain data (a deadline's snapshot)."""
        return {
            "code": self.code,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "target": str(self.target),
            "amount": self.amount,
            "unit": str(self.unit),
            "legal_basis": self.legal_basis,
            "roll_to_workday": self.roll_to_workday,
            "at_risk_percent": self.at_risk_percent,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Policy":
        """Rebuild a policy from `to_dict` output; unknown keys are ignored."""
        return cls(
            code=data["code"],
            name_zh=data["name_zh"],
            name_en=data["name_en"],
            target=PolicyTarget(data["target"]),
            amount=int(data["amount"]),
            unit=PolicyUnit(data["unit"]),
            legal_basis=data["legal_basis"],
            roll_to_workday=bool(data.get("roll_to_workday", False)),
            at_risk_percent=int(data.get("at_risk_percent", 20)),
        )


# The 暂行办法 (SAMR Order 20) is the law for 2020–2021. It was reportedly replaced
# on 2026-04-15 (unverified), so date-version these before applying them later.
DEFAULT_POLICIES: tuple[Policy, ...] = (
    Policy(
        code="enterprise_first_response",
        name_zh="企业首次响应",
        name_en="Enterprise first response",
        target=PolicyTarget.FIRST_RESPONSE,
        amount=2,
        unit=PolicyUnit.WORKING_DAYS,
        # Shanghai Jinshan's "2天内受理", seen only in a reposted article
        # (unverified); whether its days are working days is our reading.
        legal_basis="地方实践「2天内受理」(上海金山区 ODR)",
        at_risk_percent=50,
    ),
    Policy(
        code="enterprise_resolution",
        name_zh="企业和解办结",
        name_en="Enterprise resolution",
        target=PolicyTarget.RESOLUTION,
        amount=10,
        unit=PolicyUnit.WORKING_DAYS,
        # The ODR duty comes from mirrored local guidance pages (unverified).
        legal_basis="12315 ODR 企业规范：10个工作日内与消费者协商和解",
    ),
    Policy(
        code="regulator_accept_decision",
        name_zh="受理决定",
        name_en="Decision to accept or reject",
        target=PolicyTarget.ACCEPT_DECISION,
        amount=7,
        unit=PolicyUnit.WORKING_DAYS,
        legal_basis="《市场监督管理投诉举报处理暂行办法》第十四条 (暂行办法 Art. 14)",
        at_risk_percent=30,
    ),
    Policy(
        code="regulator_mediation",
        name_zh="调解期限",
        name_en="Mediation",
        target=PolicyTarget.MEDIATION,
        amount=45,
        unit=PolicyUnit.WORKING_DAYS,
        # Counted from acceptance; testing time (Art. 20) and recusal (Art. 19)
        # arrive as pauses.
        legal_basis="暂行办法 Art. 21(1)(五): 自受理之日起45个工作日",
    ),
)
