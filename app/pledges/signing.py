"""Pledge and participation rules of seed 000 (第三届双品网购节通知).

A pledge goes draft → signed → withdrawn (by the enterprise) or revoked (by a
regulator, with a reason). It must be signed before the campaign starts,
unless a regulator has recorded an override with a reason. An enterprise is
approved to take part only with a signed pledge, and each region may recommend
at most five enterprises unless the campaign grants it more.
"""

from dataclasses import dataclass
from datetime import datetime

from app.pledges.enums import ParticipationStatus, PledgeStatus

PLEDGE_TRANSITIONS: dict[str, dict[PledgeStatus, PledgeStatus]] = {
    "sign": {PledgeStatus.DRAFT: PledgeStatus.SIGNED},
    "withdraw": {
        PledgeStatus.DRAFT: PledgeStatus.WITHDRAWN,
        PledgeStatus.SIGNED: PledgeStatus.WITHDRAWN,
    },
    "revoke": {PledgeStatus.SIGNED: PledgeStatus.REVOKED},
}
DECISIONS: dict[str, ParticipationStatus] = {
    "approve": ParticipationStatus.APPROVED,
    "reject": ParticipationStatus.REJECTED,
}


class RuleBroken(ValueError):
    """A registry rule refused the change; `code` names which."""

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en


@dataclass(frozen=True)
class SigningCheck:
    late: bool
    allowed: bool


def next_pledge_status(current: PledgeStatus, action: str) -> PledgeStatus:
    """Return the status after `action`.

    Raises:
        RuleBroken: when the action is not allowed from `current`.
    """
    target = PLEDGE_TRANSITIONS[action].get(current)
    if target is None:
        allowed = [a for a, moves in PLEDGE_TRANSITIONS.items() if current in moves]
        raise RuleBroken(
            "pledge_transition",
            f"承诺书当前状态为 {current}，不能执行 {action}；"
            f"可执行：{', '.join(allowed) or '无'}。",
            f"The pledge is {current}; cannot {action}. "
            f"Allowed: {', '.join(allowed) or 'none'}.",
        )
    return target


def check_signing(
    signed_at: datetime, campaign_starts_at: datetime, *, override_recorded: bool
) -> SigningCheck:
    """Decide whether a signature at `signed_at` is acceptable."""
    late = signed_at >= campaign_starts_at
    return SigningCheck(late=late, allowed=not late or override_recorded)


def check_recommendation_cap(current_count: int, cap: int) -> None:
    """Refuse a recommendation beyond the region's cap.

    Raises:
        RuleBroken: when the region has already recommended `cap` enterprises.
    """
    if current_count >= cap:
        raise RuleBroken(
            "recommendation_cap",
            f"本地区已推荐 {current_count} 家企业，达到本活动的上限 {cap} 家。",
            f"This region has recommended {current_count} enterprises, the cap "
            f"of {cap} for this campaign.",
        )


def check_approval(pledge_status: PledgeStatus | None) -> None:
    """Refuse approval of a participation without a signed pledge.

    Raises:
        RuleBroken: when there is no signed pledge.
    """
    if pledge_status != PledgeStatus.SIGNED:
        raise RuleBroken(
            "pledge_not_signed",
            "该企业尚未签署本活动的承诺书，不能批准参加。",
            "The enterprise has not signed the pledge; it cannot be approved.",
        )
