"""Bulk import of complaints from CSV (UTF-8 or GBK) and XLSX files.

Every row is validated before anything is written; errors name the row number
(the header is row 1) and the column. By default a file goes in whole or not
at all; with `skip_invalid` the valid rows go in and the rejected rows come
back with their reasons. Spreadsheets exported on Chinese Windows are GBK, so
a CSV that is not valid UTF-8 is read as GB18030 (a superset of GBK).
"""

import csv
import gc
import io
import multiprocessing
import os
import queue
import threading
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing import connection
from typing import Any

import marshmallow as ma

from app.complaints.schemas import ComplaintCreateSchema

MAX_ROWS = 100_000
MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_XLSX_RATIO = 100  # a real sheet compresses ~5-20x; far more is a zip bomb

# Column headers accepted, Chinese or the API's field names.
HEADERS: dict[str, str] = {
    "投诉人": "complainant_name",
    "投诉人姓名": "complainant_name",
    "姓名": "complainant_name",
    "联系电话": "complainant_phone",
    "电话": "complainant_phone",
    "手机": "complainant_phone",
    "地址": "complainant_address",
    "联系地址": "complainant_address",
    "投诉人地址": "complainant_address",
    "身份证号": "complainant_id_number",
    "被投诉企业": "enterprise_name",
    "被投诉方": "enterprise_name",
    "企业名称": "enterprise_name",
    "统一社会信用代码": "enterprise_uscc",
    "信用代码": "enterprise_uscc",
    "购买平台": "platform_name",
    "平台": "platform_name",
    "店铺": "shop_name",
    "店铺名称": "shop_name",
    "订单号": "order_no",
    "购买日期": "purchase_date",
    "涉诉金额": "amount",
    "金额": "amount",
    "投诉要求": "request_type",
    "要求说明": "request_text",
    "投诉内容": "facts",
    "事实与理由": "facts",
    "投诉事实": "facts",
    "代为投诉": "on_behalf",
    "地区代码": "region_code",
}
REQUEST_TYPES_ZH = {
    "退款": "refund",
    "退货": "return",
    "换货": "exchange",
    "维修": "repair",
    "赔偿": "compensation",
    "道歉": "apology",
    "其他": "other",
}
FIELDS = set(ComplaintCreateSchema().fields)


