from typing import Any

import pytest

from app.accounts.roles import Role
from app.complaints import lifecycle
from app.complaints.lifecycle import (
    Action,
    Ratings,
    RejectReason,
    Status,
    TerminationReason,
    TrackLabel,
)

S, A = Status, Action
REG = (Role.REGIONAL_REGULATOR, Role.NATIONAL_REGULATOR)
ASSOC = (Role.ASSOCIATION,)
ENT = (Role.ENTERPRISE,)
OPEN = (
    S.SUBMITTED,
    S.ACCEPTED,
    S.FORWARDED,
    S.RESPONDED,
    S.RESOLVED,
    S.UNRESOLVED,
    S.CONFIRMED,
    S.DISPUTED,
)
MEDIATING = (S.ACCEPTED, S.FORWARDED, S.RESPONDED, S.UNRESOLVED, S.DISPUTED)

# Every allowed step, written out independently of lifecycle.TRANSITIONS.
ALLOWED: list[tuple[Status, Action, tuple[Role, ...], Status]] = [
    (S.SUBMITTED, A.ACCEPT, REG, S.ACCEPTED),
    (S.SUBMITTED, A.REJECT, REG, S.REJECTED),
    (S.ACCEPTED, A.FORWARD, REG, S.FORWARDED),
    (S.FORWARDED, A.RESPOND, ENT, S.RESPONDED),
    (S.RESPONDED, A.RESOLVE, ENT, S.RESOLVED),
    (S.RESPONDED, A.MARK_UNRESOLVED, REG + ASSOC, S.UNRESOLVED),
    (S.RESOLVED, A.CONFIRM, ASSOC, S.CONFIRMED),
    (S.RESOLVED, A.DISPUTE, ASSOC, S.DISPUTED),
    (S.UNRESOLVED, A.FORWARD_AGAIN, REG, S.FORWARDED),
    (S.DISPUTED, A.FORWARD_AGAIN, REG, S.FORWARDED),
    (S.CONFIRMED, A.CLOSE, REG, S.CLOSED),
    (S.UNRESOLVED, A.CLOSE, REG, S.CLOSED),
    (S.DISPUTED, A.CLOSE, REG, S.CLOSED),
    *((s, A.TERMINATE_MEDIATION, REG, S.MEDIATION_TERMINATED) for s in MEDIATING),
    *((s, A.WITHDRAW, ASSOC, S.WITHDRAWN) for s in OPEN),
]
ALLOWED_BY_ROLE = [(f, a, r, t) for f, a, roles, t in ALLOWED for r in roles]

GOOD_RATINGS = Ratings(attitude=5, speed=4, satisfaction=3)


def valid_extras(action: Action) -> dict[str, Any]:
    """Build the reason and ratings that make `action` valid."""
    if action is A.REJECT:
        return {"reason": RejectReason.TIME_BARRED}
    if action is A.TERMINATE_MEDIATION:
        return {"reason": TerminationReason.DEADLINE_PASSED}
    if action is A.CONFIRM:
        return {"ratings": GOOD_RATINGS}
    if action in (A.RESPOND, A.MARK_UNRESOLVED, A.DISPUTE, A.CLOSE):
        return {"reason": "商家已补发，快递单号 SF123"}
    return {}


@pytest.mark.parametrize(("status", "action", "role", "target"), ALLOWED_BY_ROLE)
def test_allowed_step_moves_the_complaint(
    status: Status, action: Action, role: Role, target: Status
) -> None:
    assert lifecycle.apply(status, action, role, **valid_extras(action)) == target
    assert action in lifecycle.allowed_actions(status, role)


def test_transition_table_holds_exactly_the_documented_steps() -> None:
    table = {
        (t.from_status, t.action, r, t.to_status)
        for t in lifecycle.TRANSITIONS
        for r in t.roles
    }
    assert table == set(ALLOWED_BY_ROLE)


