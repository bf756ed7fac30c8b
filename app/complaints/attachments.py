"""Complaint attachments: size and type limits, content hash, safe storage.

The type is decided by the file's first bytes, not by its name or the
browser's claim, so a script renamed to .jpg is refused. Files are stored
under their SHA-256, which also deduplicates identical evidence; the original
name is kept only as display text.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
SIGNATURES: tuple[tuple[bytes, str, tuple[str, ...]], ...] = (
    (b"\xff\xd8\xff", "image/jpeg", (".jpg", ".jpeg")),
    (b"\x89PNG\r\n\x1a\n", "image/png", (".png",)),
    (b"%PDF-", "application/pdf", (".pdf",)),
)


class AttachmentRefused(ValueError):
    def __init__(self, zh: str, en: str, *, too_large: bool = False) -> None:
        super().__init__(en)
        self.zh, self.en, self.too_large = zh, en, too_large


@dataclass(frozen=True)
class Checked:
    display_name: str
    content_type: str
    size: int
    sha256: str


def check(filename: str, content: bytes, *, max_bytes: int) -> Checked:
    """Validate an upload by size, extension and magic bytes."""
    if len(content) > max_bytes:
        raise AttachmentRefused(
            f"附件超过 {max_bytes // 1024 // 1024} MB 上限。",
            f"The file exceeds the {max_bytes} byte limit.",
            too_large=True,
        )
    if not content:
        raise AttachmentRefused("附件为空。", "The file is empty.")
    # Keep only the last path part, without control or bidi-override characters.
    cleaned = "".join(ch for ch in filename if ch.isprintable() and ch not in _BIDI)
    name = Path(cleaned.replace("\\", "/")).name.strip() or "attachment"
    suffix = Path(name).suffix.lower()
    for magic, ctype, suffixes in SIGNATURES:
        if content.startswith(magic):
            if suffix not in suffixes:
                raise AttachmentRefused(
                    "文件扩展名与内容不符。",
                    f"The file content is {ctype} but its name ends in '{suffix}'.",
                )
            return Checked(
                # Shorten the stem, never the extension.
                display_name=Path(name).stem[: 200 - len(suffix)] + Path(name).suffix,
                content_type=ctype,
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
            )
    raise AttachmentRefused(
        "仅支持 JPG、PNG 和 PDF 格式的附件。",
        "Only JPG, PNG and PDF files are accepted.",
    )


def store(root: Path, checked: Checked, content: bytes) -> Path:
    """Write the content under its hash (idempotent); return the path."""
    target = root / checked.sha256[:2] / checked.sha256
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        tmp = target.with_suffix(".part")
        tmp.write_bytes(content)
        tmp.replace(target)
    return target


def path_for(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256
