"""Complaint pages every case role shares: the list, the detail, the helpers.

The list takes the API's own query schema, so a link from a dashboard bar is
just a list URL with filters. The detail page offers only what the caller may
do next: the lifecycle's allowed actions for its role and the messages its role
may send. Contact data is masked until the caller asks to see it, which the
complaints service audits.
"""

from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from app.accounts.access import ANY_ROLE, allow
from app.accounts.roles import Role
from app.complaints import lifecycle, masking
from app.complaints import service as complaints
from app.complaints.enums import MessageKind
from app.complaints.models import Complaint
from app.complaints.schemas import ComplaintQueryArgsSchema, SuggestArgsSchema
from app.errors import DomainError
from app.oversight import contests
from app.oversight import service as oversight
from app.pledges import service as registry
from app.rules import service as rules
from app.sla import queries as sla
from app.web import forms, pages, urgency

CASE_ROLES = (
    Role.ASSOCIATION,
    Role.ENTERPRISE,
    Role.REGIONAL_REGULATOR,
    Role.NATIONAL_REGULATOR,
)
# Which message kinds each role may send (workflow enforces the same table).
MESSAGE_KINDS: dict[Role, tuple[MessageKind, ...]] = {
    Role.ASSOCIATION: (MessageKind.MESSAGE, MessageKind.INFO_REPLY),
    Role.ENTERPRISE: (
        MessageKind.MESSAGE,
        MessageKind.INFO_REQUEST,
        MessageKind.PROPOSAL,
    ),
    Role.REGIONAL_REGULATOR: (MessageKind.MESSAGE, MessageKind.INFO_REQUEST),
    Role.NATIONAL_REGULATOR: (MessageKind.MESSAGE, MessageKind.INFO_REQUEST),
}
PER_PAGE = 25


# The list ------------------------------------------------------------------------


def list_filters(form: forms.FilterForm) -> dict[str, Any] | None:
    """Validate the list's query string with the API schema (None: errors shown)."""
    raw = {k: v for k, v in request.args.items() if v.strip() and k != "lang"}
    raw.pop("page", None)
    raw.pop("per_page", None)
    loaded = pages.load(ComplaintQueryArgsSchema(), raw, form)
    if loaded is None:
        return None
    loaded.pop("page", None)
    loaded.pop("per_page", None)
    return loaded


def fill_filter_choices(form: forms.FilterForm) -> None:
    """Offer the registry's campaigns, regions, categories and enterprises."""
    actor = pages.actor()
    every = [("", _("All"))]
    form.campaign_id.choices = forms.options(
        every + [(str(c.id), c.name) for c in registry.list_campaigns()]
    )
    form.region_code.choices = forms.options(
        every + [(r.code, r.name) for r in registry.list_regions()]
    )
    form.category.choices = forms.options(
        every + [(p.category, pages.named(p)) for p in rules.list_packs()]
    )
    listed = registry.list_enterprises(actor, page=1, per_page=200)["items"]
    form.enterprise_id.choices = forms.options(
        every + [(str(e.id), e.legal_name) for e in listed]
    )
    form.status.choices = forms.options(
        every + [(s.value, pages.label(s)) for s in lifecycle.Status]
    )
    form.sla_state.choices = forms.options(
        every
        + [
            ("breached", _("Overdue")),
            ("at_risk", _("At risk")),
            ("on_track", _("On track")),
            ("paused", _("Paused")),
            ("met", _("Met")),
            ("met_late", _("Met late")),
        ]
    )


def rows_with_deadlines(
    items: list[Complaint], targets: frozenset[str] | None = None
) -> list[dict[str, Any]]:
    """Pair each complaint with the clock its list row shows."""
    actor = pages.actor()
    rows = []
    for c in items:
        deadlines = sla.complaint_deadlines(actor, c.id)
        rows.append(
            {
                "c": c,
                "enterprise": pages.enterprise_name(
                    c.enterprise_id, c.enterprise_name_given
                ),
                "deadline": urgency.current(deadlines, targets),
            }
        )
    return rows


@allow(*ANY_ROLE)
def complaint_list() -> Any:
    form = forms.FilterForm(request.args)
    fill_filter_choices(form)
    filters = list_filters(form)
    page: dict[str, Any] = {"items": [], "total": 0, "page": 1, "per_page": PER_PAGE}
    if filters is not None:
        page = complaints.list_complaints(
            pages.actor(), filters=filters, page=pages.page_number(), per_page=PER_PAGE
        )
    status = 200 if filters is not None else 422
    return render_template(
        "web/complaints/list.html",
        form=form,
        page=page,
        rows=rows_with_deadlines(page["items"]),
        args={k: v for k, v in request.args.items() if k != "page"},
    ), status