@pytest.mark.parametrize(
    ("status", "action", "role"),
    [
        (S.FORWARDED, A.CONFIRM, Role.ASSOCIATION),
        (S.SUBMITTED, A.ACCEPT, Role.ENTERPRISE),
        (S.SUBMITTED, A.ACCEPT, Role.ASSOCIATION),
        (S.SUBMITTED, A.FORWARD, Role.REGIONAL_REGULATOR),
        (S.ACCEPTED, A.RESPOND, Role.ENTERPRISE),
        (S.FORWARDED, A.RESPOND, Role.REGIONAL_REGULATOR),
        (S.RESPONDED, A.RESOLVE, Role.ASSOCIATION),
        (S.RESPONDED, A.MARK_UNRESOLVED, Role.ENTERPRISE),
        (S.RESOLVED, A.CONFIRM, Role.ENTERPRISE),
        (S.RESOLVED, A.CONFIRM, Role.NATIONAL_REGULATOR),
        (S.RESOLVED, A.TERMINATE_MEDIATION, Role.REGIONAL_REGULATOR),
        (S.CONFIRMED, A.CLOSE, Role.ASSOCIATION),
        (S.SUBMITTED, A.TERMINATE_MEDIATION, Role.REGIONAL_REGULATOR),
        (S.FORWARDED, A.WITHDRAW, Role.ENTERPRISE),
        (S.DISPUTED, A.FORWARD, Role.REGIONAL_REGULATOR),
        (S.CLOSED, A.WITHDRAW, Role.ASSOCIATION),
        (S.REJECTED, A.ACCEPT, Role.REGIONAL_REGULATOR),
        (S.WITHDRAWN, A.FORWARD_AGAIN, Role.REGIONAL_REGULATOR),
        (S.MEDIATION_TERMINATED, A.CLOSE, Role.NATIONAL_REGULATOR),
        (S.SUBMITTED, A.ACCEPT, Role.ADMIN),
    ],
)
def test_forbidden_step_is_refused(status: Status, action: Action, role: Role) -> None:
    with pytest.raises(lifecycle.TransitionNotAllowed) as caught:
        lifecycle.apply(status, action, role, **valid_extras(action))
    assert caught.value.status is status
    assert caught.value.action is action
    assert caught.value.allowed == lifecycle.allowed_actions(status, role)


def test_refusal_names_the_status_and_the_actions_the_role_may_take() -> None:
    with pytest.raises(lifecycle.TransitionNotAllowed) as caught:
        lifecycle.apply(S.FORWARDED, A.CONFIRM, Role.ASSOCIATION, ratings=GOOD_RATINGS)
    err = caught.value
    assert err.allowed == [A.WITHDRAW]
    assert err.message == "当前状态为 已转交企业，不能执行 确认；可执行：撤回"
    assert err.message_en == (
        "Complaint is forwarded to the enterprise; cannot confirm. Allowed: withdraw"
    )
    assert err.status_code == 409
    assert not err.wrong_role


def test_refusal_to_the_wrong_role_lists_that_roles_own_options() -> None:
    with pytest.raises(lifecycle.TransitionNotAllowed) as caught:
        lifecycle.apply(S.SUBMITTED, A.ACCEPT, Role.ENTERPRISE)
    assert caught.value.allowed == []
    assert caught.value.wrong_role
    assert caught.value.message.endswith("可执行：无")
    assert caught.value.message_en.endswith("Allowed: none")


def test_regulator_sees_accept_and_reject_on_a_new_complaint() -> None:
    allowed = lifecycle.allowed_actions(S.SUBMITTED, Role.REGIONAL_REGULATOR)
    assert allowed == [A.ACCEPT, A.REJECT]


@pytest.mark.parametrize("status", list(Status))
def test_admin_takes_no_action_on_cases(status: Status) -> None:
    assert lifecycle.allowed_actions(status, Role.ADMIN) == []


@pytest.mark.parametrize(
    ("status", "final"),
    [(s, s in {S.CLOSED, S.REJECTED, S.WITHDRAWN, S.MEDIATION_TERMINATED}) for s in S],
)
def test_final_statuses_allow_nothing(status: Status, final: bool) -> None:
    assert lifecycle.is_final(status) is final
    anyone = [a for role in Role for a in lifecycle.allowed_actions(status, role)]
    assert (anyone == []) is final


