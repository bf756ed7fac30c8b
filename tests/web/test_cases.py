"""The complaint list and detail pages, and the JSON helpers of the form."""

from app.accounts.models import AuditEntry
from app.extensions import db
from tests.web.conftest import csrf_token, page_text


def test_the_list_shows_only_the_organisations_own_complaints(world, signed_in) -> None:
    mine = world.file()
    text = page_text(signed_in(world.assoc).get("/complaints"))
    assert mine.number in text
    assert "共 1 件投诉" in text
    assert mine.number not in page_text(signed_in(world.other_assoc).get("/complaints"))


def test_the_list_filters_with_the_api_schema_and_names_a_bad_filter(
    world, signed_in
) -> None:
    complaint = world.file()
    client = signed_in(world.regional)
    assert complaint.number in page_text(client.get("/complaints?status=submitted"))
    assert complaint.number not in page_text(client.get("/complaints?status=closed"))
    response = client.get("/complaints?date_from=2021-13-40")
    assert response.status_code == 422
    assert 'id="date_from-error"' in page_text(response)
    assert "请按 YYYY-MM-DD 格式填写日期" in page_text(response)


def test_the_list_shows_each_complaints_current_deadline(world, signed_in) -> None:
    world.file()
    text = page_text(signed_in(world.assoc).get("/complaints"))
    assert "受理决定" in text
    assert "还剩 7 个工作日" in text or "还剩 6 个工作日" in text


def test_the_detail_masks_contact_data_and_explains_the_categories(
    world, signed_in
) -> None:
    complaint = world.file()
    text = page_text(signed_in(world.assoc).get(f"/complaints/{complaint.id}"))
    assert "138****1234" in text and "13812341234" not in text
    assert "张**" in text
    assert "假冒伪劣" in text
    assert "<mark>假货</mark>" in text
    assert "办理时限" in text


def test_another_organisation_gets_a_404_for_the_detail(world, signed_in) -> None:
    complaint = world.file()
    for user in (world.other_assoc, world.other_enterprise, world.far_regional):
        response = signed_in(user).get(f"/complaints/{complaint.id}")
        assert response.status_code == 404, user.role
        assert complaint.number not in page_text(response)


def test_the_detail_offers_only_the_steps_open_to_the_role(world, signed_in) -> None:
    complaint = world.file()
    regulator = page_text(signed_in(world.regional).get(f"/complaints/{complaint.id}"))
    assert f"/complaints/{complaint.id}/actions/accept" in regulator
    assert f"/complaints/{complaint.id}/actions/reject" in regulator
    association = page_text(signed_in(world.assoc).get(f"/complaints/{complaint.id}"))
    assert "/actions/accept" not in association
    assert f"/complaints/{complaint.id}/actions/withdraw" in association


def test_showing_contact_details_reveals_them_and_audits_the_view(
    world, signed_in
) -> None:
    complaint = world.file()
    client = signed_in(world.regional)
    token = csrf_token(client, f"/complaints/{complaint.id}")
    response = client.post(
        f"/complaints/{complaint.id}/contact", data={"csrf_token": token}
    )
    assert response.status_code == 200
    assert "13812341234" in page_text(response)
    assert (
        db.session.query(AuditEntry)
        .filter_by(action="personal_data.view", object_id=str(complaint.id))
        .count()
        == 1
    )


def test_the_enterprise_sees_contact_data_only_once_forwarded(world, signed_in) -> None:
    complaint = world.file()
    client = signed_in(world.enterprise)
    token = csrf_token(client, f"/complaints/{complaint.id}")
    response = client.post(
        f"/complaints/{complaint.id}/contact",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert "13812341234" not in page_text(response)
    assert "转交贵企业之后" in page_text(response)


def test_enterprise_suggestions_rank_registered_names_and_aliases(
    world, signed_in
) -> None:
    found = signed_in(world.assoc).get("/suggest/enterprises?q=京东").get_json()
    assert found[0]["legal_name"] == "北京京东世纪贸易有限公司"
    assert signed_in(world.assoc).get("/suggest/enterprises?q=").get_json() == []


def test_the_classification_preview_names_categories_and_trigger_words(
    world, signed_in
) -> None:
    client = signed_in(world.assoc)
    token = csrf_token(client, "/complaints/new")
    data = client.post(
        "/preview/classification",
        data={"facts": "收到的耳机是假货，做工粗糙。"},
        headers={"X-CSRFToken": token},
    ).get_json()
    assert data["labels"] == ["counterfeit"]
    assert data["categories"][0]["name"] == "假冒伪劣"
    assert "假货" in data["categories"][0]["words"]
