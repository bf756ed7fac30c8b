from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select

from app.accounts.access import SYSTEM
from app.errors import Invalid
from app.extensions import db
from app.sla import service, settings
from app.sla.models import ComplaintDeadline, OutboxNotice, SlaBreach, SlaPolicyChoice
from tests import builders as b
from tests.sla.builders import accepted_and_forwarded, file, pause, resume, sh, step


def deadline(complaint_id: int, target: str) -> ComplaintDeadline:
    row = db.session.scalar(
        select(ComplaintDeadline).where(
            ComplaintDeadline.complaint_id == complaint_id,
            ComplaintDeadline.target == target,
        )
    )
    assert row is not None, f"no {target} clock"
    db.session.refresh(row)
    return row


def test_filing_starts_the_acceptance_clock_over_the_labour_day_holiday(app) -> None:
    # 7 working days after 2021-04-30: 05-06, 07, 08 (make-up Sat), 10, 11, 12, 13.
    c = file(sh(2021, 4, 30, 10))
    row = deadline(c.id, "accept_decision")
    assert row.state == "on_track"
    assert row.due_at == sh(2021, 5, 14)
    assert row.policy_code == "regulator_accept_decision"
    choice = db.session.get(SlaPolicyChoice, row.choice_key)
    assert choice.selection["level"] == "builtin_default"
    # 30 % of 7 days at risk: 4.9 working days used, i.e. 05-11 21:36.
    assert row.at_risk_at == sh(2021, 5, 11, 21, 36)
    assert db.session.scalar(select(func.count()).select_from(ComplaintDeadline)) == 1


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (sh(2021, 5, 1, 9), sh(2021, 5, 14)),  # on a holiday: counting starts 05-02
        (sh(2021, 5, 8, 15), sh(2021, 5, 19)),  # on a make-up Saturday
    ],
)
def test_filing_on_a_holiday_or_a_make_up_saturday(app, received, due) -> None:
    c = file(received)
    assert deadline(c.id, "accept_decision").due_at == due


def test_acceptance_in_time_is_met_and_starts_mediation(app) -> None:
    c = file(sh(2021, 4, 30, 10))
    step(c, "accept", "accepted", sh(2021, 5, 10, 9))
    accept = deadline(c.id, "accept_decision")
    assert (accept.state, accept.completed_by, accept.outcome) == (
        "met",
        "accept",
        "done",
    )
    mediation = deadline(c.id, "mediation")
    assert mediation.started_at == sh(2021, 5, 10, 9)
    assert mediation.state == "on_track"
    assert mediation.due_at is not None


def test_a_late_rejection_is_met_late_with_one_breach_holding_the_final_lateness(
    app,
) -> None:
    c = file(sh(2021, 4, 30, 10))
    step(c, "reject", "rejected", sh(2021, 5, 14, 6))
    row = deadline(c.id, "accept_decision")
    assert row.state == "met_late"
    assert row.overdue_seconds == 6 * 3600
    breach = db.session.scalar(select(SlaBreach))
    assert (breach.target, breach.overdue_seconds) == ("accept_decision", 6 * 3600)
    assert breach.resolved_at == sh(2021, 5, 14, 6)
    keys = set(db.session.scalars(select(OutboxNotice.key)))
    assert keys == {
        f"breach:{c.id}:accept_decision:webhook",
        f"breach:{c.id}:accept_decision:email",
    }


