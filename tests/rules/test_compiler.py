from app.rules import natures, packs
from app.rules.compiler import Compiler, compile_pack


def _pack() -> packs.RulePack:
    return packs.load_file(packs.PACKS_DIR / "counterfeit.toml")


def test_lists_every_literal_but_not_the_pieces_of_fuzzy_phrases() -> None:
    compiler = Compiler()
    compile_pack(compiler, 0, _pack())

    assert {"假货", "以次充好", "不是", "不像"} <= compiler.exact
    assert "冒伪" not in compiler.exact


def test_a_rule_waits_for_the_terms_it_needs_first() -> None:
    compiler = Compiler()
    entries = {e.rule.full_id: e for e in compile_pack(compiler, 0, _pack())}

    assert len(entries["counterfeit.fake-terms"].needs) == 1
    assert entries["counterfeit.fake-with-typo"].needs_any
    assert "counterfeit.denied" not in entries  # negations ride on other rules


def test_natures_load_alongside() -> None:
    assert natures.load(natures.NATURES_FILE)