class ImportFileError(ValueError):
    """The file as a whole cannot be read (wrong type, encoding, size, no header)."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


@dataclass
class RowResult:
    row: int
    data: dict[str, Any] | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    analysis: Any = None  # service.Analysis of a valid row about to be filed


def read_table(filename: str, content: bytes) -> tuple[list[str], Iterator[list[Any]]]:
    """Return the header and the data rows of a CSV or XLSX file."""
    is_zip = content[:4] == b"PK\x03\x04"
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        if not is_zip:
            raise ImportFileError(
                "文件扩展名为 .xlsx，但内容不是 XLSX。",
                "The file is named .xlsx but is not an XLSX workbook.",
            )
        return _read_xlsx(content)
    if lower.endswith(".csv") or lower.endswith(".txt"):
        if is_zip or b"\x00" in content[:4096]:
            raise ImportFileError(
                "文件扩展名为 .csv，但内容不是文本。",
                "The file is named .csv but is not a text file.",
            )
        return _read_csv(content)
    raise ImportFileError(
        "仅支持 .csv 和 .xlsx 文件。", "Only .csv and .xlsx files are accepted."
    )


def _read_csv(content: bytes) -> tuple[list[str], Iterator[list[Any]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                "无法识别文件编码（应为 UTF-8 或 GBK）。",
                "The file is neither UTF-8 nor GBK text.",
            ) from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header:
        raise ImportFileError("文件没有表头行。", "The file has no header row.")
    return header, reader


def _read_xlsx(content: bytes) -> tuple[list[str], Iterator[list[Any]]]:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            total = sum(i.file_size for i in zf.infolist())
    except zipfile.BadZipFile as exc:
        raise ImportFileError("XLSX 文件已损坏。", "The XLSX file is corrupt.") from exc
    if total > MAX_XLSX_UNCOMPRESSED or total > MAX_XLSX_RATIO * max(len(content), 1):
        raise ImportFileError(
            "XLSX 解压后过大，已拒绝。",
            "The XLSX expands to an implausible size (zip bomb?); refused.",
        )
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise ImportFileError(
            "无法读取 XLSX 文件。", f"Cannot read the XLSX file: {exc}"
        ) from exc
    rows = wb.worksheets[0].iter_rows(values_only=True)
    header = next(rows, None)
    if not header:
        raise ImportFileError("文件没有表头行。", "The file has no header row.")
    return ["" if h is None else str(h) for h in header], (list(r) for r in rows)


def map_header(header: list[str]) -> list[str | None]:
    """Map each column to a field name (None: ignored column)."""
    fields: list[str | None] = []
    for raw in header:
        name = raw.strip().lstrip("\ufeff")
        fields.append(name if name in FIELDS else HEADERS.get(name))
    missing = {
        "complainant_name",
        "complainant_phone",
        "complainant_address",
        "enterprise_name",
        "request_type",
        "facts",
    } - {f for f in fields if f}
    if missing:
        raise ImportFileError(
            f"缺少必需的列：{'、'.join(sorted(missing))}。",
            f"Missing required columns: {', '.join(sorted(missing))}.",
        )
    return fields


def validate_rows(
    header: list[str],
    rows: Iterator[list[Any]],
    business_check: Callable[[dict[str, Any]], None],
) -> list[RowResult]:
    """Validate every row; return one result per non-empty row."""
    checker = _RowChecker(map_header(header), business_check)
    checked = (checker.check(number, row) for number, row in numbered(rows))
    return [result for result in checked if result is not None]


def numbered(rows: Iterator[list[Any]]) -> Iterator[tuple[int, list[Any]]]:
    """Number the data rows as a spreadsheet does (the header is row 1)."""
    for number, row in enumerate(rows, start=2):
        if number - 1 > MAX_ROWS:
            raise ImportFileError(
                f"行数超过上限 {MAX_ROWS}。", f"More than {MAX_ROWS} rows."
            )
        yield number, row


class _RowChecker:
    """Validate one row at a time; blank rows are skipped."""

    def __init__(
        self,
        fields: list[str | None],
        business_check: Callable[[dict[str, Any]], None],
    ) -> None:
        self.fields = fields
        self.business_check = business_check
        # A field without a column is missing from every row: the schema
        # reads only the file's columns and the required fields.
        everything = ComplaintCreateSchema()
        required = {name for name, f in everything.fields.items() if f.required}
        read = {f for f in fields if f} | required
        self.schema = ComplaintCreateSchema(
            only=[name for name in everything.fields if name in read]
        )

    def check(self, number: int, row: list[Any]) -> RowResult | None:
        raw = {f: _cell(v) for f, v in zip(self.fields, row, strict=False) if f}
        raw = {k: v for k, v in raw.items() if v not in (None, "")}
        if not raw:
            return None
        if raw.get("request_type") in REQUEST_TYPES_ZH:
            raw["request_type"] = REQUEST_TYPES_ZH[raw["request_type"]]
        result = RowResult(row=number)
        try:
            result.data = self.schema.load(raw)
            self.business_check(result.data)
        except ma.ValidationError as err:
            result.data = None
            result.errors = {k: _strs(v) for k, v in dict(err.messages).items()}  # type: ignore[arg-type]
        except _FieldProblem as err:
            result.data = None
            result.errors = err.errors
        return result


class _FieldProblem(Exception):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(str(errors))
        self.errors = errors


def field_problem(errors: dict[str, list[str]]) -> _FieldProblem:
    """Wrap a business-rule failure so `validate_rows` reports it per row."""
    return _FieldProblem(errors)


def _cell(value: Any) -> Any:
    if type(value) is str:  # every CSV cell: the quick way
        return value.strip()
    if value is None:
        return None
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return value.isoformat()[:10]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _strs(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


# Rows checked, then filed, per batch inside the file's one transaction.
IMPORT_BATCH = 500
# SQLite page cache of the importing connection while it files (see page_cache).
IMPORT_PAGE_CACHE_MIB = 64


@dataclass
class ImportReport:
    imported: list[tuple[int, int, str]]  # (row, complaint id, number)
    rejected: list[RowResult]
    total_rows: int


def default_workers() -> int:
    """Processes that check rows beside the one filing them (0: none).

    Workers are forked, so they start at once with the rule engine and the
    enterprise index already built; where processes cannot fork, none.
    """
    if "fork" not in multiprocessing.get_all_start_methods():
        return 0
    return max(0, min((os.cpu_count() or 1) - 1, 4))


def import_file(
    actor: Any,
    *,
    filename: str,
    content: bytes,
    skip_invalid: bool,
    progress: Callable[[int, int], None] | None = None,
    workers: int = 0,
) -> ImportReport:
    """Check every row and file the valid ones, all in one transaction.

    Rows are checked (validated, matched, classified) a batch at a time, in
    `workers` forked processes when asked (the command line does; a web worker
    does not fork), while this process files the batches already checked.
    Unless `skip_invalid`, an invalid row stops the filing, the remaining rows
    are still checked so that every error is reported, and what was filed is
    rolled back: the file goes in whole or not at all.
    """
    from app.clock import utcnow
    from app.complaints import service
    from app.complaints.enums import Channel
    from app.errors import Invalid
    from app.extensions import db, page_cache
    from app.rules import service as rules

    now = utcnow()
    header, rows = read_table(filename, content)
    fields = map_header(header)
    table = list(numbered(rows))
    batches = [table[i : i + IMPORT_BATCH] for i in range(0, len(table), IMPORT_BATCH)]
    analyst = _Analyst(fields, now, service.matcher(), rules.get_engine())
    run = service.FilingRun()
    imported: list[tuple[int, int, str]] = []
    rejected: list[RowResult] = []
    total = done = 0
    try:
        with (
            _collector_paused(),
            page_cache(IMPORT_PAGE_CACHE_MIB),
            _checked(analyst, batches, workers) as checked,
        ):
            for batch, results in zip(batches, checked, strict=True):
                done += len(batch)
                total += len(results)
                rejected += [r for r in results if r.data is None]
                valid = [r for r in results if r.data is not None]
                if valid and (skip_invalid or not rejected):
                    filed = service.file_many(
                        actor,
                        [r.data for r in valid if r.data is not None],
                        channel=Channel.IMPORT,
                        now=now,
                        index=analyst.index,
                        run=run,
                        analyses=[r.analysis for r in valid],
                    )
                    imported += [
                        (r.row, c.id, c.number)
                        for r, c in zip(valid, filed, strict=True)
                    ]
                if progress is not None:
                    progress(done, len(table))
            if rejected and not skip_invalid:
                raise Invalid(
                    f"文件中有 {len(rejected)} 行无效，未导入任何数据。",
                    f"{len(rejected)} rows are invalid; nothing was imported.",
                    errors={f"row {r.row}": r.errors for r in rejected[:200]},
                    reason="import_invalid_rows",
                )
            run.finish()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return ImportReport(imported=imported, rejected=rejected, total_rows=total)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector for the import, workers included.

    Checking and filing allocate many small containers, and the batches in
    flight survive long enough to be promoted, so the collector keeps
    rescanning a growing heap: about a fifth of an import's time, for almost
    nothing (a 20,000-row import leaves under a hundred objects in cycles).
    Reference counting still frees everything else. Workers forked meanwhile
    start with the collector paused too.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _Analyst:
    """Everything a row needs before filing that reads no database."""

    def __init__(
        self, fields: list[str | None], now: Any, index: Any, engine: Any
    ) -> None:
        self.now, self.index, self.engine = now, index, engine
        self.checker = _RowChecker(fields, self._business_check)

    def _business_check(self, data: dict[str, Any]) -> None:
        from app.complaints import service
        from app.errors import DomainError

        try:
            service.check_business_rules(data, now=self.now)
        except DomainError as err:
            raise field_problem({k: _strs(v) for k, v in err.errors.items()}) from err

    def check(self, batch: list[tuple[int, list[Any]]]) -> list[RowResult]:
        from app.complaints import service

        results = []
        for number, row in batch:
            result = self.checker.check(number, row)
            if result is None:
                continue
            if result.data is not None:
                result.analysis = service.analyse(
                    result.data, now=self.now, index=self.index, engine=self.engine
                )
            results.append(result)
        return results


@contextmanager
def _checked(
    analyst: _Analyst, batches: list[list[tuple[int, list[Any]]]], workers: int
) -> Iterator[Iterator[list[RowResult]]]:
    """Yield each batch's checked rows, in order, checked here or in workers.

    Workers, forked with their own copy of the batches, claim the next
    unclaimed batch, check it and send the result down their pipe, a few
    batches ahead of the filing at most. When the batch to file next is not
    back yet, this process claims and checks one itself rather than wait, so
    neither side idles whichever is faster on the machine. Nothing else goes
    over the pipes, and this process needs no helper threads (a pool's would
    compete with the filing for the interpreter lock).
    """
    if workers <= 0 or len(batches) < 2:
        yield (analyst.check(batch) for batch in batches)
        return
    context = multiprocessing.get_context("fork")
    claims = context.Value("i", 0)  # the first batch nobody has claimed
    pipes, processes = [], []
    try:
        for _ in range(min(workers, len(batches))):
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(
                target=_check_claimed,
                args=(analyst, batches, claims, sender),
                daemon=True,
            )
            process.start()
            sender.close()  # the worker's end: EOF here once the worker is gone
            pipes.append(receiver)
            processes.append(process)
        yield _in_order(analyst, batches, claims, pipes)
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join()
        for receiver in pipes:
            receiver.close()


# Batches this process keeps checked ahead of the filing, at most: its own
# and those workers sent early.
_KEPT = 4


def _in_order(
    analyst: _Analyst, batches: list[Any], claims: Any, pipes: list[Any]
) -> Iterator[list[RowResult]]:
    done: dict[int, list[RowResult]] = {}
    open_pipes = list(pipes)
    for i in range(len(batches)):
        while i not in done:
            ready = connection.wait(open_pipes, timeout=0)
            if not ready and len(done) < _KEPT:
                claimed = _claim(claims, len(batches))
                if claimed is not None:
                    done[claimed] = analyst.check(batches[claimed])
                    continue
            if not open_pipes:
                raise RuntimeError("checking rows in a worker failed: it exited")
            for receiver in ready or connection.wait(open_pipes):
                received = _received(receiver)
                if received is None:
                    open_pipes.remove(receiver)
                else:
                    done[received[0]] = received[1]
        yield done.pop(i)


def _claim(claims: Any, count: int) -> int | None:
    """Take the next unchecked batch's index, if any is left."""
    with claims.get_lock():
        index: int = claims.value
        if index >= count:
            return None
        claims.value = index + 1
    return index


def _check_claimed(
    analyst: _Analyst, batches: list[Any], claims: Any, sender: Any
) -> None:
    """A worker's life: check batches as it claims them, sending each result.

    A thread sends, so checking goes on while a send waits for the importer
    to read; `_AHEAD` checked batches wait to be sent at most.
    """
    outbox: queue.Queue[Any] = queue.Queue(maxsize=_AHEAD)

    def send() -> None:
        while (item := outbox.get()) is not None:
            sender.send(item)

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    while (index := _claim(claims, len(batches))) is not None:
        try:
            outbox.put((index, analyst.check(batches[index])))
        except Exception as err:  # reported, and raised again, by the importer
            outbox.put((index, _WorkerFailure(repr(err))))
            break
    outbox.put(None)
    thread.join()


_AHEAD = 2


@dataclass(frozen=True)
class _WorkerFailure:
    problem: str


def _received(receiver: Any) -> tuple[int, list[RowResult]] | None:
    """Return a worker's next (batch index, result), or None once it is done."""
    try:
        index, results = receiver.recv()
    except EOFError:
        return None
    if isinstance(results, _WorkerFailure):
        raise RuntimeError(f"checking rows in a worker failed: {results.problem}")
    return index, results