# The detail ----------------------------------------------------------------------


def steps_for(status: lifecycle.Status, role: Role) -> list[lifecycle.Transition]:
    """The transitions the role may take now, with what each one needs."""
    return [
        t for t in lifecycle.TRANSITIONS if t.from_status == status and role in t.roles
    ]


def transition_form(step: lifecycle.Transition, c: Complaint, **kw: Any) -> FlaskForm:
    form = forms.TransitionForm(prefix=step.action.value, **kw)
    form.action.data = step.action.value
    # A posted form keeps the version it was loaded with (optimistic lock).
    form.expected_version.data = form.expected_version.data or str(c.version)
    grounds: list[Any] = []
    if step.requires_reason is lifecycle.ReasonKind.REJECT:
        grounds = list(lifecycle.RejectReason)
    elif step.requires_reason is lifecycle.ReasonKind.TERMINATION:
        grounds = list(lifecycle.TerminationReason)
    form.reason.choices = forms.options(
        [("", "—")] + [(g.value, pages.label(g)) for g in grounds]
    )
    return form


def message_kinds(c: Complaint, role: Role) -> tuple[MessageKind, ...]:
    """The message kinds to offer: none on a closed case or before forwarding."""
    if lifecycle.is_final(lifecycle.Status(c.status)):
        return ()
    if role == Role.ENTERPRISE and c.forwarded_at is None:
        return ()
    return MESSAGE_KINDS.get(role, ())


def contact(c: Complaint, unmasked: Mapping[str, Any] | None) -> dict[str, Any]:
    """The complainant's contact data: masked unless `unmasked` was fetched."""
    if unmasked is not None:
        return dict(unmasked)
    return {
        "complainant_name": masking.mask_name(c.complainant_name),
        "complainant_phone": masking.mask_phone(c.complainant_phone),
        "complainant_address": masking.mask_address(c.complainant_address),
        "complainant_id_number": masking.mask_id_number(c.complainant_id_number),
    }


