"""The audit trail's hash chain.

Each entry's hash is SHA-256 over the previous entry's hash and a canonical
JSON of the entry's own fields. Editing, inserting or deleting any entry
breaks every hash after it, so a walk from the start names the first entry
that does not fit.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    problem: str


# What json.dumps(sort_keys=True, ensure_ascii=False, default=str) writes,
# without building an encoder per entry (filing appends hundreds at a time).
_canonical = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str).encode


def entry_hash(prev_hash: str, content: dict[str, Any]) -> str:
    """Hash one entry's content onto the previous hash."""
    canonical = _canonical(content)
    return hashlib.sha256((prev_hash + "\n" + canonical).encode()).hexdigest()


def verify(
    entries: Iterable[tuple[int, str, str, dict[str, Any]]],
) -> ChainBreak | None:
    """Walk (seq, prev_hash, hash, content) in seq order; return the first break."""
    expected_prev = GENESIS
    expected_seq = 1
    for seq, prev_hash, stored_hash, content in entries:
        if seq != expected_seq:
            return ChainBreak(seq, f"sequence gap: expected {expected_seq}")
        if prev_hash != expected_prev:
            return ChainBreak(
                seq, "previous-hash link broken (entry inserted or deleted)"
            )
        if entry_hash(prev_hash, content) != stored_hash:
            return ChainBreak(seq, "content does not match its hash (entry edited)")
        expected_prev = stored_hash
        expected_seq += 1
    return None
