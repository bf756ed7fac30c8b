import shutil
from datetime import date
from pathlib import Path

import pytest
from flask import Flask

from app.errors import Invalid
from app.rules import packs, service


def _app(**config: object) -> Flask:
    app = Flask(__name__)
    app.config.update(config)
    return app


def test_builds_the_engine_once_per_packs_directory() -> None:
    with _app().app_context():
        assert service.get_engine() is service.get_engine()


def test_reads_packs_from_the_configured_directory(tmp_path: Path) -> None:
    shutil.copy(packs.PACKS_DIR / "counterfeit.toml", tmp_path)

    with _app(RULE_PACKS_DIR=str(tmp_path)).app_context():
        assert [p.id for p in service.list_packs()] == ["counterfeit"]


def test_a_broken_packs_directory_is_an_operator_error(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text("id = ", encoding="utf-8")

    with (
        _app(RULE_PACKS_DIR=str(tmp_path)).app_context(),
        pytest.raises(service.RulePackInvalid) as caught,
    ):
        service.get_engine()

    assert caught.value.status_code == 500
    assert "bad.toml" in caught.value.message_en


def test_refuses_a_conduct_date_in_the_future() -> None:
    with _app().app_context(), pytest.raises(Invalid) as caught:
        service.classify_text("假货", conduct_date=date(2999, 1, 1))

    assert "conduct_date" in caught.value.errors


def test_classifies_with_the_law_of_the_conduct_date() -> None:
    with _app().app_context():
        result = service.classify_text(
            "平台逼商家二选一", conduct_date=date(2021, 5, 1)
        )

    assert result.labels == ("exclusive_dealing",)
    assert result.conduct_date == date(2021, 5, 1)
