import email
import json
import threading
from datetime import timedelta
from email import policy as email_policy

import pytest
from flask import Flask
from sqlalchemy import select

from app.extensions import db
from app.sla import notify, sweep
from app.sla.models import OutboxNotice
from app.sla.notices import SIGNATURE_HEADER, verify
from tests import builders as b
from tests.sla.builders import accepted_and_forwarded, file, sh
from tests.sla.servers import smtp_server, webhook_server

SECRET = "s3cret-for-tests"
NOW = sh(2021, 5, 14, 1)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # urllib honours proxy variables; the local servers must be reached directly.
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def webhook(app: Flask, monkeypatch: pytest.MonkeyPatch):
    with webhook_server() as log:
        monkeypatch.setitem(app.config, "SLA_WEBHOOK_URL", log.url)
        monkeypatch.setitem(app.config, "SLA_WEBHOOK_SECRET", SECRET)
        yield log


@pytest.fixture
def mailbox(app: Flask, monkeypatch: pytest.MonkeyPatch):
    with smtp_server() as log:
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", log.port)
        monkeypatch.setitem(app.config, "MAIL_FROM", "sla@festival.example.cn")
        monkeypatch.setitem(app.config, "SLA_REGULATOR_EMAIL", "12315@samr.example.cn")
        yield log


def notices(channel: str | None = None) -> list[OutboxNotice]:
    db.session.expire_all()
    stmt = select(OutboxNotice).order_by(OutboxNotice.id)
    if channel:
        stmt = stmt.where(OutboxNotice.channel == channel)
    return list(db.session.scalars(stmt))


def breach_one() -> int:
    c = file(sh(2021, 4, 30, 10))
    sweep.sweep(NOW)
    return c.id


def test_webhook_posts_signed_json_to_a_real_server(app, webhook) -> None:
    complaint_id = breach_one()
    counts = notify.deliver_outbox(NOW)
    assert counts["sent"] == 1 and counts["skipped"] == 1  # e-mail not configured
    (request,) = webhook.requests
    assert request.path == "/hooks/sla"
    assert verify(request.body, SECRET, request.headers[SIGNATURE_HEADER.lower()])
    payload = json.loads(request.body)
    assert payload["kind"] == "breach" and payload["complaint_id"] == complaint_id
    assert payload["target"] == "accept_decision"
    assert "已逾期" in payload["subject"]
    (sent,) = notices("webhook")
    assert (sent.status, sent.attempts, sent.sent_at) == ("sent", 1, NOW)
    (skipped,) = notices("email")
    assert skipped.status == "skipped" and "MAIL_SERVER" in skipped.last_error
    assert notify.deliver_outbox(NOW + timedelta(hours=1))["claimed"] == 0
    assert len(webhook.requests) == 1


def test_email_goes_to_the_regulator_for_regulator_clocks(app, mailbox) -> None:
    breach_one()
    counts = notify.deliver_outbox(NOW)
    assert counts["sent"] == 1
    (mail,) = mailbox.messages
    assert mail.recipients == ["12315@samr.example.cn"]
    message = email.message_from_bytes(mail.data, policy=email_policy.default)
    assert "已逾期" in message["Subject"]
    assert "2021-05-14 00:00" in message.get_content()


def test_email_goes_to_the_enterprise_contact_for_enterprise_clocks(
    app, mailbox
) -> None:
    ent = b.enterprise()
    ent.contact_email = "kefu@shop.example.cn"
    db.session.commit()
    accepted_and_forwarded(sh(2021, 5, 6, 9), sh(2021, 5, 6, 10), enterprise_id=ent.id)
    sweep.sweep(sh(2021, 5, 10, 1))  # the 2-working-day first response ran out
    notify.deliver_outbox(sh(2021, 5, 10, 1))
    assert [m.recipients for m in mailbox.messages] == [["kefu@shop.example.cn"]]


