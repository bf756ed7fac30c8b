"""The enterprise contact's pages: the inbox, its pledges, its scorecard.

The inbox holds the complaints forwarded to the enterprise that are still open,
most urgent first by the enterprise's own clocks (first response, then
resolution): overdue on top, then at risk, then by due date; a clock paused
while waiting for the complainant sinks below the running ones. Each row shows
the countdown the SLA service words ("还剩 N 个工作日", paused, overdue).
"""

from typing import Any

from flask import render_template, request

from app.accounts.access import allow
from app.accounts.roles import Role
from app.complaints import lifecycle
from app.complaints import service as complaints
from app.errors import NotFound
from app.oversight import scorecards
from app.pledges import service as registry
from app.sla.timeline import ENTERPRISE_TARGETS
from app.web import pages, urgency
from app.web.cases import rows_with_deadlines

# What is still on the enterprise's desk, or waiting on the other side.
INBOX_STATUSES = (
    lifecycle.Status.FORWARDED,
    lifecycle.Status.RESPONDED,
    lifecycle.Status.DISPUTED,
    lifecycle.Status.UNRESOLVED,
    lifecycle.Status.RESOLVED,
)
INBOX_LIMIT = 200  # per status; the full list is one click away
TARGETS = frozenset(str(t) for t in ENTERPRISE_TARGETS)


@allow(Role.ENTERPRISE)
def inbox() -> Any:
    actor = pages.actor()
    items = []
    for status in INBOX_STATUSES:
        found = complaints.list_complaints(
            actor, filters={"status": status.value}, page=1, per_page=INBOX_LIMIT
        )
        items.extend(found["items"])
    rows = rows_with_deadlines(items, TARGETS)
    rows.sort(key=lambda r: (urgency.urgency(r["deadline"]), r["c"].received_at))
    return render_template("web/enterprise/inbox.html", rows=rows)


@allow(Role.ENTERPRISE)
def my_pledges() -> Any:
    actor = pages.actor()
    pledges = registry.list_pledges(
        actor, campaign_id=None, enterprise_id=actor.enterprise_id
    )
    campaigns = {p.campaign_id: registry.get_campaign(p.campaign_id) for p in pledges}
    return render_template(
        "web/enterprise/pledges.html", pledges=pledges, campaigns=campaigns
    )


@allow(Role.ENTERPRISE, Role.REGIONAL_REGULATOR, Role.NATIONAL_REGULATOR)
def scorecard(enterprise_id: int | None = None) -> Any:
    actor = pages.actor()
    enterprise_id = enterprise_id or actor.enterprise_id
    if enterprise_id is None:
        raise NotFound("未找到企业。", "Enterprise not found.")
    raw = request.args.get("campaign_id", "")
    campaign_id = int(raw) if raw.isdigit() else None
    card = scorecards.scorecard(actor, enterprise_id, campaign_id=campaign_id)
    return render_template(
        "web/enterprise/scorecard.html",
        card=card,
        campaigns=registry.list_campaigns(),
        campaign_id=campaign_id,
    )