@pytest.mark.parametrize("reason", list(RejectReason))
def test_rejection_accepts_each_art_15_ground(reason: RejectReason) -> None:
    rejected = lifecycle.apply(S.SUBMITTED, A.REJECT, REG[0], reason=reason.value)
    assert rejected is S.REJECTED


@pytest.mark.parametrize("reason", list(TerminationReason))
def test_termination_accepts_each_art_21_ground(reason: TerminationReason) -> None:
    ended = lifecycle.apply(S.DISPUTED, A.TERMINATE_MEDIATION, REG[1], reason=reason)
    assert ended is S.MEDIATION_TERMINATED


@pytest.mark.parametrize(
    ("status", "action", "reason"),
    [
        (S.SUBMITTED, A.REJECT, None),
        (S.SUBMITTED, A.REJECT, "不想受理"),
        (S.SUBMITTED, A.REJECT, TerminationReason.OTHER_STATUTORY),
        (S.ACCEPTED, A.TERMINATE_MEDIATION, None),
        (S.ACCEPTED, A.TERMINATE_MEDIATION, RejectReason.TIME_BARRED),
        (S.ACCEPTED, A.TERMINATE_MEDIATION, RejectReason.OTHER_STATUTORY),
        (S.FORWARDED, A.RESPOND, None),
        (S.FORWARDED, A.RESPOND, "   "),
        (S.RESPONDED, A.MARK_UNRESOLVED, ""),
        (S.DISPUTED, A.CLOSE, None),
        (S.SUBMITTED, A.ACCEPT, RejectReason.OUTSIDE_REMIT),
    ],
)
def test_missing_or_wrong_reason_is_invalid_and_names_the_field(
    status: Status, action: Action, reason: str | None
) -> None:
    role = next(r for f, a, r, _ in ALLOWED_BY_ROLE if (f, a) == (status, action))
    with pytest.raises(lifecycle.TransitionInvalid) as caught:
        lifecycle.apply(status, action, role, reason=reason)
    assert caught.value.field == "reason"
    assert caught.value.status_code == 422
    assert caught.value.message
    assert caught.value.message_en


def test_rejection_without_reason_cites_article_15() -> None:
    with pytest.raises(lifecycle.TransitionInvalid, match="reject") as caught:
        lifecycle.apply(S.SUBMITTED, A.REJECT, Role.REGIONAL_REGULATOR)
    assert "第十五条" in caught.value.message


def test_optional_note_is_accepted_where_no_reason_is_required() -> None:
    moved = lifecycle.apply(
        S.SUBMITTED, A.ACCEPT, Role.NATIONAL_REGULATOR, reason="材料齐全"
    )
    assert moved is S.ACCEPTED


@pytest.mark.parametrize(
    ("ratings", "field"),
    [
        (None, "ratings"),
        (Ratings(attitude=0, speed=3, satisfaction=3), "ratings.attitude"),
        (Ratings(attitude=5, speed=6, satisfaction=3), "ratings.speed"),
        (Ratings(attitude=5, speed=5, satisfaction=True), "ratings.satisfaction"),
    ],
)
def test_confirmation_needs_three_ratings_from_one_to_five(
    ratings: Ratings | None, field: str
) -> None:
    with pytest.raises(lifecycle.TransitionInvalid) as caught:
        lifecycle.apply(S.RESOLVED, A.CONFIRM, Role.ASSOCIATION, ratings=ratings)
    assert caught.value.field == field


def test_dispute_takes_ratings_but_does_not_need_them() -> None:
    note = "退款只到账一半"
    without = lifecycle.apply(S.RESOLVED, A.DISPUTE, Role.ASSOCIATION, reason=note)
    with_ratings = lifecycle.apply(
        S.RESOLVED, A.DISPUTE, Role.ASSOCIATION, reason=note, ratings=GOOD_RATINGS
    )
    assert without is with_ratings is S.DISPUTED


