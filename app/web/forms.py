"""The pages' forms (Flask-WTF): fields, labels and CSRF.

Fields carry no validators of their own: each form's data goes through the
API's marshmallow schema (see pages.load), so a page accepts exactly what the
API accepts. Field names match the schema's, so errors land on the right field.
Choices that come from the database are filled in by the view.
"""

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.widgets import CheckboxInput, ListWidget


def options(pairs: Iterable[tuple[str, Any]]) -> list[SelectChoice]:
    """Turn (value, label) pairs into WTForms' SelectChoice options."""
    return [SelectChoice(value=str(value), label=label) for value, label in pairs]


REQUEST_TYPES = options(
    [
        ("refund", _l("Refund")),
        ("return", _l("Return the goods")),
        ("exchange", _l("Exchange")),
        ("repair", _l("Repair")),
        ("compensation", _l("Compensation")),
        ("apology", _l("Apology")),
        ("other", _l("Other")),
    ]
)
STARS = options([("", "—")] + [(str(n), str(n)) for n in range(1, 6)])


class ComplaintForm(FlaskForm):
    complainant_name = StringField(_l("Complainant's name"))
    complainant_phone = StringField(_l("Phone"))
    complainant_address = StringField(_l("Address"))
    complainant_id_number = StringField(_l("ID number (optional)"))
    on_behalf = BooleanField(_l("Filed on the consumer's behalf"), default=True)
    enterprise_name = StringField(_l("Enterprise complained about"))
    enterprise_uscc = StringField(_l("Unified social credit code (optional)"))
    platform_name = StringField(_l("Platform"))
    shop_name = StringField(_l("Shop"))
    order_no = StringField(_l("Order number"))
    purchase_date = StringField(_l("Purchase date"))
    amount = StringField(_l("Amount in dispute (yuan)"))
    request_type = SelectField(_l("Request"), choices=REQUEST_TYPES)
    request_text = TextAreaField(_l("Request in detail"))
    facts = TextAreaField(_l("Facts and reasons"))
    campaign_id = SelectField(_l("Campaign"), choices=[], validate_choice=False)
    region_code = SelectField(_l("Region"), choices=[], validate_choice=False)
    attachments = MultipleFileField(_l("Evidence (JPG, PNG or PDF)"))
    # Sent back with the form, so a double submit files one complaint, not two.
    idempotency_key = HiddenField()

    SCHEMA_FIELDS = (
        "complainant_name",
        "complainant_phone",
        "complainant_address",
        "complainant_id_number",
        "enterprise_name",
        "enterprise_uscc",
        "platform_name",
        "shop_name",
        "order_no",
        "purchase_date",
        "amount",
        "request_type",
        "request_text",
        "facts",
        "campaign_id",
        "region_code",
    )


class ImportForm(FlaskForm):
    file = FileField(_l("CSV or XLSX file"))
    skip_invalid = BooleanField(_l("Import the valid rows and report the others"))


class TransitionForm(FlaskForm):
    action = HiddenField()
    expected_version = HiddenField()
    reason = SelectField(_l("Statutory ground"), choices=[], validate_choice=False)
    note = TextAreaField(_l("Note"))
    attitude = SelectField(_l("Attitude"), choices=STARS)
    speed = SelectField(_l("Speed"), choices=STARS)
    satisfaction = SelectField(_l("Satisfaction"), choices=STARS)


class MessageForm(FlaskForm):
    kind = HiddenField()
    body = TextAreaField(_l("Message"))
    refund_amount = StringField(_l("Refund (yuan)"))
    compensation_amount = StringField(_l("Compensation (yuan)"))
    replacement = BooleanField(_l("Replace the goods"))


class AttachmentForm(FlaskForm):
    file = FileField(_l("Add evidence (JPG, PNG or PDF)"))


class ButtonForm(FlaskForm):
    """A form that is only a button: the CSRF token is all it carries."""


class AssignForm(FlaskForm):
    enterprise_id = SelectField(_l("Enterprise"), choices=[], validate_choice=False)
    note = TextAreaField(_l("Note"))


class LabelsForm(FlaskForm):
    labels = SelectMultipleField(
        _l("Categories"),
        choices=[],
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    reason = TextAreaField(_l("Reason for the change"))


class PauseForm(FlaskForm):
    reason = SelectField(
        _l("Pause for"),
        choices=options(
            [
                ("testing_appraisal", _l("Testing or appraisal (Art. 20)")),
                ("recusal", _l("Recusal decision (Art. 19)")),
            ]
        ),
    )
    note = TextAreaField(_l("Note"))


class ReviewForm(FlaskForm):
    decision = HiddenField()
    reason = TextAreaField(_l("Reason"))


class ContestForm(FlaskForm):
    reason = TextAreaField(_l("Why the category does not apply"))


class RulingForm(FlaskForm):
    upheld = SelectField(
        _l("Ruling"),
        choices=options(
            [
                ("", "—"),
                ("true", _l("Uphold: the category stands")),
                ("false", _l("Overturn: remove the category")),
            ]
        ),
    )
    reason = TextAreaField(_l("Reason for the ruling"))


class SubstantiateForm(FlaskForm):
    categories = SelectMultipleField(
        _l("Substantiated categories"),
        choices=[],
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    note = TextAreaField(_l("Finding"))


class FilterForm(FlaskForm):
    """The dashboard's and list's filters: a GET form, so no CSRF token."""

    class Meta:
        csrf = False

    campaign_id = SelectField(_l("Campaign"), choices=[], validate_choice=False)
    region_code = SelectField(_l("Region"), choices=[], validate_choice=False)
    category = SelectField(_l("Category"), choices=[], validate_choice=False)
    enterprise_id = SelectField(_l("Enterprise"), choices=[], validate_choice=False)
    date_from = StringField(_l("From"))
    date_to = StringField(_l("To"))
    status = SelectField(_l("Status"), choices=[], validate_choice=False)
    sla_state = SelectField(_l("Deadline"), choices=[], validate_choice=False)
    number = StringField(_l("Complaint number"))


class UserForm(FlaskForm):
    email = StringField(_l("E-mail"))
    name = StringField(_l("Name"))
    role = SelectField(_l("Role"), choices=[], validate_choice=False)
    org = StringField(_l("Organisation or enterprise (id or exact name)"))
    password = PasswordField(_l("Initial password"))


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"))
    expires_at = StringField(_l("Expires (optional, YYYY-MM-DD)"))


class OverrideForm(FlaskForm):
    date = StringField(_l("Date"))
    is_workday = SelectField(
        _l("The day is"),
        choices=options([("true", _l("a working day")), ("false", _l("a day off"))]),
    )
    reason = StringField(_l("Reason"))


class YearForm(FlaskForm):
    year = StringField(_l("Year"))
    note = StringField(_l("Source (the State Council notice)"))


class PolicyForm(FlaskForm):
    code = StringField(_l("Code"))
    target = SelectField(_l("Clock"), choices=[], validate_choice=False)
    campaign_id = SelectField(_l("Campaign"), choices=[], validate_choice=False)
    category = SelectField(_l("Category"), choices=[], validate_choice=False)
    name_zh = StringField(_l("Name (Chinese)"))
    name_en = StringField(_l("Name (English)"))
    amount = StringField(_l("Amount"))
    unit = SelectField(_l("Unit"), choices=[], validate_choice=False)
    legal_basis = StringField(_l("Legal basis"))
    roll_to_workday = BooleanField(_l("Roll a day off to the next working day"))
    at_risk_percent = StringField(
        _l("At-risk warning (percent of the period left)"), default="20"
    )
