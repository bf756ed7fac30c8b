import csv
import gc
import io
import os
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from app.accounts import audit
from app.accounts.access import SYSTEM
from app.accounts.models import AuditEntry
from app.complaints import importer
from app.complaints.models import Complaint
from app.errors import Invalid
from app.extensions import db
from app.oversight import rollups
from app.oversight.models import GRAINS
from app.sla import service as sla
from app.sla.models import ComplaintDeadline
from tests import builders as b

HEADER = [
    "投诉人姓名",
    "联系电话",
    "地址",
    "被投诉企业",
    "订单号",
    "购买日期",
    "涉诉金额",
    "投诉要求",
    "投诉内容",
]


def _rows(n: int, bad_rows: tuple[int, ...] = ()) -> list[list[str]]:
    rows = []
    for i in range(n):
        phone = "not-a-phone" if i in bad_rows else f"1391234{i:04d}"
        rows.append(
            [
                f"王{i}",
                phone,
                "河南省郑州市二七区某路",
                "京东",
                f"IMP{i}",
                "2021-04-30",
                "88.50",
                "退款",
                f"第{i}单：买到的是高仿假货，要求退一赔三。",
            ]
        )
    return rows


def _csv(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


def _xlsx(rows: list[list[str]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Complaint))


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("a.csv", _csv(_rows(5))),
        ("gbk.csv", _csv(_rows(5), "gbk")),
        ("a.xlsx", _xlsx(_rows(5))),
    ],
)
def test_imports_utf8_gbk_and_xlsx_files(
    app, tmp_path: Path, name: str, content: bytes
) -> None:
    b.jd()
    path = tmp_path / name
    path.write_bytes(content)
    result = app.test_cli_runner().invoke(args=["complaints", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "imported 5 of 5" in result.output
    rows = db.session.scalars(select(Complaint).order_by(Complaint.id)).all()
    assert len(rows) == 5 and all(c.channel == "import" for c in rows)
    assert rows[0].enterprise_id is not None and "counterfeit" in rows[0].labels
    assert str(rows[0].amount) == "88.50" and rows[0].request_type == "refund"
    assert all(c.on_behalf for c in rows)  # no such column: the default


def test_one_bad_row_imports_nothing_and_names_row_and_column(
    app, tmp_path: Path
) -> None:
    b.jd()
    path = tmp_path / "bad.csv"
    path.write_bytes(_csv(_rows(4, bad_rows=(2,))))
    result = app.test_cli_runner().invoke(args=["complaints", "import", str(path)])
    assert result.exit_code != 0
    assert "row 4" in result.output and "complainant_phone" in result.output
    assert _count() == 0


def test_skip_invalid_imports_the_rest_and_writes_the_rejects(
    app, tmp_path: Path
) -> None:
    b.jd()
    path = tmp_path / "mixed.csv"
    path.write_bytes(_csv(_rows(4, bad_rows=(0, 3))))
    rejects = tmp_path / "rejects.csv"
    result = app.test_cli_runner().invoke(
        args=[
            "complaints",
            "import",
            str(path),
            "--skip-invalid",
            "--rejects",
            str(rejects),
        ]
    )
    assert result.exit_code == 0, result.output
    assert _count() == 2
    lines = list(csv.reader(rejects.read_text(encoding="utf-8-sig").splitlines()))
    assert lines[0] == ["row", "column", "problem"]
    assert {line[0] for line in lines[1:]} == {"2", "5"}


def test_files_that_are_not_what_their_extension_says_are_refused(
    app, tmp_path: Path
) -> None:
    fake_xlsx = tmp_path / "a.xlsx"
    fake_xlsx.write_bytes(_csv(_rows(1)))
    res = app.test_cli_runner().invoke(args=["complaints", "import", str(fake_xlsx)])
    assert res.exit_code != 0 and "not an XLSX" in res.output
    fake_csv = tmp_path / "b.csv"
    fake_csv.write_bytes(_xlsx(_rows(1)))
    res = app.test_cli_runner().invoke(args=["complaints", "import", str(fake_csv)])
    assert res.exit_code != 0 and "not a text file" in res.output


def test_a_zip_bomb_disguised_as_xlsx_is_refused() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b"0" * (50 * 1024 * 1024))
    with pytest.raises(importer.ImportFileError, match="zip bomb"):
        importer.read_table("bomb.xlsx", buf.getvalue())


def test_missing_required_columns_are_named() -> None:
    with pytest.raises(importer.ImportFileError, match="facts"):
        importer.map_header(HEADER[:-1])


def test_upload_over_the_api_reports_per_row(app, client) -> None:
    b.jd()
    _, h = b.actor_headers("association")
    data = {
        "file": (io.BytesIO(_csv(_rows(3, bad_rows=(1,)))), "x.csv"),
        "skip_invalid": "true",
    }
    resp = client.post(
        "/api/v1/complaints/imports",
        data=data,
        headers=h,
        content_type="multipart/form-data",
    )
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert [r["row"] for r in body["imported"]] == [2, 4]
    assert (
        body["rejected"][0]["row"] == 3
        and "complainant_phone" in body["rejected"][0]["errors"]
    )
    strict = client.post(
        "/api/v1/complaints/imports",
        data={"file": (io.BytesIO(_csv(_rows(2, bad_rows=(0,)))), "y.csv")},
        headers=h,
        content_type="multipart/form-data",
    )
    assert strict.status_code == 422 and "row 2" in strict.get_json()["errors"]
    assert _count() == 2


DISTINCT_FACTS = [
    "买到的耳机是高仿假货，做工粗糙，要求退一赔三。",
    "直播间宣传的原价是虚构的，结算价比平时还高。",
    "商家要求只能在本平台销售，否则下架我们的店铺。",
    "同一商品老用户看到的价格比新用户贵了三十元。",
    "空气炸锅付款后一直没有发货，客服也不回复消息。",
    "收到的羽绒服含绒量与标签不符，明显是以次充好。",
    "预售定金不退，页面上根本没有写明这条规则。",
    "外卖送达时间超时两小时，申请赔付被平台驳回。",
]


def _deadlines() -> list[tuple]:
    d = ComplaintDeadline
    stmt = select(d.complaint_id, d.target, d.state, d.due_at, d.choice_key)
    return sorted(db.session.execute(stmt).all())


@pytest.mark.parametrize("workers", [0, 2])
def test_batched_filing_gives_what_filing_one_by_one_gives(
    app, monkeypatch, workers: int
) -> None:
    """Rows are filed in batches (checked here or in worker processes): duplicates,
    clocks, rollups and audit agree with filing one by one."""
    b.jd()
    monkeypatch.setattr(importer, "IMPORT_BATCH", 3)
    rows = _rows(8)
    for row, text in zip(rows, DISTINCT_FACTS, strict=True):
        row[8] = text
    rows[2][1], rows[2][4] = rows[0][1], rows[0][4]  # same person and order, batch 1
    rows[6][1], rows[6][4] = rows[1][1], rows[1][4]  # ... across batches
    rows[7][8] = rows[4][8].replace("高仿", "髙仿")  # near-identical facts
    report = importer.import_file(
        SYSTEM,
        filename="d.csv",
        content=_csv(rows),
        skip_invalid=False,
        workers=workers,
    )
    ids = [complaint_id for _, complaint_id, _ in report.imported]
    assert [row for row, _, _ in report.imported] == list(range(2, 10))
    filed = {c.id: c for c in db.session.scalars(select(Complaint))}
    links = {
        ids.index(i): (ids.index(c.duplicate_of_id), c.duplicate_reason)
        for i, c in filed.items()
        if c.duplicate_of_id is not None
    }
    assert links == {
        2: (0, "same_order"),
        6: (1, "same_order"),
        7: (4, "similar_text"),
    }
    assert len({c.number for c in filed.values()}) == 8
    batched = _deadlines()
    assert len(batched) == 8
    received = filed[ids[0]].received_at
    for complaint_id in ids:
        sla.refresh(complaint_id, now=received)
    assert _deadlines() == batched
    grains = {name: rollups.grain_rows(name) for name in GRAINS}
    rollups.rebuild(now=received)
    assert {name: rollups.grain_rows(name) for name in GRAINS} == grains
    assert audit.verify() is None
    entries = db.session.scalars(
        select(AuditEntry.object_id).where(AuditEntry.action == "complaint.file")
    ).all()
    assert sorted(map(int, entries)) == sorted(ids)


@pytest.mark.parametrize("workers", [0, 2])
def test_a_bad_row_in_a_later_batch_keeps_nothing_and_every_error_is_named(
    app, monkeypatch, workers: int
) -> None:
    b.jd()
    monkeypatch.setattr(importer, "IMPORT_BATCH", 2)
    entries = db.session.scalar(select(func.count()).select_from(AuditEntry))
    with pytest.raises(Invalid) as caught:
        importer.import_file(
            SYSTEM,
            filename="late.csv",
            content=_csv(_rows(9, bad_rows=(5, 8))),
            skip_invalid=False,
            workers=workers,
        )
    assert set(caught.value.errors) == {"row 7", "row 10"}
    assert "complainant_phone" in caught.value.errors["row 7"]
    assert _count() == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == entries
    assert db.session.scalar(select(func.count()).select_from(ComplaintDeadline)) == 0


def test_the_command_checks_rows_in_workers_and_reports_progress(
    app, tmp_path: Path
) -> None:
    b.jd()
    path = tmp_path / "many.csv"
    path.write_bytes(_csv(_rows(3 * importer.IMPORT_BATCH + 7)))
    result = app.test_cli_runner().invoke(
        args=["complaints", "import", str(path), "--workers", "2"]
    )
    assert result.exit_code == 0, result.output
    assert f"imported {3 * importer.IMPORT_BATCH + 7} of" in result.output
    assert _count() == 3 * importer.IMPORT_BATCH + 7


def test_progress_reaches_the_number_of_rows(app, monkeypatch) -> None:
    b.jd()
    monkeypatch.setattr(importer, "IMPORT_BATCH", 2)
    seen: list[tuple[int, int]] = []
    importer.import_file(
        SYSTEM,
        filename="p.csv",
        content=_csv(_rows(5)),
        skip_invalid=False,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen == [(2, 5), (4, 5), (5, 5)]


@pytest.mark.parametrize("enabled_before", [True, False])
def test_the_cycle_collector_is_paused_for_an_import_and_then_restored(
    app, enabled_before: bool
) -> None:
    b.jd()
    seen: list[bool] = []
    (gc.enable if enabled_before else gc.disable)()
    try:
        importer.import_file(
            SYSTEM,
            filename="ok.csv",
            content=_csv(_rows(3)),
            skip_invalid=False,
            progress=lambda done, total: seen.append(gc.isenabled()),
        )
        assert seen == [False] and gc.isenabled() is enabled_before
        with pytest.raises(Invalid):
            importer.import_file(
                SYSTEM,
                filename="bad.csv",
                content=_csv(_rows(3, bad_rows=(1,))),
                skip_invalid=False,
            )
        assert gc.isenabled() is enabled_before
    finally:
        gc.enable()


def _boom(batch: object) -> None:
    raise ValueError("boom")


def _exit(batch: object) -> None:
    os._exit(3)


@pytest.mark.parametrize(("failure", "message"), [(_boom, "boom"), (_exit, "exited")])
def test_a_worker_that_fails_stops_the_import_and_keeps_nothing(
    app, monkeypatch, failure, message: str
) -> None:
    b.jd()
    monkeypatch.setattr(importer, "IMPORT_BATCH", 2)
    monkeypatch.setattr(importer, "_KEPT", 0)  # every batch checked in the workers
    check = importer._Analyst.check

    def failing_on_row_8(self, batch):
        if any(number == 8 for number, _row in batch):
            failure(batch)
        return check(self, batch)

    monkeypatch.setattr(importer._Analyst, "check", failing_on_row_8)
    with pytest.raises(RuntimeError, match=message):
        importer.import_file(
            SYSTEM,
            filename="w.csv",
            content=_csv(_rows(9)),
            skip_invalid=False,
            workers=2,
        )
    assert _count() == 0


def test_batches_are_checked_here_too_while_the_workers_are_slower(
    app, monkeypatch
) -> None:
    b.jd()
    monkeypatch.setattr(importer, "IMPORT_BATCH", 2)
    importer_pid = os.getpid()
    checked_here: list[int] = []
    check = importer._Analyst.check

    def slow_in_workers(self, batch):
        if os.getpid() == importer_pid:
            checked_here.append(batch[0][0])
        else:
            time.sleep(0.3)
        return check(self, batch)

    monkeypatch.setattr(importer._Analyst, "check", slow_in_workers)
    report = importer.import_file(
        SYSTEM,
        filename="s.csv",
        content=_csv(_rows(20)),
        skip_invalid=False,
        workers=1,
    )
    assert [row for row, _, _ in report.imported] == list(range(2, 22))
    assert checked_here  # the filing did not wait on the slow worker alone
    assert _count() == 20


def test_rollups_count_every_complaint_of_a_file_filed_alike(app, monkeypatch) -> None:
    b.jd()
    monkeypatch.setattr(importer, "IMPORT_BATCH", 3)
    report = importer.import_file(
        SYSTEM, filename="a.csv", content=_csv(_rows(7)), skip_invalid=False
    )
    assert len(report.imported) == 7
    grains = {name: rollups.grain_rows(name) for name in GRAINS}
    # Seven complaints alike (one enterprise, instant and label), in three
    # batches: the rows they share count all seven.
    received = {counts[0] for rows in grains.values() for counts in rows.values()}
    assert received == {7}
    received = db.session.scalars(select(Complaint.received_at)).first()
    rollups.rebuild(now=received)
    assert {name: rollups.grain_rows(name) for name in GRAINS} == grains
