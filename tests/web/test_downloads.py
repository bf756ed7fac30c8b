"""Exports run as jobs: progress first, then the file, for its owner only."""

from app.web import jobs
from tests.web.conftest import csrf_token, page_text


def _export(client, **form):
    token = csrf_token(client, "/exports")
    return client.post("/exports", data={"csrf_token": token, **form})


def test_a_complaint_export_runs_as_a_job_and_downloads(world, signed_in) -> None:
    complaint = world.file()
    client = signed_in(world.regional)
    response = _export(client, format="csv")
    assert response.status_code == 302
    job_id = response.headers["Location"].rsplit("/", 1)[1]
    jobs.wait(job_id)
    assert "导出文件已生成（共 1 行）" in page_text(client.get(f"/exports/{job_id}"))
    download = client.get(f"/exports/{job_id}/file")
    body = download.data.decode("utf-8-sig")
    download.close()
    assert complaint.number in body
    assert "13812341234" not in body
    assert signed_in(world.national).get(f"/exports/{job_id}").status_code == 404


def test_a_bad_export_filter_is_named_next_to_its_field(world, signed_in) -> None:
    response = _export(signed_in(world.regional), date_from="2021-02-30")
    assert response.status_code == 422
    assert 'id="date_from-error"' in page_text(response)


def test_the_exports_page_links_the_open_data_set(world, signed_in) -> None:
    text = page_text(signed_in(world.national).get("/exports"))
    assert "/api/v1/exports/open-data.csv" in text
