import json
from pathlib import Path

import pytest

from app.rules import engine, natures, packs
from app.rules.evaluation import Example, evaluate

DEV_SET = Path(__file__).parents[2].parent / "shared" / "data" / "complaints-dev.jsonl"


def test_labels_the_dev_set_with_macro_f1_of_at_least_085() -> None:
    if not DEV_SET.exists():
        pytest.skip(f"labelled dev set not found at {DEV_SET}")
    rows = [
        json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines()
    ]
    built = engine.build(
        packs.load_dir(packs.PACKS_DIR), natures.load(natures.NATURES_FILE)
    )

    report = evaluate(
        (Example(r["id"], r["text"], frozenset(r["labels"])) for r in rows),
        lambda text: built.classify(text).labels,
    )

    assert report.macro_f1 >= 0.85, report.mistakes
