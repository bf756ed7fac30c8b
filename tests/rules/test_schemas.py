from datetime import date

import marshmallow as ma
import pytest

from app.rules.schemas import ClassifyRequestSchema


def test_loads_text_and_an_optional_conduct_date() -> None:
    loaded = ClassifyRequestSchema().load(
        {"text": "假货", "conduct_date": "2021-05-01"}
    )

    assert loaded == {"text": "假货", "conduct_date": date(2021, 5, 1)}
    assert ClassifyRequestSchema().load({"text": "假货"})["conduct_date"] is None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"text": " \n\t "}, "text"),
        ({"text": ""}, "text"),
        ({"text": "x" * 20_001}, "text"),
        ({}, "text"),
        ({"text": "假货", "conduct_date": "2021-02-30"}, "conduct_date"),
        ({"text": "假货", "colour": "red"}, "colour"),
    ],
)
def test_refuses_bad_requests_naming_the_field(
    payload: dict[str, str], field: str
) -> None:
    with pytest.raises(ma.ValidationError) as caught:
        ClassifyRequestSchema().load(payload)

    assert field in caught.value.messages
