"""Bulk import: rows per second from a CSV file, matching and classification included.

Imports N generated rows into a fresh database with the demo registry loaded,
all or nothing in one transaction. The baseline, measured in the same run, is
reading and validating the same file without filing anything.
Run with `python -m bench.bench_import [--rows 20000]`.
"""

import argparse
import csv
import io
import json
import random
import time
from typing import Any

from bench import bench_classify
from bench.bench_intake import ENTERPRISE_NAMES

TARGET_ROWS_PER_S = 2_000
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


def make_csv(rows: int, seed: int = 11) -> bytes:
    rng = random.Random(seed)
    texts = bench_classify.generate(min(rows, 3000), seed=seed)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(HEADER)
    for i in range(rows):
        writer.writerow(
            [
                f"消费者{i}",
                f"137{rng.randrange(10**8):08d}",
                f"河南省郑州市中原区某路{i}号",
                rng.choice(ENTERPRISE_NAMES),
                f"IM{i:09d}",
                "2021-05-02",
                f"{rng.randrange(1, 3000)}.50",
                rng.choice(["退款", "退货", "赔偿"]),
                texts[i % len(texts)],
            ]
        )
    return buf.getvalue().encode("utf-8")


def run(rows: int = 20_000, database_url: str | None = None) -> dict[str, Any]:
    """Import `rows` rows as `flask complaints import` does, then in one process.

    Each import goes into its own fresh database, so both start alike.
    """
    from app.complaints import importer

    content = make_csv(rows)
    workers = importer.default_workers()
    rate, base = _import_rate(content, rows, database_url, workers)
    alone, _ = _import_rate(content, rows, database_url, 0)
    return {
        "rows": rows,
        "rows_per_s": rate,
        "workers": workers,
        "rows_per_s_one_process": alone,
        "baseline_validate_rows_per_s": base,
        "ratio": rate / base,
        "target_rows_per_s": TARGET_ROWS_PER_S,
    }


def _import_rate(
    content: bytes, rows: int, database_url: str | None, workers: int
) -> tuple[float, float]:
    """Return rows/s of the import and of reading and validating the file."""
    from app import create_app
    from app.accounts.access import SYSTEM
    from app.complaints import importer, service
    from bench.common import demo_database

    db_url, _ = demo_database(database_url)
    app = create_app({"DATABASE_URL": db_url})
    with app.app_context():
        service.matcher()  # built once per process in real use too
        start = time.perf_counter()
        header, table = importer.read_table("bench.csv", content)
        checked = importer.validate_rows(header, table, lambda d: None)
        validate_s = time.perf_counter() - start
        start = time.perf_counter()
        report = importer.import_file(
            SYSTEM,
            filename="bench.csv",
            content=content,
            skip_invalid=False,
            workers=workers,
        )
        import_s = time.perf_counter() - start
    assert len(report.imported) == rows == len(checked)
    return rows / import_s, rows / validate_s


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    print(json.dumps(run(args.rows, args.database_url), indent=2))


if __name__ == "__main__":
    main()
