"""The pledge registry as regulators read it: campaigns, who takes part, pledges.

A campaign page lists the participations with each enterprise's pledge status,
and a pledge page its obligations clause by clause with the substantiated
violations that cite each clause. Everything is read through the registry and
oversight services with the caller's Actor, so a regional regulator sees its
region's participations only.
"""

from typing import Any

from flask import render_template

from app.accounts.access import allow
from app.accounts.roles import REGULATORS
from app.oversight import reports
from app.oversight import service as oversight
from app.pledges import service as registry
from app.rules import service as rules
from app.web import pages


@allow(*REGULATORS)
def campaigns() -> Any:
    actor = pages.actor()
    rows = []
    for campaign in registry.list_campaigns():
        parts = registry.list_participations(
            actor, campaign_id=campaign.id, status=None
        )
        pledges = registry.list_pledges(
            actor, campaign_id=campaign.id, enterprise_id=None
        )
        rows.append(
            {
                "campaign": campaign,
                "participations": len(parts),
                "approved": sum(p.status == "approved" for p in parts),
                "signed": sum(p.status == "signed" for p in pledges),
            }
        )
    return render_template("web/registry/campaigns.html", rows=rows)


@allow(*REGULATORS)
def campaign(campaign_id: int) -> Any:
    actor = pages.actor()
    found = registry.get_campaign(campaign_id)
    pledges = {
        p.enterprise_id: p
        for p in registry.list_pledges(actor, campaign_id=found.id, enterprise_id=None)
    }
    parts = registry.list_participations(actor, campaign_id=found.id, status=None)
    return render_template(
        "web/registry/campaign.html",
        campaign=found,
        participations=parts,
        pledges=pledges,
        enterprise=pages.enterprise_name,
        regions={r.code: r.name for r in registry.list_regions()},
        report_codes=reports.CODES,
        report_names=reports.NAMES,
    )


@allow(*REGULATORS)
def pledge(pledge_id: int) -> Any:
    actor = pages.actor()
    found = registry.get_pledge(actor, pledge_id)
    violations = oversight.list_violations(
        actor,
        filters={
            "enterprise_id": found.enterprise_id,
            "campaign_id": found.campaign_id,
        },
        page=1,
        per_page=200,
    )["items"]
    by_clause: dict[int, list[Any]] = {}
    for v in violations:
        for row in v.clauses:
            by_clause.setdefault(row.clause_number, []).append(v)
    return render_template(
        "web/registry/pledge.html",
        pledge=found,
        campaign=registry.get_campaign(found.campaign_id),
        enterprise=pages.enterprise_name(found.enterprise_id),
        by_clause=by_clause,
        pack_names={p.category: pages.named(p) for p in rules.list_packs()},
    )
