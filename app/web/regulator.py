"""The regulator's dashboard, offender review, contest rulings, matching queue.

One set of filters (campaign, region, category, enterprise, dates) drives every
figure and chart on the dashboard; it is validated by the complaint list's own
query schema, and every bar and number links to that list with the same
filters plus the bar's own, so a click shows exactly the complaints counted.
The aggregates come from the oversight rollups, scoped to the regulator.
"""

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.accounts.access import allow
from app.accounts.roles import REGULATORS
from app.complaints import service as complaints
from app.complaints.schemas import ComplaintQueryArgsSchema
from app.errors import DomainError, NotFound
from app.oversight import contests, flags, queries
from app.oversight.offenders import Level, Rule
from app.oversight.schemas import ContestRulingSchema
from app.pledges import service as registry
from app.rules import service as rules
from app.web import charts, forms, pages
from app.web.cases import fill_filter_choices

FILTERS = (
    "campaign_id",
    "region_code",
    "category",
    "enterprise_id",
    "date_from",
    "date_to",
)
TOP = 10


def dashboard_filters(form: forms.FilterForm) -> dict[str, Any] | None:
    raw = {k: request.args[k] for k in FILTERS if request.args.get(k, "").strip()}
    return pages.load(ComplaintQueryArgsSchema(only=FILTERS), raw, form)


def list_url(filters: Mapping[str, Any], **extra: Any) -> str:
    """The complaint list showing what a chart element counts."""
    query = {k: str(v) for k, v in {**filters, **extra}.items() if v not in (None, "")}
    return url_for("web.complaint_list") + ("?" + urlencode(query) if query else "")


def _interval(filters: Mapping[str, Any], days: list[date]) -> str:
    low = filters.get("date_from") or (min(days) if days else None)
    high = filters.get("date_to") or (max(days) if days else None)
    span = (high - low).days if low and high else 0
    return "day" if span <= 45 else "week" if span <= 370 else "month"


def _period_start(day: date, interval: str) -> date:
    if interval == "week":
        return day - timedelta(days=day.weekday())  # ISO weeks start on Monday
    if interval == "month":
        return day.replace(day=1)
    return day


def _period_end(start: date, interval: str) -> date:
    if interval == "day":
        return start
    if interval == "week":
        return start + timedelta(days=6)
    following = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def trend_chart(
    actor: Any, filters: dict[str, Any], palette: dict[str, str], names: dict[str, str]
) -> tuple[charts.Chart, str]:
    """Complaints received per period, stacked by category."""
    rows = queries.counts(
        actor, group_by=["day", "category"], filters=filters, limit=100_000
    )["rows"]
    interval = _interval(filters, [r["day"] for r in rows])
    buckets: dict[date, dict[str, int]] = {}
    for r in rows:
        start = _period_start(r["day"], interval)
        per = buckets.setdefault(start, {})
        key = r["category"] or "_none"
        per[key] = per.get(key, 0) + r["received"]
    groups = []
    for start, per in sorted(buckets.items()):
        end = _period_end(start, interval)
        span = {"date_from": start.isoformat(), "date_to": end.isoformat()}
        groups.append(
            charts.Group(
                label=start.strftime("%m-%d")
                if interval != "month"
                else start.strftime("%Y-%m"),
                href=list_url(filters, **span),
                segments=tuple(
                    charts.Segment(
                        key=cat,
                        value=per[cat],
                        href=list_url(
                            filters, **span, category=cat if cat != "_none" else ""
                        ),
                        title=f"{start.isoformat()} {names.get(cat, cat)}: {per[cat]}",
                    )
                    for cat in palette
                    if cat in per
                ),
            )
        )
    return charts.columns(groups, palette, width=960), interval