def test_dispute_rejects_an_out_of_range_rating() -> None:
    bad = Ratings(attitude=1, speed=1, satisfaction=9)
    with pytest.raises(lifecycle.TransitionInvalid) as caught:
        lifecycle.apply(
            S.RESOLVED, A.DISPUTE, Role.ASSOCIATION, reason="x", ratings=bad
        )
    assert caught.value.field == "ratings.satisfaction"


def test_ratings_on_a_step_that_takes_none_are_invalid() -> None:
    with pytest.raises(lifecycle.TransitionInvalid) as caught:
        lifecycle.apply(
            S.ACCEPTED, A.FORWARD, Role.REGIONAL_REGULATOR, ratings=GOOD_RATINGS
        )
    assert caught.value.field == "ratings"


@pytest.mark.parametrize(
    "enum", [Status, Action, RejectReason, TerminationReason, TrackLabel]
)
def test_every_member_has_a_chinese_and_an_english_label(enum: Any) -> None:
    for member in enum:
        assert member.zh
        assert member.en
        assert member.zh != member.en


def test_statutory_grounds_follow_the_articles_item_count() -> None:
    assert len(RejectReason) == 6  # Art. 15 (一)-(六)
    assert len(TerminationReason) == 7  # Art. 21 (一)-(七)


@pytest.mark.parametrize(
    ("status", "confirmed", "label", "code"),
    [
        (S.SUBMITTED, False, TrackLabel.PENDING, None),
        (S.ACCEPTED, False, TrackLabel.IN_PROGRESS, 4),
        (S.FORWARDED, False, TrackLabel.IN_PROGRESS, 4),
        (S.UNRESOLVED, False, TrackLabel.IN_PROGRESS, 4),
        (S.DISPUTED, False, TrackLabel.IN_PROGRESS, 4),
        (S.RESPONDED, False, TrackLabel.REPLIED, 6),
        (S.RESOLVED, False, TrackLabel.REPLIED, 6),
        (S.CONFIRMED, True, TrackLabel.COMPLETED, 7),
        (S.CLOSED, True, TrackLabel.COMPLETED, 7),
        (S.CLOSED, False, TrackLabel.CLOSED, 8),
        (S.REJECTED, False, TrackLabel.CLOSED, 8),
        (S.WITHDRAWN, False, TrackLabel.CLOSED, 8),
        (S.MEDIATION_TERMINATED, False, TrackLabel.CLOSED, 8),
    ],
)
def test_maps_status_to_the_public_heimao_style_label(
    status: Status, confirmed: bool, label: TrackLabel, code: int | None
) -> None:
    shown = lifecycle.enterprise_track_label(status, confirmed=confirmed)
    assert shown is label
    assert shown.heimao_code == code


@pytest.mark.parametrize(
    ("history", "valid", "replied", "completed"),
    [
        ([S.SUBMITTED], False, False, False),
        ([S.SUBMITTED, S.REJECTED], False, False, False),
        ([S.SUBMITTED, S.WITHDRAWN], False, False, False),
        ([S.SUBMITTED, S.ACCEPTED, S.FORWARDED], True, False, False),
        ([S.SUBMITTED, S.ACCEPTED, S.FORWARDED, S.WITHDRAWN], True, False, False),
        (
            [S.ACCEPTED, S.FORWARDED, S.RESPONDED, S.UNRESOLVED, S.CLOSED],
            True,
            True,
            False,
        ),
        ([S.ACCEPTED, S.FORWARDED, S.RESPONDED, S.RESOLVED], True, True, False),
        (
            [S.ACCEPTED, S.FORWARDED, S.RESPONDED, S.RESOLVED, S.CONFIRMED, S.CLOSED],
            True,
            True,
            True,
        ),
    ],
)
def test_counts_reply_and_completion_from_the_statuses_a_complaint_went_through(
    history: list[Status], valid: bool, replied: bool, completed: bool
) -> None:
    flags = lifecycle.metric_flags(history)
    assert (flags.valid, flags.replied, flags.completed) == (valid, replied, completed)
