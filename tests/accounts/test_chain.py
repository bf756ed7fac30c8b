from app.accounts import chain


def _build(n: int) -> list[tuple[int, str, str, dict]]:
    rows, prev = [], chain.GENESIS
    for seq in range(1, n + 1):
        content = {"seq": seq, "action": f"a{seq}"}
        h = chain.entry_hash(prev, content)
        rows.append((seq, prev, h, content))
        prev = h
    return rows


def test_an_untouched_chain_verifies() -> None:
    assert chain.verify(_build(5)) is None


def test_an_edited_entry_is_named() -> None:
    rows = _build(5)
    seq, prev, h, content = rows[2]
    rows[2] = (seq, prev, h, content | {"action": "tampered"})
    assert chain.verify(rows).seq == 3


def test_a_deleted_entry_is_named_by_the_gap() -> None:
    rows = _build(5)
    del rows[1]
    found = chain.verify(rows)
    assert found is not None and found.seq == 3


def test_an_inserted_entry_breaks_the_link() -> None:
    rows = _build(3)
    fake = (2, rows[0][2], chain.entry_hash(rows[0][2], {"x": 1}), {"x": 1})
    rows = [rows[0], fake] + [(s + 1, p, h, c) for s, p, h, c in rows[1:]]
    found = chain.verify(rows)
    assert found is not None and found.seq == 3