def enterprise_chart(
    actor: Any, filters: dict[str, Any], palette: dict[str, str], names: dict[str, str]
) -> charts.Chart:
    """The enterprises with the most complaints, each bar split by category."""
    rows = queries.counts(
        actor, group_by=["enterprise", "category"], filters=filters, limit=100_000
    )["rows"]
    per: dict[int, dict[str, int]] = {}
    label: dict[int, str] = {}
    for r in rows:
        if r["enterprise_id"] is None:
            continue
        per.setdefault(r["enterprise_id"], {})[r["category"] or "_none"] = r["received"]
        label[r["enterprise_id"]] = r.get("enterprise_name") or str(r["enterprise_id"])
    top = sorted(per, key=lambda e: -sum(per[e].values()))[:TOP]
    groups = [
        charts.Group(
            label=label[e],
            href=list_url(filters, enterprise_id=e),
            segments=tuple(
                charts.Segment(
                    key=cat,
                    value=per[e][cat],
                    href=list_url(filters, enterprise_id=e, category=cat),
                    title=f"{label[e]} · {names.get(cat, cat)}: {per[e][cat]}",
                )
                for cat in palette
                if cat in per[e]
            ),
        )
        for e in top
    ]
    return charts.bars(groups, palette, width=480, label_width=170)


def sla_chart(actor: Any, filters: dict[str, Any]) -> tuple[charts.Chart, list[Any]]:
    """The enterprises' own clocks: on time against late, per enterprise."""
    rows = queries.sla(actor, group_by=["enterprise"], filters=filters, limit=TOP + 1)[
        "rows"
    ]
    palette = {"on_time": "ok", "late": "late"}
    on_time_word, late_word = _("on time"), _("late")
    groups, table = [], []
    for r in rows:
        if r["enterprise_id"] is None:
            continue
        on_time = sum(
            r["targets"][t]["on_time"] for t in ("first_response", "resolution")
        )
        late = sum(r["targets"][t]["late"] for t in ("first_response", "resolution"))
        if on_time + late == 0:
            continue  # no enterprise clock of it has ended yet
        name = r.get("enterprise_name") or str(r["enterprise_id"])
        rate = round(100 * on_time / (on_time + late)) if on_time + late else None
        table.append(
            {"row": r, "name": name, "on_time": on_time, "late": late, "rate": rate}
        )
        groups.append(
            charts.Group(
                label=name,
                href=list_url(filters, enterprise_id=r["enterprise_id"]),
                segments=(
                    charts.Segment(
                        "on_time",
                        on_time,
                        list_url(
                            filters, enterprise_id=r["enterprise_id"], sla_state="met"
                        ),
                        f"{name}: {on_time_word} {on_time}",
                    ),
                    charts.Segment(
                        "late",
                        late,
                        list_url(
                            filters,
                            enterprise_id=r["enterprise_id"],
                            sla_state="breached",
                        ),
                        f"{name}: {late_word} {late}",
                    ),
                ),
            )
        )
    return charts.bars(groups[:TOP], palette, width=960, label_width=260), table[:TOP]


def region_chart(actor: Any, filters: dict[str, Any]) -> charts.Chart:
    rows = queries.counts(
        actor, group_by=["region"], filters=filters, limit=TOP, region_level="city"
    )["rows"]
    groups = [
        charts.Group(
            label=r.get("region_name") or r["region_code"] or _("Unknown"),
            href=list_url(filters, region_code=r["region_code"] or ""),
            segments=(
                charts.Segment(
                    "region",
                    r["received"],
                    list_url(filters, region_code=r["region_code"] or ""),
                    f"{r.get('region_name') or r['region_code']}: {r['received']}",
                ),
            ),
        )
        for r in rows
        if r["region_code"]
    ]
    return charts.bars(groups, {"region": "c0"}, width=480, label_width=170)


@allow(*REGULATORS)
def dashboard() -> Any:
    actor = pages.actor()
    form = forms.FilterForm(request.args)
    fill_filter_choices(form)
    filters = dashboard_filters(form)
    if filters is None:
        return render_template("web/regulator/dashboard.html", form=form), 422
    packs = rules.list_packs()
    names = {p.category: pages.named(p) for p in packs}
    names["_none"] = _("No category")
    palette = charts.colours([p.category for p in packs] + ["_none"])
    trend, interval = trend_chart(actor, filters, palette, names)
    sla, sla_table = sla_chart(actor, filters)
    return render_template(
        "web/regulator/dashboard.html",
        form=form,
        filters=filters,
        totals=queries.totals(actor, filters=filters),
        trend=trend,
        interval=interval,
        by_enterprise=enterprise_chart(actor, filters, palette, names),
        sla=sla,
        sla_table=sla_table,
        regions=region_chart(actor, filters),
        palette=palette,
        names=names,
        list_url=list_url,
    )


