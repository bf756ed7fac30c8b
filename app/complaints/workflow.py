"""Moving a complaint along: lifecycle transitions, the message thread, pauses.

Every transition goes through the pure state machine (`lifecycle.apply`), is
stored as an event row, audited, and re-evaluates the SLA clocks. A request for
more information from the complainant pauses the enterprise's clock until the
complainant side replies; testing/appraisal (Art. 20) and recusal (Art. 19)
pauses are opened and closed by a regulator.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.accounts import audit
from app.accounts.access import Actor
from app.accounts.roles import Role
from app.clock import utcnow
from app.complaints import lifecycle
from app.complaints.enums import MessageKind
from app.complaints.models import Complaint, ComplaintMessage
from app.complaints.service import _commit_or_conflict, _event, get_complaint
from app.errors import Conflict, Forbidden, Invalid, field_error
from app.extensions import db
from app.oversight import rollups
from app.sla import service as sla
from app.sla.models import SlaPause

AWAITING_COMPLAINANT = "awaiting_complainant"
REGULATOR_PAUSES = ("testing_appraisal", "recusal")


def transition(
    actor: Actor,
    complaint_id: int,
    *,
    data: Mapping[str, Any],
    now: datetime | None = None,
) -> Complaint:
    """Take one lifecycle action on a complaint.

    Raises:
        Conflict: the action is not open now (the message lists those that are).
        Invalid: a required reason, note or rating is missing.
    """
    now = now or utcnow()
    c = get_complaint(actor, complaint_id)
    if (
        data.get("expected_version") is not None
        and data["expected_version"] != c.version
    ):
        raise Conflict(
            "该投诉已被他人更新，请刷新后重试。",
            "The complaint has changed since you loaded it; reload and retry.",
            reason="concurrent_update",
        )
    action = lifecycle.Action(data["action"])
    current = lifecycle.Status(c.status)
    ratings = _ratings(data.get("ratings"))
    reason = data.get("reason") or data.get("note")
    try:
        target = lifecycle.apply(
            current, action, actor.role, reason=reason, ratings=ratings
        )
    except lifecycle.TransitionNotAllowed as err:
        raise Conflict(
            err.message,
            err.message_en,
            reason="transition_not_allowed",
            errors={"action": [a.value for a in err.allowed]},
        ) from err
    except lifecycle.TransitionInvalid as err:
        raise Invalid(
            err.message,
            err.message_en,
            errors={err.field: [err.message_en]},
            reason="transition_invalid",
        ) from err
    _apply_side_effects(c, actor, action, target, data, ratings, now)
    _event(
        c,
        actor,
        action.value,
        current.value,
        target.value,
        now,
        note=data.get("note"),
        reason=data.get("reason"),
    )
    audit.record(
        actor,
        f"complaint.{action.value}",
        "complaint",
        c.id,
        before={"status": current.value},
        after={"status": target.value},
        note=data.get("note") or data.get("reason"),
        at=now,
    )
    db.session.flush()
    sla.refresh(c.id, now=now)
    rollups.on_status_changed(c, current.value, target.value)
    _commit_or_conflict()
    return c


def _ratings(raw: Mapping[str, int] | None) -> lifecycle.Ratings | None:
    if not raw:
        return None
    return lifecycle.Ratings(
        attitude=raw["attitude"], speed=raw["speed"], satisfaction=raw["satisfaction"]
    )


def _apply_side_effects(
    c: Complaint,
    actor: Actor,
    action: lifecycle.Action,
    target: lifecycle.Status,
    data: Mapping[str, Any],
    ratings: lifecycle.Ratings | None,
    now: datetime,
) -> None:
    if (
        action in (lifecycle.Action.ACCEPT, lifecycle.Action.FORWARD)
        and c.enterprise_id is None
    ):
        raise Invalid(
            "请先为该投诉确定被投诉企业（待匹配队列）。",
            "Match the complaint to an enterprise first (needs-matching queue).",
            reason="needs_matching",
            status_code=409,
        )
    c.status = target.value
    c.updated_at = now
    if action == lifecycle.Action.FORWARD and c.forwarded_at is None:
        c.forwarded_at = now
    if action == lifecycle.Action.RESPOND:
        c.first_response_at = c.first_response_at or now
        db.session.add(
            ComplaintMessage(
                complaint_id=c.id,
                at=now,
                user_id=actor.user_id,
                role=str(actor.role),
                kind=MessageKind.MESSAGE,
                body=data.get("note") or "",
            )
        )
    if ratings is not None:
        c.rating_attitude, c.rating_speed = ratings.attitude, ratings.speed
        c.rating_satisfaction = ratings.satisfaction
    if lifecycle.is_final(target):
        c.closed_at = now
        _end_open_pauses(c.id, now)


def post_message(
    actor: Actor,
    complaint_id: int,
    *,
    data: Mapping[str, Any],
    now: datetime | None = None,
) -> ComplaintMessage:
    """Add to the thread; an info request pauses the clock, the reply resumes it."""
    now = now or utcnow()
    c = get_complaint(actor, complaint_id)
    kind = MessageKind(data.get("kind", MessageKind.MESSAGE))
    _check_message_allowed(c, actor, kind)
    msg = ComplaintMessage(
        complaint_id=c.id,
        at=now,
        user_id=actor.user_id,
        role=str(actor.role),
        kind=kind,
        body=data["body"],
        refund_amount=data.get("refund_amount"),
        compensation_amount=data.get("compensation_amount"),
        replacement=data.get("replacement"),
    )
    db.session.add(msg)
    if (
        kind == MessageKind.INFO_REQUEST
        and _open_pause(c.id, AWAITING_COMPLAINANT) is None
    ):
        db.session.add(
            SlaPause(
                complaint_id=c.id,
                reason=AWAITING_COMPLAINANT,
                started_at=now,
                note=data["body"][:500],
            )
        )
    if kind == MessageKind.INFO_REPLY:
        pause = _open_pause(c.id, AWAITING_COMPLAINANT)
        if pause is not None:
            pause.ended_at = now
    c.updated_at = now
    db.session.flush()
    audit.record(
        actor,
        f"complaint.message.{kind.value}",
        "complaint",
        c.id,
        after={"message_id": msg.id},
        at=now,
    )
    sla.refresh(c.id, now=now)
    _commit_or_conflict()
    return msg


def _check_message_allowed(c: Complaint, actor: Actor, kind: MessageKind) -> None:
    if lifecycle.is_final(lifecycle.Status(c.status)):
        raise Conflict(
            "投诉已办结，不能再留言。", "The complaint is closed; no more messages."
        )
    if actor.role == Role.ENTERPRISE and c.forwarded_at is None:
        raise Conflict(
            "投诉尚未转交贵企业。", "The complaint has not been forwarded to you yet."
        )
    allowed = {
        MessageKind.MESSAGE: {
            Role.ASSOCIATION,
            Role.ENTERPRISE,
            Role.REGIONAL_REGULATOR,
            Role.NATIONAL_REGULATOR,
        },
        MessageKind.INFO_REQUEST: {
            Role.ENTERPRISE,
            Role.REGIONAL_REGULATOR,
            Role.NATIONAL_REGULATOR,
        },
        MessageKind.INFO_REPLY: {Role.ASSOCIATION},
        MessageKind.PROPOSAL: {Role.ENTERPRISE},
    }[kind]
    if actor.role not in allowed:
        raise Forbidden(
            "当前角色不能发送此类消息。",
            f"Your role cannot send a {kind.value} message.",
        )


def _open_pause(complaint_id: int, reason: str | None = None) -> SlaPause | None:
    stmt = select(SlaPause).where(
        SlaPause.complaint_id == complaint_id, SlaPause.ended_at.is_(None)
    )
    if reason:
        stmt = stmt.where(SlaPause.reason == reason)
    return db.session.scalar(stmt.limit(1))


def _end_open_pauses(complaint_id: int, now: datetime) -> None:
    for pause in db.session.scalars(
        select(SlaPause).where(
            SlaPause.complaint_id == complaint_id, SlaPause.ended_at.is_(None)
        )
    ):
        pause.ended_at = now


def pause(
    actor: Actor,
    complaint_id: int,
    *,
    reason: str,
    note: str | None = None,
    now: datetime | None = None,
) -> SlaPause:
    """Stop the clocks for testing (Art. 20) or a recusal decision (Art. 19)."""
    now = now or utcnow()
    c = get_complaint(actor, complaint_id)
    if reason not in REGULATOR_PAUSES:
        raise field_error(
            "reason",
            "暂停原因须为检测鉴定或回避决定。",
            f"reason must be one of {', '.join(REGULATOR_PAUSES)}.",
        )
    if lifecycle.is_final(lifecycle.Status(c.status)):
        raise Conflict("投诉已办结。", "The complaint is closed.")
    if _open_pause(c.id, reason) is not None:
        raise Conflict("已有同类暂停未结束。", f"A {reason} pause is already open.")
    row = SlaPause(complaint_id=c.id, reason=reason, started_at=now, note=note)
    db.session.add(row)
    db.session.flush()
    audit.record(
        actor,
        "complaint.pause",
        "complaint",
        c.id,
        after={"reason": reason},
        note=note,
        at=now,
    )
    sla.refresh(c.id, now=now)
    db.session.commit()
    return row


def resume(
    actor: Actor, complaint_id: int, *, reason: str, now: datetime | None = None
) -> SlaPause:
    """End an open regulator pause; the remaining time carries over."""
    now = now or utcnow()
    c = get_complaint(actor, complaint_id)
    row = _open_pause(c.id, reason)
    if row is None:
        raise Conflict("没有进行中的该类暂停。", f"No open {reason} pause.")
    row.ended_at = now
    audit.record(
        actor, "complaint.resume", "complaint", c.id, after={"reason": reason}, at=now
    )
    db.session.flush()
    sla.refresh(c.id, now=now)
    db.session.commit()
    return row
