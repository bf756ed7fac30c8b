"""What every page shares: the caller, schema validation onto form fields, labels.

Forms are validated by the API's own marshmallow schemas, so a page and the API
accept exactly the same input. Marshmallow words its messages in English for
machines; the page shows each one in the reader's language, next to its field.
Service errors arrive already bilingual and name their field where they can.
"""

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any

import marshmallow as ma
from flask import request
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from app.accounts import auth
from app.accounts.access import Actor
from app.errors import DomainError, NotFound
from app.fields import SHANGHAI
from app.i18n import pick
from app.pledges import service as registry

# Marshmallow's messages, as patterns, to the sentence shown beside the field.
_MESSAGES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"Missing data for required field\."), lambda m: _("Required.")),
    (re.compile(r"Field may not be null\."), lambda m: _("Required.")),
    (re.compile(r"Must not be blank\."), lambda m: _("Required.")),
    (re.compile(r"Not a valid date\."), lambda m: _("Enter a date as YYYY-MM-DD.")),
    (re.compile(r"Not a valid (number|decimal)\."), lambda m: _("Enter a number.")),
    (
        re.compile(r"Special numeric values .*"),
        lambda m: _("Enter a number."),
    ),
    (re.compile(r"Not a valid integer\."), lambda m: _("Enter a whole number.")),
    (re.compile(r"Not a valid boolean\."), lambda m: _("Choose yes or no.")),
    (
        re.compile(r"Shorter than minimum length (\d+)\."),
        lambda m: _("Enter at least %(n)s characters.", n=m[1]),
    ),
    (
        re.compile(r"Longer than maximum length (\d+)\."),
        lambda m: _("Enter at most %(n)s characters.", n=m[1]),
    ),
    (
        re.compile(r"Length must be between (\d+) and (\d+)\."),
        lambda m: _("Enter %(lo)s to %(hi)s characters.", lo=m[1], hi=m[2]),
    ),
    (
        re.compile(r"Must be greater than or equal to (\S+) and less .* to (\S+)\."),
        lambda m: _("Enter a value from %(lo)s to %(hi)s.", lo=m[1], hi=m[2]),
    ),
    (
        re.compile(r"Must be greater than or equal to (\S+)\."),
        lambda m: _("Enter a value of at least %(lo)s.", lo=m[1]),
    ),
    (re.compile(r"Must be one of: .*"), lambda m: _("Choose one of the options.")),
    (
        re.compile(r"String does not match expected pattern\."),
        lambda m: _("Contains characters that are not allowed here."),
    ),
    (
        re.compile(r"Not a phone number\."),
        lambda m: _("Enter a phone number: digits, at least five."),
    ),
    (
        re.compile(r"Not a resident ID number\."),
        lambda m: _("Enter a 15- or 18-digit ID number (the last may be X)."),
    ),
    (
        re.compile(r"Control characters are not allowed\."),
        lambda m: _("Remove the control characters."),
    ),
    (re.compile(r"Unknown field\."), lambda m: _("Unknown field.")),
)


def actor() -> Actor:
    """Return the signed-in caller (Unauthorized sends the browser to sign in)."""
    return auth.current_actor()


def say(message: str) -> str:
    """Show one validation message in the reader's language."""
    for pattern, render in _MESSAGES:
        found = pattern.fullmatch(message.strip())
        if found:
            return render(found)
    return message


def flatten(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn nested marshmallow errors into {"ratings.attitude": [...]}."""
    if isinstance(errors, Mapping):
        flat: dict[str, list[str]] = {}
        for key, value in errors.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten(value, name))
        return flat
    values = errors if isinstance(errors, list | tuple) else [errors]
    return {prefix or "_schema": [str(v) for v in values]}


def attach_errors(
    form: FlaskForm,
    errors: Mapping[str, Any],
    aliases: Mapping[str, str] | None = None,
) -> None:
    """Put each error next to its field; errors of no field go to the form."""
    for name, messages in flatten(errors).items():
        field_name = (aliases or {}).get(name, name.split(".")[-1])
        field = form._fields.get(field_name)  # WTForms keeps fields by name here
        shown = [say(m) for m in messages]
        if field is not None:
            field.errors = [*field.errors, *shown]
        else:
            form.form_errors.extend(shown)


def domain_error(form: FlaskForm, err: DomainError, **kw: Any) -> None:
    """Show a service error on the form: per field if it names one, else on top."""
    if err.errors:
        attach_errors(form, err.errors, **kw)
    if not err.errors or not any(form.errors.values()):
        form.form_errors.append(message(err))


def message(err: DomainError) -> str:
    """The service error's sentence in the reader's language."""
    return pick(err.message, err.message_en)


def values(form: FlaskForm, names: Iterable[str]) -> dict[str, Any]:
    """Collect the named fields, leaving out blanks so the schema sees them missing."""
    out: dict[str, Any] = {}
    for name in names:
        value = form[name].data
        if isinstance(value, str):
            value = value.strip()
        if value not in (None, "", []):
            out[name] = value
    return out


def load(
    schema: ma.Schema,
    data: Mapping[str, Any],
    form: FlaskForm,
    aliases: Mapping[str, str] | None = None,
) -> dict[str, Any] | None:
    """Validate `data` with the API schema; on failure mark the form and return None."""
    try:
        loaded: dict[str, Any] = schema.load(data)
    except ma.ValidationError as err:
        attach_errors(form, flatten(err.messages), aliases)
        return None
    return loaded


def label(member: Any) -> str:
    """The reader's-language label of a lifecycle enum member (or the raw value)."""
    if member is None:
        return ""
    zh, en = getattr(member, "zh", None), getattr(member, "en", None)
    text = pick(zh, en) if zh and en else str(member)
    # The English labels are lower case for use inside sentences; alone, capitalise.
    return text[:1].upper() + text[1:]


def named(item: Mapping[str, Any] | Any, stem: str = "name") -> str:
    """Pick `name_zh` / `name_en` from a dict or object."""
    get = item.get if isinstance(item, Mapping) else lambda k: getattr(item, k, None)
    zh, en = get(f"{stem}_zh"), get(f"{stem}_en")
    return pick(zh or en or "", en or zh or "")


def local(moment: datetime | date | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Show an instant in Beijing time (dates as they are)."""
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        return moment.astimezone(SHANGHAI).strftime(fmt)
    return moment.strftime("%Y-%m-%d")


def page_number() -> int:
    """The `page` query argument, 1 when absent or malformed."""
    raw = request.args.get("page", "1")
    return max(1, min(int(raw), 100_000)) if raw.isdigit() else 1


def enterprise_name(enterprise_id: int | None, fallback: str = "") -> str:
    """The registered legal name, memoised per request, or `fallback`."""
    if enterprise_id is None:
        return fallback
    # Per request, not on `g`, which an outer app context may share.
    names: dict[int, str] = request.environ.setdefault("festival.web_names", {})
    if enterprise_id not in names:
        try:
            names[enterprise_id] = registry.get_enterprise(
                actor(), enterprise_id
            ).legal_name
        except NotFound:
            names[enterprise_id] = fallback
    return names[enterprise_id] or fallback
