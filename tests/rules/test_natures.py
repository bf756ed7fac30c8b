from pathlib import Path

import pytest

from app.rules import natures
from app.rules.packs import PackError


def test_loads_the_ten_consumer_association_natures_in_report_order() -> None:
    loaded = natures.load(natures.NATURES_FILE)

    assert tuple(n.code for n in loaded) == natures.CODES
    assert loaded[0].name_zh == "售后服务"
    assert all(n.keywords for n in loaded if n.code != natures.FALLBACK)


def test_refuses_a_file_missing_a_nature(tmp_path: Path) -> None:
    text = natures.NATURES_FILE.read_text(encoding="utf-8")
    start = text.index('[[natures]]\ncode = "measurement"')
    end = text.index('[[natures]]\ncode = "other"')
    path = tmp_path / "natures.toml"
    path.write_text(text[:start] + text[end:], encoding="utf-8")

    with pytest.raises(PackError, match=r"natures.toml: .*missing \['measurement'\]"):
        natures.load(path)


def test_a_bad_keyword_weight_names_the_nature(tmp_path: Path) -> None:
    text = natures.NATURES_FILE.read_text(encoding="utf-8")
    path = tmp_path / "natures.toml"
    path.write_text(text.replace('"售后" = 1.5', '"售后" = -1'), encoding="utf-8")

    with pytest.raises(
        PackError, match="nature after_sales.*'售后' must be a positive"
    ):
        natures.load(path)
