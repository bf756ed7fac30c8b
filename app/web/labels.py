"""Names of the codes that pages show: statuses, clocks, units, categories.

Codes stay codes in the database and the API; a page shows each one in the
reader's language. Category names come from the rule packs in use, so a new
pack needs no change here.
"""

from flask_babel import gettext as _

from app.complaints import lifecycle
from app.rules import service as rules
from app.web import pages


def category_names() -> dict[str, str]:
    """Category code -> name in the reader's language, from the packs in use."""
    return {p.category: pages.named(p) for p in rules.list_packs()}


def status_label(value: str) -> str:
    return pages.label(lifecycle.Status(value))


def target_name(value: str) -> str:
    return {
        "first_response": _("Enterprise first response"),
        "resolution": _("Enterprise resolution"),
        "accept_decision": _("Decision to accept or reject"),
        "mediation": _("Mediation"),
    }.get(value, value)


def unit_name(value: str) -> str:
    return {
        "working_days": _("working days"),
        "calendar_days": _("calendar days"),
        "hours": _("hours"),
    }.get(value, value)


def pledge_status(value: str) -> str:
    return {
        "draft": _("draft"),
        "signed": _("signed"),
        "withdrawn": _("withdrawn"),
        "revoked": _("revoked"),
    }.get(value, value)


def participation_status(value: str) -> str:
    return {
        "recommended": _("recommended"),
        "approved": _("approved"),
        "rejected": _("rejected"),
    }.get(value, value)


def contest_status(value: str) -> str:
    return {
        "open": _("awaiting a ruling"),
        "upheld": _("upheld: the category stands"),
        "overturned": _("overturned: the category was removed"),
    }.get(value, value)