def test_an_info_request_pauses_enterprise_clocks_and_the_reply_carries_time_over(
    app,
) -> None:
    # Forwarded Thu 05-06: 10 working days are 05-07 … 05-19, due 05-20 00:00.
    c = accepted_and_forwarded(sh(2021, 4, 30, 10), sh(2021, 5, 6, 9))
    assert deadline(c.id, "resolution").due_at == sh(2021, 5, 20)
    mediation_due = deadline(c.id, "mediation").due_at
    asked = pause(c, "awaiting_complainant", sh(2021, 5, 11, 12))
    paused = deadline(c.id, "resolution")
    assert (paused.state, paused.due_at) == ("paused", None)
    # 05-07 and 05-08 (make-up Saturday) and 05-10 used, half of 05-11 too.
    assert paused.remaining_seconds == int(6.5 * 86400)
    resume(asked, sh(2021, 5, 12, 12))
    resumed = deadline(c.id, "resolution")
    # One working day (05-11 12:00 → 05-12 12:00) stood still: due one day later.
    assert (resumed.state, resumed.due_at) == ("on_track", sh(2021, 5, 21))
    assert resumed.pause_count == 1
    # Mediation does not stop for an information request.
    assert deadline(c.id, "mediation").due_at == mediation_due


def test_a_short_pause_moves_the_first_response_by_exactly_its_length(app) -> None:
    c = accepted_and_forwarded(sh(2021, 4, 30, 10), sh(2021, 5, 6, 9))
    assert deadline(c.id, "first_response").due_at == sh(2021, 5, 9)
    asked = pause(c, "awaiting_complainant", sh(2021, 5, 7, 12))
    resume(asked, sh(2021, 5, 7, 18))
    # 6 h stood still; Sunday 05-09 is no working day, so the rest runs on Monday.
    assert deadline(c.id, "first_response").due_at == sh(2021, 5, 10, 6)
    step(c, "respond", "responded", sh(2021, 5, 10, 5))
    assert deadline(c.id, "first_response").state == "met"


def test_a_deadline_into_an_uncovered_year_is_calendar_unknown_with_one_alert(
    app,
) -> None:
    c = file(sh(2026, 12, 28, 10))
    row = deadline(c.id, "accept_decision")
    assert (row.state, row.due_at, row.unknown_year) == ("calendar_unknown", None, 2027)
    alerts = db.session.scalars(
        select(OutboxNotice).where(OutboxNotice.kind == "calendar_unknown")
    )
    assert sorted(a.key for a in alerts) == [
        "calendar_unknown:2027:email",
        "calendar_unknown:2027:webhook",
    ]
    file(sh(2026, 12, 29, 10))  # a second clock waiting for 2027 adds no alert
    assert db.session.scalar(select(func.count()).select_from(OutboxNotice)) == 2


def test_declaring_the_year_gives_waiting_clocks_their_due_dates(app) -> None:
    c = file(sh(2026, 12, 28, 10))
    settings.add_override(
        SYSTEM,
        data={"date": date(2027, 1, 1), "is_workday": False, "reason": "元旦"},
        now=sh(2026, 12, 28, 11),
    )
    assert deadline(c.id, "accept_decision").state == "calendar_unknown"
    result = settings.declare_year(
        SYSTEM,
        data={"year": 2027, "note": "国办发明电〔2026〕"},
        now=sh(2026, 12, 28, 12),
    )
    assert result["recomputed_deadlines"] == 1
    row = deadline(c.id, "accept_decision")
    # 12-29, 30, 31, then 2027-01-04 … 01-07 (01-01 is the override's holiday).
    assert (row.state, row.due_at, row.unknown_year) == (
        "on_track",
        sh(2027, 1, 8),
        None,
    )


def test_an_override_moves_running_deadlines_in_bulk(app) -> None:
    first, second = file(sh(2021, 4, 30, 10)), file(sh(2021, 4, 30, 15))
    result = settings.add_override(
        SYSTEM,
        data={"date": date(2021, 5, 10), "is_workday": False, "reason": "停工"},
        now=sh(2021, 5, 1),
    )
    assert result["recomputed_deadlines"] == 2
    for c in (first, second):
        assert deadline(c.id, "accept_decision").due_at == sh(2021, 5, 15)
    assert settings.delete_override(SYSTEM, date(2021, 5, 10), now=sh(2021, 5, 2)) == 2
    assert deadline(first.id, "accept_decision").due_at == sh(2021, 5, 14)