def test_a_failing_endpoint_is_retried_with_backoff(app, monkeypatch) -> None:
    with webhook_server(statuses=[500, 503]) as log:
        monkeypatch.setitem(app.config, "SLA_WEBHOOK_URL", log.url)
        monkeypatch.setitem(app.config, "SLA_WEBHOOK_SECRET", SECRET)
        breach_one()
        assert notify.deliver_outbox(NOW)["retry"] == 1
        (row,) = notices("webhook")
        assert (row.status, row.attempts, row.next_attempt_at) == (
            "pending",
            1,
            NOW + timedelta(minutes=1),
        )
        assert "500" in row.last_error and row.claimed_by is None
        assert notify.deliver_outbox(NOW + timedelta(seconds=30))["claimed"] == 0
        assert notify.deliver_outbox(NOW + timedelta(minutes=1))["retry"] == 1
        (row,) = notices("webhook")
        assert (row.attempts, row.next_attempt_at) == (2, NOW + timedelta(minutes=3))
        assert notify.deliver_outbox(NOW + timedelta(minutes=3))["sent"] == 1
        (row,) = notices("webhook")
        assert (row.status, row.attempts) == ("sent", 3)
        assert len(log.requests) == 3


def test_delivery_gives_up_after_the_last_attempt(app, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "SLA_OUTBOX_MAX_ATTEMPTS", 2)
    with webhook_server(statuses=[500, 500, 500]) as log:
        monkeypatch.setitem(app.config, "SLA_WEBHOOK_URL", log.url)
        monkeypatch.setitem(app.config, "SLA_WEBHOOK_SECRET", SECRET)
        breach_one()
        notify.deliver_outbox(NOW)
        assert notify.deliver_outbox(NOW + timedelta(minutes=1))["failed"] == 1
        (row,) = notices("webhook")
        assert (row.status, row.attempts) == ("failed", 2)


def test_an_unreachable_endpoint_is_a_retry_not_a_crash(app, monkeypatch) -> None:
    with webhook_server() as log:
        closed_url = log.url
    monkeypatch.setitem(app.config, "SLA_WEBHOOK_URL", closed_url)
    monkeypatch.setitem(app.config, "SLA_WEBHOOK_SECRET", SECRET)
    breach_one()
    assert notify.deliver_outbox(NOW)["retry"] == 1


def test_unsigned_webhooks_are_refused(app, monkeypatch) -> None:
    with webhook_server() as log:
        monkeypatch.setitem(app.config, "SLA_WEBHOOK_URL", log.url)
        breach_one()
        notify.deliver_outbox(NOW)
        assert log.requests == []
    (row,) = notices("webhook")
    assert row.status == "skipped" and "SECRET" in row.last_error


def test_two_workers_at_once_deliver_each_notice_exactly_once(
    app: Flask, monkeypatch
) -> None:
    monkeypatch.setitem(app.config, "SLA_OUTBOX_BATCH", 3)
    with webhook_server(delay=0.01) as log:
        monkeypatch.setitem(app.config, "SLA_WEBHOOK_URL", log.url)
        monkeypatch.setitem(app.config, "SLA_WEBHOOK_SECRET", SECRET)
        for _ in range(20):
            file(sh(2021, 4, 30, 10))
        sweep.sweep(NOW)
        db.session.commit()
        results: list[dict[str, int]] = []
        errors: list[BaseException] = []
        barrier = threading.Barrier(2)

        def work(name: str) -> None:
            try:
                with app.app_context():
                    barrier.wait()
                    results.append(notify.deliver_outbox(NOW, worker=name))
            except BaseException as exc:  # surfaced below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert errors == []
    delivered = [r.headers["x-sla-delivery"] for r in log.requests]
    assert len(delivered) == 20 and len(set(delivered)) == 20
    assert sum(r["sent"] for r in results) == 20
    assert all(r["claimed"] > 0 for r in results), results  # both took part
    assert {n.status for n in notices("webhook")} == {"sent"}
