"""The admin re-runs stored complaints through the packs as a job with progress."""

from sqlalchemy import select

from app.complaints.models import Complaint
from app.extensions import db
from app.web import jobs
from tests.web.conftest import csrf_token, page_text


def test_admin_reclassifies_with_progress_and_labels_come_back(
    world, signed_in
) -> None:
    complaint = world.file()
    db.session.execute(
        Complaint.__table__.update()
        .where(Complaint.id == complaint.id)
        .values(labels=[])
    )
    db.session.commit()
    client = signed_in(world.admin)
    assert "Reclassify" in page_text(client.get("/admin/rule-packs?lang=en"))
    resp = client.post("/admin/reclassify", data={"csrf_token": csrf_token(client)})
    assert resp.status_code == 302
    job_id = resp.headers["Location"].rsplit("/", 1)[1]
    jobs.wait(job_id)
    page = page_text(client.get(f"/admin/reclassify/{job_id}?lang=en"))
    assert "labels changed on 1" in page
    db.session.expire_all()
    labels = db.session.scalar(
        select(Complaint.labels).where(Complaint.id == complaint.id)
    )
    assert labels


def test_only_admins_start_a_reclassification(world, signed_in) -> None:
    client = signed_in(world.regional)
    resp = client.post("/admin/reclassify", data={"csrf_token": csrf_token(client)})
    assert resp.status_code in (403, 404)