# Repeat offenders ------------------------------------------------------------------


@allow(*REGULATORS)
def offenders() -> Any:
    actor = pages.actor()
    status = request.args.get("status", "")
    found = flags.list_flags(
        actor,
        filters={"status": status} if status else {},
        page=pages.page_number(),
        per_page=25,
    )
    return render_template(
        "web/regulator/offenders.html",
        page=found,
        numbers=_numbers(actor, [i for f in found["items"] for i in f.complaint_ids]),
        status=status,
        levels={lv.value: lv for lv in Level},
        rules=Rule,
        form=forms.ReviewForm(formdata=None),
        enterprise=pages.enterprise_name,
    )


def _numbers(actor: Any, ids: list[int]) -> dict[int, str]:
    """Complaint numbers of a flag's evidence that the regulator may open."""
    numbers = {}
    for complaint_id in dict.fromkeys(ids):
        try:
            numbers[complaint_id] = complaints.get_complaint(actor, complaint_id).number
        except NotFound:
            continue  # evidence outside the regulator's region stays unnamed
    return numbers


@allow(*REGULATORS)
def review_flag(flag_id: int) -> Any:
    form = forms.ReviewForm()
    decision = form.decision.data or ""
    reason = (form.reason.data or "").strip()
    if decision not in ("confirm", "clear") or not reason:
        flash(_("Give a reason to confirm or clear a flag."), "error")
        return redirect(url_for("web.offenders") + f"#flag-{flag_id}")
    try:
        flags.review_flag(pages.actor(), flag_id, decision=decision, reason=reason)
    except DomainError as err:
        if isinstance(err, NotFound):
            raise
        flash(pages.message(err), "error")
    else:
        flash(_("Flag reviewed."), "ok")
    return redirect(url_for("web.offenders") + f"#flag-{flag_id}")


# Contested categories ------------------------------------------------------------


def render_contests(bound: Mapping[str, Any] | None = None, status: int = 200) -> Any:
    """The open contests with a ruling form each; `bound` holds a failed one."""
    actor = pages.actor()
    pending = contests.list_open_contests(actor)
    fresh = {"formdata": None}
    ruling_forms = {
        x.id: (bound or {}).get(_ruling_prefix(x.complaint_id, x.category))
        or forms.RulingForm(prefix=_ruling_prefix(x.complaint_id, x.category), **fresh)
        for x in pending
    }
    return render_template(
        "web/regulator/contests.html",
        pending=pending,
        numbers=_numbers(actor, [x.complaint_id for x in pending]),
        forms=ruling_forms,
        enterprise=pages.enterprise_name,
    ), status


def _ruling_prefix(complaint_id: int, category: str) -> str:
    return f"ruling-{complaint_id}-{category}"


@allow(*REGULATORS)
def contest_queue() -> Any:
    return render_contests()


@allow(*REGULATORS)
def rule_on_contest(complaint_id: int, category: str) -> Any:
    prefix = _ruling_prefix(complaint_id, category)
    form = forms.RulingForm(prefix=prefix)
    data = {"category": category, **pages.values(form, ("upheld", "reason"))}
    loaded = pages.load(ContestRulingSchema(), data, form)
    bound = {prefix: form}
    if loaded is None:
        return render_contests(bound, 422)
    try:
        contests.rule_on_contest(pages.actor(), complaint_id, **loaded)
    except DomainError as err:
        if isinstance(err, NotFound):
            raise
        pages.domain_error(form, err)
        return render_contests(bound, err.status_code)
    flash(_("The contest is ruled."), "ok")
    return redirect(url_for("web.contest_queue"))


# Needs matching --------------------------------------------------------------------


@allow(*REGULATORS)
def matching_queue() -> Any:
    actor = pages.actor()
    found = complaints.matching_queue(actor, page=pages.page_number(), per_page=25)
    return render_template(
        "web/regulator/matching.html",
        page=found,
        form=forms.AssignForm(formdata=None),
        enterprises=registry.list_enterprises(actor, page=1, per_page=200)["items"],
    )
