"""The pledge registry pages and the campaign milestone reports."""

from datetime import date

from app.accounts.access import SYSTEM
from app.pledges import service as registry
from tests import builders as b
from tests.web.conftest import page_text


def _pledged(world):
    campaign = b.campaign(
        milestones=[
            {"code": "first_day", "name": "首日情况", "due_date": date(2021, 4, 29)}
        ]
    )
    part = registry.recommend(
        SYSTEM,
        data={
            "campaign_id": campaign.id,
            "enterprise_id": world.jd.id,
            "region_code": "110000",
        },
    )
    pledge = registry.draft_pledge(
        SYSTEM, data={"campaign_id": campaign.id, "enterprise_id": world.jd.id}
    )
    return campaign, part, pledge


def test_the_registry_lists_campaigns_participations_and_pledges(
    world, signed_in
) -> None:
    campaign, _part, pledge = _pledged(world)
    client = signed_in(world.national)
    assert campaign.name in page_text(client.get("/registry"))
    text = page_text(client.get(f"/registry/campaigns/{campaign.id}"))
    assert "北京京东世纪贸易有限公司" in text
    assert f"/registry/pledges/{pledge.id}" in text
    clauses = page_text(client.get(f"/registry/pledges/{pledge.id}"))
    assert pledge.obligations[0].text in clauses


def test_a_regional_regulator_sees_its_regions_participations_only(
    world, signed_in
) -> None:
    campaign, _part, pledge = _pledged(world)
    client = signed_in(world.regional)
    text = page_text(client.get(f"/registry/campaigns/{campaign.id}"))
    assert "北京京东世纪贸易有限公司" not in text
    assert client.get(f"/registry/pledges/{pledge.id}").status_code == 404


def test_a_milestone_report_shows_its_window_and_downloads_as_xlsx(
    world, signed_in
) -> None:
    campaign, _part, _pledge = _pledged(world)
    client = signed_in(world.national)
    text = page_text(client.get(f"/registry/campaigns/{campaign.id}/reports/first_day"))
    assert "首日情况" in text and "2021-04-28" in text
    download = client.get(f"/registry/campaigns/{campaign.id}/reports/first_day.xlsx")
    assert download.data[:2] == b"PK"
    download.close()
    assert (
        client.get(f"/registry/campaigns/{campaign.id}/reports/nope").status_code == 404
    )