def test_an_override_that_brings_a_due_date_forward_records_the_breach(app) -> None:
    c = file(sh(2021, 4, 30, 10))
    # Working on the 05-05 holiday makes 05-12 the 7th working day.
    settings.add_override(
        SYSTEM,
        data={"date": date(2021, 5, 5), "is_workday": True, "reason": "补班"},
        now=sh(2021, 5, 13, 12),
    )
    row = deadline(c.id, "accept_decision")
    assert (row.state, row.due_at) == ("breached", sh(2021, 5, 13))
    breach = db.session.scalar(select(SlaBreach))
    assert (breach.complaint_id, breach.overdue_seconds) == (c.id, 12 * 3600)
    kinds = sorted(db.session.scalars(select(OutboxNotice.kind)))
    assert kinds == ["breach", "breach"]


def test_a_policy_edit_does_not_move_a_running_clock(app) -> None:
    c = file(sh(2021, 4, 30, 10))
    settings.create_policy(
        SYSTEM,
        data={
            "code": "fast-accept",
            "target": "accept_decision",
            "name_zh": "快速受理",
            "name_en": "Fast acceptance",
            "amount": 2,
            "unit": "working_days",
            "legal_basis": "test",
            "at_risk_percent": 50,
        },
    )
    service.refresh(c.id, now=sh(2021, 5, 6, 9))  # as after any later event
    db.session.commit()
    assert deadline(c.id, "accept_decision").due_at == sh(2021, 5, 14)
    later = file(sh(2021, 4, 30, 11))
    assert deadline(later.id, "accept_decision").due_at == sh(2021, 5, 8)


def test_campaign_and_category_rules_win_in_order(app) -> None:
    camp = b.campaign()
    for code, amount, campaign_id, category in (
        ("res-default", 8, None, None),
        ("res-camp", 5, camp.id, None),
        ("res-quality", 6, None, "quality"),
        ("res-camp-quality", 3, camp.id, "quality"),
    ):
        settings.create_policy(
            SYSTEM,
            data={
                "code": code,
                "target": "resolution",
                "campaign_id": campaign_id,
                "category": category,
                "name_zh": "办结",
                "name_en": "Resolution",
                "amount": amount,
                "unit": "working_days",
                "legal_basis": "",
            },
        )
    expected = {
        (camp.id, "quality"): "res-camp-quality",
        (camp.id, "price"): "res-camp",
        (None, "quality"): "res-quality",
        (None, "price"): "res-default",
    }
    for (campaign_id, label), code in expected.items():
        c = accepted_and_forwarded(
            sh(2021, 4, 30, 10),
            sh(2021, 5, 6, 9),
            campaign_id=campaign_id,
            labels=[label],
        )
        assert deadline(c.id, "resolution").policy_code == code


def test_complaints_in_state_selects_ids_and_refuses_unknown_states(app) -> None:
    running, late = file(sh(2021, 4, 30, 10)), file(sh(2021, 4, 30, 10))
    step(late, "reject", "rejected", sh(2021, 5, 20))
    assert set(db.session.scalars(service.complaints_in_state("on_track"))) == {
        running.id
    }
    assert set(db.session.scalars(service.complaints_in_state("met_late"))) == {late.id}
    with pytest.raises(Invalid) as caught:
        service.complaints_in_state("late-ish")
    assert "sla_state" in caught.value.errors


def test_refresh_is_idempotent(app) -> None:
    c = file(sh(2021, 4, 30, 10))
    step(c, "reject", "rejected", sh(2021, 5, 20))
    before = [
        (r.target, r.state, r.due_at)
        for r in db.session.scalars(select(ComplaintDeadline))
    ]
    for _ in range(2):
        service.refresh(c.id, now=sh(2021, 5, 21))
        db.session.commit()
    after = [
        (r.target, r.state, r.due_at)
        for r in db.session.scalars(select(ComplaintDeadline))
    ]
    assert after == before
    assert db.session.scalar(select(func.count()).select_from(SlaBreach)) == 1
    assert db.session.scalar(select(func.count()).select_from(OutboxNotice)) == 2


