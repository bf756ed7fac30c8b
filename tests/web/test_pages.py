"""Validation messages shown in the reader's language, next to the right field."""

import pytest
from flask_wtf import FlaskForm
from wtforms import StringField

from app.web import pages


class _Form(FlaskForm):
    class Meta:
        csrf = False

    phone = StringField()
    attitude = StringField()


@pytest.mark.parametrize(
    ("message", "zh"),
    [
        ("Missing data for required field.", "此项必填。"),
        ("Longer than maximum length 100.", "最多填写 100 个字符。"),
        (
            "Must be greater than or equal to 1 and less than or equal to 5.",
            "请填写 1 至 5 之间的数值。",
        ),
        ("Not a phone number.", "请填写联系电话（至少 5 位数字）。"),
        ("购买日期不能晚于今天。", "购买日期不能晚于今天。"),
    ],
)
def test_schema_messages_are_shown_in_chinese(app, message, zh) -> None:
    with app.test_request_context("/"):
        assert pages.say(message) == zh


def test_errors_land_on_their_field_and_the_rest_on_the_form(app) -> None:
    with app.test_request_context("/?lang=en"):
        form = _Form(formdata=None)
        pages.attach_errors(
            form,
            {
                "phone": ["Not a phone number."],
                "ratings": {"attitude": ["Missing data for required field."]},
                "_schema": ["Something else."],
            },
        )
        assert form.phone.errors == ["Enter a phone number: digits, at least five."]
        assert form.attitude.errors == ["Required."]
        assert form.form_errors == ["Something else."]


def test_values_leave_blank_fields_out_so_the_schema_sees_them_missing(app) -> None:
    with app.test_request_context(
        "/", method="POST", data={"phone": "  ", "attitude": "5"}
    ):
        form = _Form()
        assert pages.values(form, ("phone", "attitude")) == {"attitude": "5"}
