from datetime import UTC, datetime, timedelta

from app.sla.clock import PauseReason
from app.sla.policies import PolicyTarget
from app.sla.timeline import PAUSES_FOR, History, Outcome, Step, spans

T0 = datetime(2021, 4, 30, 2, tzinfo=UTC)


def at(hours: int) -> datetime:
    return T0 + timedelta(hours=hours)


def by_target(history: History) -> dict[PolicyTarget, tuple]:
    return {
        s.target: (s.started_at, s.completed_at, s.completed_by, s.outcome)
        for s in spans(history)
    }


def test_a_new_complaint_runs_only_the_acceptance_clock() -> None:
    found = by_target(History(T0, None, None, (Step("file", "submitted", T0),)))
    assert found == {PolicyTarget.ACCEPT_DECISION: (T0, None, None, None)}


def test_acceptance_starts_mediation_and_forwarding_starts_the_enterprise_clocks() -> (
    None
):
    steps = (
        Step("file", "submitted", T0),
        Step("accept", "accepted", at(5)),
        Step("forward", "forwarded", at(6)),
        Step("respond", "responded", at(30)),
        Step("resolve", "resolved", at(50)),
        Step("confirm", "confirmed", at(70)),
    )
    found = by_target(History(T0, at(6), at(30), steps))
    assert found[PolicyTarget.ACCEPT_DECISION] == (T0, at(5), "accept", Outcome.DONE)
    assert found[PolicyTarget.MEDIATION] == (at(5), at(70), "confirm", Outcome.DONE)
    assert found[PolicyTarget.FIRST_RESPONSE] == (
        at(6),
        at(30),
        "respond",
        Outcome.DONE,
    )
    assert found[PolicyTarget.RESOLUTION] == (at(6), at(50), "resolve", Outcome.DONE)


def test_a_rejection_completes_acceptance_and_no_mediation_starts() -> None:
    steps = (Step("reject", "rejected", at(3)),)
    found = by_target(History(T0, None, None, steps))
    assert found == {PolicyTarget.ACCEPT_DECISION: (T0, at(3), "reject", Outcome.DONE)}


def test_withdrawal_ends_running_clocks_without_doing_their_step() -> None:
    steps = (
        Step("accept", "accepted", at(1)),
        Step("forward", "forwarded", at(2)),
        Step("withdraw", "withdrawn", at(9)),
    )
    found = by_target(History(T0, at(2), None, steps))
    assert found[PolicyTarget.MEDIATION] == (at(1), at(9), "withdraw", Outcome.ENDED)
    assert found[PolicyTarget.FIRST_RESPONSE] == (
        at(2),
        at(9),
        "withdraw",
        Outcome.ENDED,
    )
    assert found[PolicyTarget.RESOLUTION] == (at(2), at(9), "withdraw", Outcome.ENDED)


def test_terminating_mediation_completes_the_mediation_clock() -> None:
    steps = (
        Step("accept", "accepted", at(1)),
        Step("terminate_mediation", "mediation_terminated", at(4)),
    )
    found = by_target(History(T0, None, None, steps))
    assert found[PolicyTarget.MEDIATION][3] is Outcome.DONE


def test_pauses_stop_only_the_clocks_they_concern() -> None:
    assert PAUSES_FOR[PolicyTarget.ACCEPT_DECISION] == frozenset()
    assert PauseReason.TESTING_APPRAISAL in PAUSES_FOR[PolicyTarget.MEDIATION]
    assert PauseReason.AWAITING_COMPLAINANT not in PAUSES_FOR[PolicyTarget.MEDIATION]
    assert PauseReason.AWAITING_COMPLAINANT in PAUSES_FOR[PolicyTarget.RESOLUTION]