def highlight(text: str, spans: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """Cut `text` into (piece, matched) runs; overlapping spans merge."""
    runs: list[tuple[str, bool]] = []
    at = 0
    for start, end in sorted(spans):
        start, end = max(start, at), min(end, len(text))
        if start >= end:
            continue
        if start > at:
            runs.append((text[at:start], False))
        runs.append((text[start:end], True))
        at = end
    if at < len(text):
        runs.append((text[at:], False))
    return runs


def explained(c: Complaint) -> dict[str, Any]:
    """The labelled categories with the words that triggered them, and marked text."""
    data = rules.expand_classification(c.classification) or {}
    labelled = [cat for cat in data.get("categories", []) if cat.get("labelled")]
    spans = [tuple(h["span"]) for cat in labelled for h in cat.get("hits", [])]
    offset = len(c.facts) + 1  # the classifier read facts, a newline, the request
    return {
        "categories": labelled,
        "nature": data.get("nature"),
        "facts": highlight(c.facts, [s for s in spans if s[1] <= len(c.facts)]),
        "request": highlight(
            c.request_text or "",
            [(s[0] - offset, s[1] - offset) for s in spans if s[0] >= offset],
        ),
    }


def render_detail(
    complaint_id: int,
    *,
    bound: Mapping[str, FlaskForm] | None = None,
    unmasked: Mapping[str, Any] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """Render the detail page; `bound` holds the forms that failed validation."""
    actor = pages.actor()
    c = complaints.get_complaint(actor, complaint_id)
    bound = bound or {}
    fresh = {"formdata": None}
    steps = steps_for(lifecycle.Status(c.status), actor.role)
    action_forms = {
        s.action.value: bound.get(s.action.value) or transition_form(s, c, **fresh)
        for s in steps
    }
    kinds = message_kinds(c, actor.role)
    message_forms = {
        k.value: bound.get(f"message:{k.value}")
        or forms.MessageForm(prefix=k.value, **fresh)
        for k in kinds
    }
    extra = regulator_context(c, bound) if actor.is_regulator else {}
    extra.update(contest_context(c, bound))
    return render_template(
        "web/complaints/detail.html",
        c=c,
        actor=actor,
        enterprise=pages.enterprise_name(c.enterprise_id, c.enterprise_name_given),
        status=lifecycle.Status(c.status),
        track=lifecycle.enterprise_track_label(lifecycle.Status(c.status)),
        deadlines=sla.complaint_deadlines(actor, c.id),
        explained=explained(c),
        contact=contact(c, unmasked),
        unmasked=unmasked is not None,
        steps={s.action.value: s for s in steps},
        action_forms=action_forms,
        message_forms=message_forms,
        attachment_form=bound.get("attachment") or forms.AttachmentForm(**fresh),
        button=forms.ButtonForm(formdata=None),
        **extra,
    ), status


def contest_context(c: Complaint, bound: Mapping[str, FlaskForm]) -> dict[str, Any]:
    """The contests on the complaint and, for its enterprise, a form per category."""
    actor = pages.actor()
    if actor.role != Role.ENTERPRISE and not actor.is_regulator:
        return {}
    filed = contests.list_contests(actor, c.id)
    pending = {x.category for x in filed if x.status == "open"}
    contest_forms: dict[str, FlaskForm] = {}
    if actor.role == Role.ENTERPRISE and c.forwarded_at is not None:
        contest_forms = {
            category: forms.ContestForm(prefix=f"contest-{category}", formdata=None)
            for category in c.labels or []
            if category not in pending
        }
    # A form that failed is shown again with its errors, whatever the state now.
    contest_forms.update(
        {k.split(":", 1)[1]: f for k, f in bound.items() if k.startswith("contest:")}
    )
    return {"contests": filed, "contest_forms": contest_forms}


def regulator_context(c: Complaint, bound: Mapping[str, FlaskForm]) -> dict[str, Any]:
    """The regulator's extra forms: pauses, matching, labels, findings."""
    actor = pages.actor()
    fresh = {"formdata": None}
    packs = rules.list_packs()
    labels = bound.get("labels") or forms.LabelsForm(**fresh)
    labels.labels.choices = forms.options([(p.category, pages.named(p)) for p in packs])
    if not labels.labels.data:
        labels.labels.data = list(c.labels or [])
    finding = bound.get("substantiate") or forms.SubstantiateForm(**fresh)
    finding.categories.choices = forms.options(
        [(p.category, pages.named(p)) for p in packs if p.category in (c.labels or [])]
    )
    assign = bound.get("assign") or forms.AssignForm(**fresh)
    candidates = [
        (str(m["enterprise_id"]), f"{m['legal_name']} ({m['score']:.2f})")
        for m in c.match_candidates or []
    ]
    listed = registry.list_enterprises(actor, page=1, per_page=200)["items"]
    assign.enterprise_id.choices = forms.options(
        candidates + [(str(e.id), e.legal_name) for e in listed]
    )
    violations = oversight.complaint_violations(actor, c.id)
    return {
        "labels_form": labels,
        "substantiate_form": finding,
        "assign_form": assign,
        "pause_form": bound.get("pause") or forms.PauseForm(**fresh),
        "violations": violations,
        "pack_names": {p.category: pages.named(p) for p in packs},
    }


@allow(*ANY_ROLE)
def complaint_detail(complaint_id: int) -> Any:
    return render_detail(complaint_id)


# Small JSON helpers for the pages' scripts -----------------------------------------


@allow(*ANY_ROLE)
def enterprise_suggestions() -> Response:
    """Rank registered enterprises for the autocomplete (the matcher's own order)."""
    try:
        args = SuggestArgsSchema().load(
            {"q": request.args.get("q", ""), "limit": request.args.get("limit", 8)}
        )
    except ma.ValidationError:
        return jsonify([])
    return jsonify(complaints.suggest_enterprises(args["q"], limit=args["limit"]))


@allow(*CASE_ROLES)
def classification_preview() -> Any:
    """Classify draft facts as the filing will: categories and trigger words."""
    text = "\n".join(
        t
        for t in (request.form.get("facts", ""), request.form.get("request_text", ""))
        if t
    ).strip()
    if not text:
        return jsonify({"labels": [], "categories": [], "nature": None})
    try:
        result = rules.classify_text(text[:20000])
    except DomainError as err:
        return jsonify({"error": pages.message(err)}), 422
    data = result.to_dict()
    data["categories"] = [c for c in data["categories"] if c["labelled"]]
    for cat in data["categories"]:
        cat["name"] = pages.named(cat)
        cat["words"] = list(dict.fromkeys(h["matched"] for h in cat["hits"]))
    return jsonify(data)
