"""Which SLA clocks run when, read off a complaint's history.

- accept_decision (暂行办法 Art. 14): from receipt to the first accept or reject.
- mediation (Art. 21): from acceptance to confirmation, closure or termination.
- first_response (enterprise): from forwarding to the enterprise's first response.
- resolution (ODR, 10 working days): from forwarding to the resolve event.
A clock also stops when the case ends some other way (e.g. withdrawn): its outcome
is then `ended`, not `done`, so on-time figures can leave it out. A pause stops
only the clocks its reason concerns (PAUSES_FOR).
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from app.complaints.lifecycle import FINAL_STATUSES, Action, Status
from app.sla.clock import PauseReason
from app.sla.policies import PolicyTarget


class Outcome(StrEnum):
    DONE = "done"  # the step the clock waits for was taken
    ENDED = "ended"  # the case ended without that step


# Testing/appraisal time is excluded from mediation (Art. 20) and a recusal request
# suspends it (Art. 19); an enterprise cannot settle while waiting for the
# complainant's information or for a test, so its clocks stop too. The regulator's
# 7-day acceptance decision knows no pause.
PAUSES_FOR: dict[PolicyTarget, frozenset[PauseReason]] = {
    PolicyTarget.ACCEPT_DECISION: frozenset(),
    PolicyTarget.MEDIATION: frozenset(
        {PauseReason.TESTING_APPRAISAL, PauseReason.RECUSAL}
    ),
    PolicyTarget.FIRST_RESPONSE: frozenset({PauseReason.AWAITING_COMPLAINANT}),
    PolicyTarget.RESOLUTION: frozenset(PauseReason),
}

# The party a clock binds: notices for enterprise clocks go to the enterprise.
ENTERPRISE_TARGETS = frozenset({PolicyTarget.FIRST_RESPONSE, PolicyTarget.RESOLUTION})

_MEDIATION_ENDS = frozenset({Status.CONFIRMED, Status.CLOSED, *FINAL_STATUSES})
_MEDIATION_DONE = frozenset(
    {Status.CONFIRMED, Status.CLOSED, Status.MEDIATION_TERMINATED}
)


@dataclass(frozen=True)
class Step:
    """One lifecycle event: the action taken and the status it led to."""

    action: str
    to_status: str
    at: datetime


@dataclass(frozen=True)
class History:
    received_at: datetime
    forwarded_at: datetime | None
    first_response_at: datetime | None
    steps: tuple[Step, ...]  # in the order they happened


@dataclass(frozen=True)
class Span:
    """Where one clock starts and, if it has, where and how it stopped."""

    target: PolicyTarget
    started_at: datetime
    completed_at: datetime | None = None
    completed_by: str | None = None  # the action that stopped the clock
    outcome: Outcome | None = None


def spans(history: History) -> list[Span]:
    """List the clocks that have started, in target order."""
    found = [_accept_decision(history)]
    accepted = _first(history.steps, actions={Action.ACCEPT})
    if accepted is not None:
        found.append(_mediation(history, accepted))
    if history.forwarded_at is not None:
        found.append(_first_response(history, history.forwarded_at))
        found.append(_resolution(history, history.forwarded_at))
    return found


def _accept_decision(history: History) -> Span:
    start = history.received_at
    decided = _first(history.steps, actions={Action.ACCEPT, Action.REJECT})
    ended = _first(history.steps, statuses=FINAL_STATUSES)
    return _stop(PolicyTarget.ACCEPT_DECISION, start, decided, ended)


def _mediation(history: History, accepted: Step) -> Span:
    after = [s for s in history.steps if s.at >= accepted.at and s is not accepted]
    end = _first(after, statuses=_MEDIATION_ENDS)
    if end is None:
        return Span(PolicyTarget.MEDIATION, accepted.at)
    outcome = Outcome.DONE if end.to_status in _MEDIATION_DONE else Outcome.ENDED
    return Span(PolicyTarget.MEDIATION, accepted.at, end.at, end.action, outcome)


def _first_response(history: History, start: datetime) -> Span:
    target = PolicyTarget.FIRST_RESPONSE
    if history.first_response_at is not None:
        return Span(
            target, start, history.first_response_at, Action.RESPOND, Outcome.DONE
        )
    after = [s for s in history.steps if s.at >= start]
    return _stop(target, start, None, _first(after, statuses=FINAL_STATUSES))


def _resolution(history: History, start: datetime) -> Span:
    after = [s for s in history.steps if s.at >= start]
    resolved = _first(after, actions={Action.RESOLVE})
    ended = _first(after, statuses=FINAL_STATUSES)
    return _stop(PolicyTarget.RESOLUTION, start, resolved, ended)


def _stop(
    target: PolicyTarget, start: datetime, done: Step | None, ended: Step | None
) -> Span:
    # Whichever came first stops the clock; a completion wins a tie.
    if done is not None and (ended is None or done.at <= ended.at):
        return Span(target, start, done.at, done.action, Outcome.DONE)
    if ended is not None:
        return Span(target, start, ended.at, ended.action, Outcome.ENDED)
    return Span(target, start)


def _first(
    steps: Sequence[Step],
    *,
    actions: Collection[str] = (),
    statuses: Collection[str] = (),
) -> Step | None:
    for step in steps:
        if step.action in actions or step.to_status in statuses:
            return step
    return None
