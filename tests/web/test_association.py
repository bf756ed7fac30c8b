"""Filing pages: the complaint form and the bulk import with its progress."""

import io
from datetime import timedelta

from app.clock import utcnow
from app.complaints.models import Complaint
from app.extensions import db
from app.fields import SHANGHAI
from app.web import jobs
from tests.web.conftest import csrf_token, page_text

PNG = b"\x89PNG\r\n\x1a\n" + bytes(32)
FORM = {
    "complainant_name": "张小明",
    "complainant_phone": "13812341234",
    "complainant_address": "河南省郑州市金水区花园路1号",
    "enterprise_name": "京东",
    "request_type": "refund",
    "facts": "买到的耳机是假货，商家拒绝退款。",
    "on_behalf": "y",
}


def _file(client, **over):
    data = {"csrf_token": csrf_token(client, "/complaints/new"), **FORM, **over}
    return client.post("/complaints/new", data=data, content_type="multipart/form-data")


def test_the_form_has_labelled_fields_and_marks_the_required_ones(
    world, signed_in
) -> None:
    text = page_text(signed_in(world.assoc).get("/complaints/new"))
    assert '<label for="complainant_phone">联系电话 <span class="req"' in text
    assert 'role="combobox"' in text
    assert 'name="idempotency_key"' in text


def test_filing_shows_each_schema_error_next_to_its_field(world, signed_in) -> None:
    response = _file(signed_in(world.assoc), complainant_phone="abc", facts="")
    assert response.status_code == 422
    text = page_text(response)
    assert '<p class="field-error" id="complainant_phone-error">' in text
    assert "请填写联系电话（至少 5 位数字）" in text
    assert '<p class="field-error" id="facts-error">此项必填。</p>' in text
    assert db.session.query(Complaint).count() == 0


def test_a_future_purchase_date_is_refused_next_to_the_field(world, signed_in) -> None:
    tomorrow = (utcnow().astimezone(SHANGHAI) + timedelta(days=1)).date()
    response = _file(signed_in(world.assoc), purchase_date=tomorrow.isoformat())
    assert response.status_code == 422
    assert 'id="purchase_date-error"' in page_text(response)


def test_filing_stores_the_complaint_and_its_evidence(world, signed_in) -> None:
    response = _file(
        signed_in(world.assoc), attachments=[(io.BytesIO(PNG), "receipt.png")]
    )
    assert response.status_code == 302
    complaint = db.session.query(Complaint).one()
    assert response.headers["Location"] == f"/complaints/{complaint.id}"
    assert complaint.channel == "web"
    assert complaint.enterprise_id == world.jd.id
    assert [a.filename for a in complaint.attachments] == ["receipt.png"]


def test_a_bad_evidence_file_stops_the_filing_with_the_reason(world, signed_in) -> None:
    response = _file(
        signed_in(world.assoc), attachments=[(io.BytesIO(b"plain"), "note.txt")]
    )
    assert response.status_code == 422
    assert 'id="attachments-error"' in page_text(response)
    assert db.session.query(Complaint).count() == 0


def test_a_double_submit_files_one_complaint(world, signed_in) -> None:
    client = signed_in(world.assoc)
    first = _file(client, idempotency_key="key-1")
    second = _file(client, idempotency_key="key-1")
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.query(Complaint).count() == 1


def test_the_preview_button_shows_the_categories_without_filing(
    world, signed_in
) -> None:
    response = _file(signed_in(world.assoc), preview="1")
    assert response.status_code == 200
    assert "假冒伪劣" in page_text(response)
    assert '<mark class="chip">假货</mark>' in page_text(response)
    assert db.session.query(Complaint).count() == 0


def _import(client, name: str, content: bytes, **extra):
    token = csrf_token(client, "/imports/new")
    return client.post(
        "/imports/new",
        data={"csrf_token": token, "file": (io.BytesIO(content), name), **extra},
        content_type="multipart/form-data",
    )


CSV = (
    "投诉人,联系电话,地址,被投诉企业,投诉要求,投诉内容\n"
    "李四,13900001111,河南省郑州市中原区1号,京东,退款,收到的商品是假货\n"
    "王五,bad-phone,河南省郑州市中原区2号,京东,退款,迟迟不发货\n"
).encode()


def test_an_import_runs_as_a_job_and_reports_every_row(world, signed_in) -> None:
    client = signed_in(world.assoc)
    response = _import(client, "batch.csv", CSV, skip_invalid="y")
    assert response.status_code == 302
    job_id = response.headers["Location"].rsplit("/", 1)[1]
    jobs.wait(job_id)
    status = client.get(f"/jobs/{job_id}").get_json()
    # Progress counts the rows of the file checked so far, valid or not.
    assert status == {"state": "done", "done": 2, "total": 2, "percent": 100}
    text = page_text(client.get(f"/imports/{job_id}"))
    assert "已导入 1 行，共 2 行" in text
    assert "<code>complainant_phone</code>" in text
    assert "请填写联系电话" in text
    assert signed_in(world.other_assoc).get(f"/jobs/{job_id}").status_code == 404


def test_an_all_or_nothing_import_lists_the_rows_to_correct(world, signed_in) -> None:
    client = signed_in(world.assoc)
    job_id = _import(client, "batch.csv", CSV).headers["Location"].rsplit("/", 1)[1]
    jobs.wait(job_id)
    text = page_text(client.get(f"/imports/{job_id}"))
    assert "请修改以下各行后重新上传" in text
    assert "<td>3</td>" in text
    assert db.session.query(Complaint).count() == 0


def test_an_import_of_another_file_type_is_refused_at_once(world, signed_in) -> None:
    response = _import(signed_in(world.assoc), "photo.png", PNG)
    assert response.status_code == 422
    assert "仅能导入 .csv 和 .xlsx 文件" in page_text(response)


def test_an_unreadable_file_fails_the_job_with_the_reason(world, signed_in) -> None:
    client = signed_in(world.assoc)
    job_id = _import(client, "batch.xlsx", CSV).headers["Location"].rsplit("/", 1)[1]
    jobs.wait(job_id)
    assert client.get(f"/jobs/{job_id}").get_json()["state"] == "failed"
    assert "内容不是 XLSX" in page_text(client.get(f"/imports/{job_id}"))