def test_the_complaints_workflow_drives_the_clocks(app) -> None:
    # The same story through the real complaints services, which call refresh.
    from app.accounts import auth
    from app.complaints import service as complaints
    from app.complaints import workflow
    from app.complaints.enums import Channel
    from app.complaints.schemas import ComplaintCreateSchema

    jd = b.jd()
    association = auth.actor_for(b.user("association", b.organisation("association")))
    authority = b.organisation("authority", region_code=None)
    regulator = auth.actor_for(b.user("national_regulator", authority))
    enterprise = auth.actor_for(b.user("enterprise", jd))
    body = ComplaintCreateSchema().load(b.complaint_body())
    c, _ = complaints.file_complaint(
        association, data=body, channel=Channel.API, now=sh(2021, 4, 30, 10)
    )
    assert deadline(c.id, "accept_decision").due_at == sh(2021, 5, 14)
    workflow.transition(
        regulator, c.id, data={"action": "accept"}, now=sh(2021, 5, 6, 8)
    )
    workflow.transition(
        regulator, c.id, data={"action": "forward"}, now=sh(2021, 5, 6, 9)
    )
    assert deadline(c.id, "accept_decision").state == "met"
    assert deadline(c.id, "resolution").due_at == sh(2021, 5, 20)
    workflow.post_message(
        enterprise,
        c.id,
        data={"kind": "info_request", "body": "请提供订单截图"},
        now=sh(2021, 5, 11, 12),
    )
    assert deadline(c.id, "resolution").state == "paused"
    workflow.post_message(
        association,
        c.id,
        data={"kind": "info_reply", "body": "截图已上传"},
        now=sh(2021, 5, 12, 12),
    )
    assert deadline(c.id, "resolution").due_at == sh(2021, 5, 21)


def test_clocks_of_complaints_filed_together_equal_their_full_evaluation(app) -> None:
    # Filing evaluates one clock per alike group and copies it; a category's
    # own policy must still reach the complaints with that label.
    from app.complaints import service as complaints
    from app.complaints.enums import Channel

    b.jd()
    settings.create_policy(
        SYSTEM,
        data={
            "code": "accept-counterfeit",
            "target": "accept_decision",
            "name_zh": "假冒投诉受理",
            "name_en": "Counterfeit acceptance",
            "amount": 2,
            "unit": "working_days",
            "category": "counterfeit",
        },
    )
    facts = [
        "空气炸锅付款后一直没有发货，客服也不回复消息。",
        "买到的耳机是高仿假货，做工粗糙，要求退一赔三。",
        "外卖送达时间超时两小时，申请赔付被平台驳回。",
        "收到的是假冒名牌包，做工粗糙，商标也印错了。",
        "预售定金不退，页面上根本没有写明这条规则。",
    ]
    items = [
        {
            "complainant_name": "王五",
            "complainant_phone": f"1390000{i:04d}",
            "complainant_address": "河南省郑州市",
            "enterprise_name": "京东",
            "request_type": "refund",
            "facts": text,
        }
        for i, text in enumerate(facts)
    ]
    now = sh(2021, 5, 6, 9)
    filed = complaints.file_many(SYSTEM, items, channel=Channel.API, now=now)
    db.session.commit()
    groups = Counter(tuple(f.labels) for f in filed)
    assert groups[("counterfeit",)] == 2 and groups[()] >= 2  # copies were made

    def clocks() -> dict[int, tuple]:
        rows = db.session.scalars(select(ComplaintDeadline)).all()
        for row in rows:
            db.session.refresh(row)
        return {
            r.complaint_id: (r.target, r.policy_code, r.due_at, r.at_risk_at, r.state)
            for r in rows
        }

    at_filing = clocks()
    assert set(at_filing) == {f.id for f in filed}
    for f in filed:
        own = at_filing[f.id][1] == "accept-counterfeit"
        assert own == ("counterfeit" in f.labels)
    db.session.execute(ComplaintDeadline.__table__.delete())
    service.refresh_many([f.id for f in filed], now=now)
    db.session.commit()
    assert clocks() == at_filing
