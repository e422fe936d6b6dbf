"""Notebook 06, the monthly smarketing report: what a reader sees of a
:class:`~smk.analyses.monthly.MonthlyResult`.

One function per notebook section (``ctx.show(res, "<section>")``, names in
:data:`smk.analyses.monthly.SECTIONS`): ``notes``, ``tiles``, ``movements``, ``kpis``, ``trends``,
``sources``, ``assets``, ``follow_up``, ``quota``, ``quota_reps``, ``pipeline``, ``cycle``,
``compliance``, ``commitments``, ``weekly_agenda``, ``monthly_agenda``. Words come from the catalogue
(``monthly.*`` in smk/texts), numbers through smk.views.fmt in the report's language, HTML through
the autoescaped templates ``monthly_*.html.j2`` and :func:`smk.views.html.text_html`.

The helpers below (:func:`sentences`, :func:`kpi_table`, :func:`agenda`, the ``plot_*`` functions)
take the language and currency explicitly, so tests can call them without a notebook context.
"""
from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from smk import texts
from smk.analyses.monthly import CLOSED_LATER, KPI_KIND, MISSING_GROUP, TOTAL, MonthlyResult, Summary
from smk.views import fmt, theme
from smk.views.html import Html, note_html, render, text_html
from smk.views.registry import section


# --------------------------------------------------------------------------------------------
# numbers and words
# --------------------------------------------------------------------------------------------
def t(key: str, lang: str, /, **values: Any) -> str:
    return texts.t(f"monthly.{key}", lang, **values)


def kpi_name(kpi: str, lang: str) -> str:
    return t(f"kpis.{kpi}", lang)


def kpi_value(kpi: str, v: float, lang: str, currency: str) -> str:
    """A KPI's value: money, a percentage, or a count (one decimal when pro-rated)."""
    if v is None or pd.isna(v):
        return fmt.MISSING
    kind = KPI_KIND[kpi]
    if kind == "money":
        return fmt.money(v, currency, lang)
    if kind == "share":
        return fmt.pct(v, lang)
    return fmt.number(v, lang, 0 if float(v).is_integer() else 1)


def kpi_change(kpi: str, diff: float, rel: float, lang: str) -> str:
    """Change of a KPI: percentage points for shares, relative change for counts and money."""
    return fmt.pp(diff, lang) if KPI_KIND[kpi] == "share" else fmt.signed_change(rel, lang)


def unit_value(v: float, unit: str, lang: str, currency: str) -> str:
    """A commitment's target or actual (``unit``: count, money or share)."""
    if unit == "money":
        return fmt.money(v, currency, lang)
    if unit == "share":
        return fmt.pct(v, lang)
    return fmt.number(v, lang)


def group_name(value: Any, lang: str) -> str:
    """A group of a per-group table: the overall row and missing groups in words, others as exported."""
    if value == TOTAL:
        return t("values.total", lang)
    if value == MISSING_GROUP:
        return t("values.missing", lang)
    if value == CLOSED_LATER:
        return t("values.closed_later", lang)
    return str(value)


def _groups_in_words(df: pd.DataFrame, lang: str, column: str = "group") -> pd.DataFrame:
    out = df.copy()
    if column in out:
        out[column] = [group_name(v, lang) for v in out[column]]
    return out


def _labels(lang: str, **overrides: str) -> dict[str, str]:
    """Column labels of monthly tables, ``overrides`` naming catalogue keys under ``monthly.``."""
    out = texts.labels("monthly.columns", lang)
    out.update({col: t(key, lang) for col, key in overrides.items()})
    return out


def sentence_start(text: str) -> str:
    return text[:1].upper() + text[1:]


def table_or_say(ctx, df: pd.DataFrame | None, empty: str, /, **kwargs) -> Html:
    """``ctx.table(df, **kwargs)``, or the catalogue sentence ``monthly.<empty>`` when the table has no rows
    (a table is never printed as bare headers)."""
    if df is None or not len(df):
        return ctx.para(f"monthly.{empty}")
    return ctx.table(df, **kwargs)


def commitment_name(res: MonthlyResult, commitment: str, lang: str) -> str:
    return t(f"commitments.{commitment}", lang, hours=fmt.number(res.first_contact_hours, lang, 0),
             attempts=res.attempts, days=fmt.number(res.attempts_within_days, lang, 0))


# --------------------------------------------------------------------------------------------
# executive summary
# --------------------------------------------------------------------------------------------
def note_texts(res: Summary, lang: str) -> list[str]:
    """The month's notes (no data, partial, first month, no quota, …) in ``lang``."""
    m = res.month
    values = {"month": fmt.month(m.period, lang), "start": fmt.date(m.data_start, lang),
              "end": fmt.date(m.data_end, lang), "share": fmt.pct(m.fraction, lang, 0)}
    out = []
    for code in res.notes:
        if code == "partial":  # the month opens the sentence
            out.append(t("notes.partial", lang, **{**values, "month": sentence_start(values["month"])}))
        elif code == "no_data":
            out.append(t("notes.no_data", lang, **values))
        elif code == "outcomes_start":
            out.append(t("notes.outcomes_start", lang, start=fmt.month(res.outcomes_start, lang)))
        else:
            out.append(t(f"notes.{code}", lang))
    return out


def sentences(res: Summary, lang: str, currency: str) -> list[str]:
    """The three most important movements, one sentence each, every number formatted from the KPI
    table (so text and table agree); the no-data note or "no previous month" when there is none."""
    m = res.month
    if m.status == "no_data":
        return [s for code, s in zip(res.notes, note_texts(res, lang)) if code == "no_data"]
    mv = res.movements()
    if mv.empty:
        return [t("movements.none", lang)]
    out = []
    for _, r in mv.iterrows():
        k = r["kpi"]
        direction = "same" if r["diff_prev"] == 0 else ("up" if r["diff_prev"] > 0 else "down")
        compared = "prorated" if m.status == "partial" and KPI_KIND[k] != "share" else "plain"
        out.append(t(f"movements.{k}.{direction}", lang,
                     change=kpi_change(k, r["diff_prev"], r["change_prev"], lang),
                     value=kpi_value(k, r["value"], lang, currency),
                     previous=kpi_value(k, r["previous"], lang, currency),
                     compared=t(f"movements.compared.{compared}", lang),
                     verdict=t(f"movements.verdict.{'clear' if r['clear'] else 'normal'}", lang)))
    return out


def kpi_table(res: Summary, lang: str, currency: str) -> pd.DataFrame:
    """The KPI table as shown: one row per KPI, values and changes as text."""
    rows = []
    for _, r in res.kpis.iterrows():
        k = r["kpi"]
        rows.append({"kpi": kpi_name(k, lang), "value": kpi_value(k, r["value"], lang, currency),
                     "previous": kpi_value(k, r["previous"], lang, currency),
                     "change_prev": kpi_change(k, r["diff_prev"], r["change_prev"], lang),
                     "last_year": kpi_value(k, r["last_year"], lang, currency),
                     "change_yoy": kpi_change(k, r["diff_yoy"], r["change_yoy"], lang)})
    return pd.DataFrame(rows, columns=["kpi", "value", "previous", "change_prev", "last_year", "change_yoy"])


def tiles_html(res: Summary, lang: str, currency: str) -> Html:
    """The KPI tiles: value, change vs the previous month (green up, red down) and vs last year."""
    shown = kpi_table(res, lang, currency)
    tiles, plain = [], []
    vs_previous, vs_last_year = t("tiles.vs_previous", lang), t("tiles.vs_last_year", lang)
    for (_, r), (_, s) in zip(res.kpis.iterrows(), shown.iterrows()):
        colour = theme.COLORS["neutral"]
        if pd.notna(r["diff_prev"]) and r["diff_prev"] != 0:
            colour = theme.COLORS["good"] if r["diff_prev"] > 0 else theme.COLORS["bad"]
        tiles.append({"label": s["kpi"], "value": s["value"], "change": s["change_prev"], "yoy": s["change_yoy"],
                      "colour": colour, "vs_previous": vs_previous, "vs_last_year": vs_last_year})
        plain.append(t("tiles.plain", lang, kpi=s["kpi"], value=s["value"], change=s["change_prev"],
                       yoy=s["change_yoy"], vs_previous=vs_previous, vs_last_year=vs_last_year))
    return Html(render("monthly_tiles.html.j2", tiles=tiles), "\n".join(plain))


def list_html(items: list[str]) -> Html:
    return Html(render("monthly_list.html.j2", items=items), "\n".join(items))


@section(MonthlyResult, "notes")
def notes(res: MonthlyResult, ctx, **options) -> list:
    """The month's notes as caution boxes (nothing when there is none)."""
    return [note_html(s, "note", ctx.text("common.caution")) for s in note_texts(res, ctx.lang)]


@section(MonthlyResult, "tiles")
def tiles(res: MonthlyResult, ctx, **options) -> list:
    return [tiles_html(res, ctx.lang, ctx.currency)]


@section(MonthlyResult, "movements")
def movements(res: MonthlyResult, ctx, **options) -> list:
    return [list_html(sentences(res, ctx.lang, ctx.currency))]


@section(MonthlyResult, "kpis")
def kpis(res: MonthlyResult, ctx, **options) -> list:
    return [ctx.table(kpi_table(res, ctx.lang, ctx.currency), labels="monthly.columns")]


def plot_series(series: pd.DataFrame, *, metric: str = "mqls", period=None, lang: str = "en", ax=None):
    """Monthly bars of ``metric`` (:func:`smk.analyses.monthly.monthly_series`), the report month
    highlighted. Returns the Axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=theme.figsize("wide"))
    x = [fmt.month(p, lang, short=True) for p in series["month"]]
    colors = [theme.COLORS["highlight"] if str(p) == str(period) else theme.COLORS["neutral"] for p in series["month"]]
    # a month the outcome data do not reach has no bar (missing), not a bar at 0
    ax.bar(x, series[metric].to_numpy(dtype=float), color=colors)
    ax.set_title(kpi_name(metric, lang))
    ax.tick_params(axis="x", rotation=45)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no fractional ticks
    theme.format_axis(ax, "y", "number", lang)
    return ax


def plot_trends(series: pd.DataFrame, *, period=None, lang: str = "en", currency: str = "USD"):
    """Leads, MQLs, customers and revenue per month, the report month highlighted; a 2 × 2 grid.
    Returns the Figure."""
    fig, axes = plt.subplots(2, 2, figsize=theme.figsize("tall"))
    for ax, metric in zip(np.asarray(axes).ravel(), ("leads", "mqls", "customers", "revenue")):
        plot_series(series, metric=metric, period=period, lang=lang, ax=ax)
        if metric == "revenue":
            theme.format_axis(ax, "y", "money", lang, currency=currency)
        ax.tick_params(axis="x", labelsize=8)
    return fig


@section(MonthlyResult, "trends")
def trends(res: MonthlyResult, ctx, **options) -> list:
    return [plot_trends(res.series, period=res.month.period, lang=ctx.lang, currency=ctx.currency)]


# --------------------------------------------------------------------------------------------
# marketing
# --------------------------------------------------------------------------------------------
def plot_by_source(table: pd.DataFrame, *, metric: str = "leads", lang: str = "en"):
    """Grouped bars of ``metric`` per source, one bar per month of the table. Returns the Figure."""
    fig, ax = plt.subplots(figsize=theme.figsize("wide"))
    wide = table.pivot_table(index="channel", columns="month", values=metric, aggfunc="sum", fill_value=0)
    months = list(wide.columns)
    width = 0.8 / max(len(months), 1)
    xs = np.arange(len(wide))
    for i, mo in enumerate(months):
        ax.bar(xs + i * width, wide[mo].to_numpy(dtype=float), width, label=fmt.month(mo, lang, short=True),
               color=theme.palette(len(months))[i])
    ax.set_xticks(xs + width * (len(months) - 1) / 2, [group_name(c, lang) for c in wide.index], rotation=30)
    if months:
        ax.legend()
    ax.set_title(t("sources.plot_title", lang, metric=kpi_name(metric, lang)))
    return fig


def sources_text(res: MonthlyResult, lang: str, currency: str) -> str:
    """Which source brought most leads and customers this month; return where spend exists; what the
    traffic export lacks. Whether there were leads is read from the KPI tile's own figure, so the sentence
    never says "no leads" beside a tile with leads; customers that the outcome data do not reach are not
    called zero."""
    cur = res.sources[res.sources["month"] == str(res.month.period)]
    n_leads = res.kpi("leads")
    known = bool(len(cur)) and bool(cur["customers"].notna().all())
    n_customers = float(cur["customers"].sum()) if known else np.nan
    tc = (cur.sort_values(["customers", "channel"], ascending=[False, True], kind="stable").iloc[0]
          if known and n_customers > 0 else None)
    if pd.isna(n_leads) or n_leads == 0 or cur.empty or cur["leads"].sum() == 0:
        if tc is not None:
            return t("sources.no_leads_customers", lang, top_customers=group_name(tc["channel"], lang),
                     customers=fmt.number(tc["customers"], lang))
        return t("sources.none" if known else "sources.no_leads", lang)
    top = cur.sort_values(["leads", "channel"], ascending=[False, True], kind="stable").iloc[0]
    values = {"top": group_name(top["channel"], lang), "leads": fmt.number(top["leads"], lang),
              "share": fmt.pct(top["leads"] / n_leads, lang, 0)}
    if tc is not None:
        out = [t("sources.top", lang, **values, top_customers=group_name(tc["channel"], lang),
                 customers=fmt.number(tc["customers"], lang))]
    else:
        out = [t("sources.top_no_customers" if known else "sources.top_leads_only", lang, **values)]
    if res.has_spend:
        items = [t("sources.spend_item", lang, channel=group_name(r["channel"], lang),
                   spend=fmt.money(r["spend"], currency, lang), revenue=fmt.money(r["revenue"], currency, lang))
                 for _, r in cur[cur["spend"] > 0].iterrows()]
        if items:
            out.append(t("sources.spend", lang, items=texts.t("common.list_sep", lang).join(items)))
    if not res.has_traffic:
        out.append(t("sources.no_traffic", lang))
    elif not res.has_spend:
        out.append(t("sources.no_spend", lang))
    return " ".join(out)


@section(MonthlyResult, "sources")
def sources(res: MonthlyResult, ctx, **options) -> list:
    cols = ["month", "channel", "visits", "leads", "visit_to_lead", "customers", "revenue", "spend", "roi"]
    table = table_or_say(ctx, _groups_in_words(res.sources[cols], ctx.lang, "channel"), "sources.empty",
                         formats={"month": "month", "visits": "int", "leads": "int", "visit_to_lead": "pct",
                                  "customers": "int", "revenue": "money", "spend": "money", "roi": "pct:0"},
                         labels="monthly.columns")
    return [table, plot_by_source(res.sources, metric="leads", lang=ctx.lang),
            text_html(sources_text(res, ctx.lang, ctx.currency))]


def assets_text(res: MonthlyResult, lang: str) -> str:
    """Best and lowest page by engagement→conversion rate, and the offer that brought the most new leads
    (assets too small to judge left out)."""
    if res.assets.empty:
        return t("assets.none", lang)
    ok = res.assets[~res.assets["too_small"].astype(bool)]
    if ok.empty:
        return t("assets.too_small", lang)
    out = []
    pages = ok[ok["kind"] == "page"]
    if len(pages) > 1:
        b, w = pages.iloc[0], pages.iloc[-1]
        out.append(t("assets.pages", lang, best=b["asset"], rate=fmt.pct(b["rate"], lang),
                     converted=fmt.number(b["converted"], lang), engaged=fmt.number(b["engaged"], lang),
                     worst=w["asset"], worst_rate=fmt.pct(w["rate"], lang)))
    elif len(pages) == 1:  # one page is not the best and the lowest at once
        b = pages.iloc[0]
        out.append(t("assets.page_one", lang, page=b["asset"], rate=fmt.pct(b["rate"], lang),
                     converted=fmt.number(b["converted"], lang), engaged=fmt.number(b["engaged"], lang)))
    offers = ok[ok["kind"] == "offer"].sort_values(["new_leads", "asset"], ascending=[False, True], kind="stable")
    if len(offers):
        o = offers.iloc[0]
        out.append(t("assets.offer", lang, offer=o["asset"], new_leads=fmt.number(o["new_leads"], lang)))
    return " ".join(out)


@section(MonthlyResult, "assets")
def assets(res: MonthlyResult, ctx, **options) -> list:
    if res.assets.empty:
        return [text_html(assets_text(res, ctx.lang))]
    shown = res.assets.copy()
    shown["kind"] = [t(f"values.{k}", ctx.lang) for k in shown["kind"]]
    return [ctx.table(shown, formats={"engaged": "int", "converted": "int", "rate": "pct", "ci": "ci",
                                      "new_leads": "int", "too_small": "bool"}, labels="monthly.columns"),
            text_html(assets_text(res, ctx.lang))]


def follow_up_text(res: MonthlyResult, lang: str) -> str:
    """Median time to the first sales follow-up this month, against the previous month."""
    allr = res.follow_up[res.follow_up["group"] == TOTAL].reset_index(drop=True)
    if allr.empty or pd.isna(allr["median_hours"].iloc[-1]):
        return t("follow_up.none", lang)
    c = allr.iloc[-1]
    out = [t("follow_up.summary", lang, median=fmt.duration_hours(c["median_hours"], lang),
             within=fmt.pct(c["within_sla"], lang), hours=fmt.number(res.first_contact_hours, lang))]
    if len(allr) > 1 and pd.notna(allr["median_hours"].iloc[-2]):
        p = allr.iloc[-2]
        out.append(t("follow_up.previous", lang, median=fmt.duration_hours(p["median_hours"], lang),
                     within=fmt.pct(p["within_sla"], lang)))
    return " ".join(out)


@section(MonthlyResult, "follow_up")
def follow_up(res: MonthlyResult, ctx, **options) -> list:
    if res.follow_up.empty:
        return [text_html(follow_up_text(res, ctx.lang))]
    return [ctx.table(_groups_in_words(res.follow_up, ctx.lang),
                      formats={"month": "month", "n": "int", "contacted": "int", "median_hours": "hours",
                               "p75_hours": "hours", "within_sla": "pct"},
                      labels=_labels(ctx.lang, group="groups.source")),
            text_html(follow_up_text(res, ctx.lang))]


# --------------------------------------------------------------------------------------------
# sales
# --------------------------------------------------------------------------------------------
QUOTA_FORMATS = {"quota": "money", "revenue": "money", "pct": "pct", "gap": "money", "expected_to_date": "money",
                 "won_deals": "int"}


def plot_quota(table: pd.DataFrame, *, currency: str = "USD", lang: str = "en"):
    """Quota and revenue bars per group (:func:`smk.analyses.monthly.quota_attainment`), the % attained
    above each revenue bar. Returns the Figure."""
    fig, ax = plt.subplots(figsize=theme.figsize("normal"))
    tb = table.reset_index(drop=True)
    xs = np.arange(len(tb))
    ax.bar(xs - 0.2, tb["quota"].fillna(0).to_numpy(dtype=float), 0.4, color=theme.COLORS["neutral"],
           label=t("columns.quota", lang))
    ax.bar(xs + 0.2, tb["revenue"].to_numpy(dtype=float), 0.4, color=theme.COLORS["sales"],
           label=t("columns.revenue", lang))
    for x, (_, r) in zip(xs, tb.iterrows()):
        if pd.notna(r["pct"]):
            ax.annotate(fmt.pct(r["pct"], lang, 0), (x + 0.2, r["revenue"]), ha="center", va="bottom", fontsize=9)
    ax.set_xticks(xs, [group_name(g, lang) for g in tb["group"]], rotation=20)
    theme.format_axis(ax, "y", "money", lang, currency=currency)
    ax.legend()
    ax.set_title(t("quota.plot_title", lang))
    return fig


def quota_text(res: MonthlyResult, lang: str, currency: str) -> str:
    """% of quota attained and the gap, with the highest and lowest group."""
    q = res.quota_team
    tot = q[q["group"] == TOTAL].iloc[0]
    short = tot["gap"] > 0
    out = [t("quota.below" if short else "quota.above", lang, pct=fmt.pct(tot["pct"], lang),
             revenue=fmt.money(tot["revenue"], currency, lang), quota=fmt.money(tot["quota"], currency, lang),
             gap=fmt.money(abs(tot["gap"]), currency, lang))]
    g = q[(q["group"] != TOTAL) & q["pct"].notna()].sort_values(["pct", "group"], ascending=[False, True], kind="stable")
    if len(g) > 1:
        b, w = g.iloc[0], g.iloc[-1]
        out.append(t("quota.range", lang, best=group_name(b["group"], lang), best_pct=fmt.pct(b["pct"], lang, 0),
                     worst=group_name(w["group"], lang), worst_pct=fmt.pct(w["pct"], lang, 0)))
    if res.month.status == "partial":
        out.append(t("quota.partial", lang, expected=fmt.money(tot["expected_to_date"], currency, lang)))
    return " ".join(out)


@section(MonthlyResult, "quota")
def quota(res: MonthlyResult, ctx, **options) -> list:
    return [ctx.table(_groups_in_words(res.quota_team, ctx.lang), formats=QUOTA_FORMATS,
                      labels=_labels(ctx.lang, group="groups.team")),
            plot_quota(res.quota_team, currency=ctx.currency, lang=ctx.lang),
            text_html(quota_text(res, ctx.lang, ctx.currency))]


@section(MonthlyResult, "quota_reps")
def quota_reps(res: MonthlyResult, ctx, **options) -> list:
    reps = res.quota_owner[res.quota_owner["group"] != TOTAL]
    if reps.empty:  # only the company line, already in the table above
        return [ctx.para("monthly.quota_reps.none")]
    return [ctx.table(_groups_in_words(res.quota_owner, ctx.lang), formats=QUOTA_FORMATS,
                      labels=_labels(ctx.lang, group="groups.rep"))]


def pipeline_text(res: MonthlyResult, lang: str, currency: str) -> str:
    """Deals open at the month end (or on the last day of the data in a partial month), those that have
    closed since (their stage then is unknown), and won or lost deals without a close date."""
    p = res.pipeline
    partial = res.month.status == "partial"
    when = {"month": fmt.month(res.month.period, lang), "date": fmt.date(res.month.data_end, lang)}
    if p.empty:
        out = [t("pipeline.none_partial" if partial else "pipeline.none", lang, **when)]
    else:
        n = int(p["deals"].sum())
        out = [t("pipeline.summary_partial" if partial else "pipeline.summary", lang, count=n,
                 deals=fmt.number(n, lang), amount=fmt.money(p["amount"].sum(), currency, lang), **when)]
    later = int(p.attrs.get("closed_later", 0))
    if later:
        out.append(t("pipeline.closed_later", lang, count=later, deals=fmt.number(later, lang)))
    undated = int(p.attrs.get("undated_closed", 0))
    if undated:
        out.append(t("pipeline.undated", lang, count=undated, deals=fmt.number(undated, lang)))
    return " ".join(out)


@section(MonthlyResult, "pipeline")
def pipeline(res: MonthlyResult, ctx, **options) -> list:
    out = [] if res.pipeline.empty else [
        ctx.table(_groups_in_words(res.pipeline, ctx.lang, "pipeline_stage"), formats={"deals": "int", "amount": "money"},
                  labels="monthly.columns")]
    return out + [text_html(pipeline_text(res, ctx.lang, ctx.currency))]


def cycle_text(res: MonthlyResult, lang: str) -> str:
    """Median sales cycle of this month's wins against the previous twelve months; wins dated before their
    lead's creation are said to be left out."""
    a = res.cycle[res.cycle["group"] == TOTAL].iloc[0]
    n = int(a["n"])
    aside = int(res.cycle.attrs.get("set_aside", 0))
    out = []
    if n == 0:
        out.append(t("cycle.none", lang) if not aside else t("cycle.none_dated", lang))
    else:
        key = "cycle.summary" if pd.notna(a["history_median_days"]) else "cycle.no_history"
        out.append(t(key, lang, count=n, median=fmt.number(a["median_days"], lang),
                     history=fmt.number(a["history_median_days"], lang)))
    if aside:
        out.append(t("cycle.set_aside", lang, count=aside, customers=fmt.number(aside, lang)))
    return " ".join(out)


@section(MonthlyResult, "cycle")
def cycle(res: MonthlyResult, ctx, **options) -> list:
    if int(res.cycle["n"].iloc[0]) == 0:  # no row of figures to show, only the sentence
        return [text_html(cycle_text(res, ctx.lang))]
    return [ctx.table(_groups_in_words(res.cycle, ctx.lang),
                      formats={"n": "int", "median_days": "number:0", "p25_days": "number:0", "p75_days": "number:0",
                               "history_median_days": "number:0"},
                      labels=_labels(ctx.lang, group="groups.source", n="columns.customers")),
            text_html(cycle_text(res, ctx.lang))]


def compliance_text(res: MonthlyResult, lang: str) -> str:
    """First-contact compliance of the month, naming teams significantly below the rest."""
    fc = res.compliance
    if fc.empty or fc["judged"].sum() == 0:
        return t("compliance.none", lang)
    out = [t("compliance.summary", lang, rate=fmt.pct(fc["met"].sum() / fc["judged"].sum(), lang))]
    low = [group_name(g, lang) for g in fc.loc[fc["direction"].eq("below"), "group"]]
    if low:
        out.append(t("compliance.below", lang, teams=texts.t("common.list_sep", lang).join(low)))
    return " ".join(out)


@section(MonthlyResult, "compliance")
def compliance(res: MonthlyResult, ctx, **options) -> list:
    cols = ["group", "judged", "met", "compliance", "ci_low", "ci_high", "pending", "too_small"]
    if res.compliance.empty:
        return [text_html(compliance_text(res, ctx.lang))]
    return [ctx.table(_groups_in_words(res.compliance[cols], ctx.lang),
                      formats={"judged": "int", "met": "int", "compliance": "pct", "ci": "ci", "pending": "int",
                               "too_small": "bool"},
                      labels=_labels(ctx.lang, group="groups.team")),
            text_html(compliance_text(res, ctx.lang))]


# --------------------------------------------------------------------------------------------
# SLA status and agendas
# --------------------------------------------------------------------------------------------
def commitments_table(res: MonthlyResult, lang: str, currency: str) -> pd.DataFrame:
    """The SLA commitments as shown: side, commitment, target, actual, status."""
    c = res.commitments
    return pd.DataFrame({
        "side": [t(f"values.{s}", lang) for s in c["side"]],
        "commitment": [commitment_name(res, k, lang) for k in c["commitment"]],
        "target": [unit_value(v, u, lang, currency) for v, u in zip(c["target"], c["unit"])],
        "actual": [unit_value(v, u, lang, currency) for v, u in zip(c["actual"], c["unit"])],
        "status": [t(f"values.{s}", lang) for s in c["status"]],
    }, columns=["side", "commitment", "target", "actual", "status"])


def commitments_text(res: MonthlyResult, lang: str) -> str:
    """How many commitments each side met this month, among those that can be judged: a commitment
    without an actual or a target is never counted as not met."""
    parts = {}
    for side in ("marketing", "sales"):
        c = res.commitments[res.commitments["side"] == side]
        unknown = int((c["status"] == "unknown").sum())
        judged = int(len(c)) - unknown
        met = int((c["status"] == "met").sum())
        ok = int(c["status"].isin(["met", "on_track"]).sum())
        name = t(f"values.{side}", lang)
        if judged == 0:
            parts[side] = t("commitments.side_none", lang, count=unknown, side=name)
        elif unknown:
            parts[side] = t("commitments.side_partial" if ok == met else "commitments.side_partial_on_track", lang,
                            count=judged, side=name, met=met, ok=ok, unknown=unknown)
        else:
            parts[side] = t("commitments.side" if ok == met else "commitments.side_on_track", lang, count=judged,
                            side=name, met=met, ok=ok)
    return t("commitments.summary", lang, **parts)


@section(MonthlyResult, "commitments")
def commitments(res: MonthlyResult, ctx, **options) -> list:
    if res.commitments.empty:
        return [ctx.para("monthly.commitments.none")]
    return [ctx.table(commitments_table(res, ctx.lang, ctx.currency), labels="monthly.columns"),
            text_html(commitments_text(res, ctx.lang))]


def agenda(res: MonthlyResult, lang: str, currency: str) -> dict[str, pd.DataFrame]:
    """The agendas of seed 000 ch. 5, ``item, detail`` in ``lang``.

    ``weekly`` (the one-screen smarketing meeting): status against each SLA commitment, then the
    highlights (the narrative). ``monthly`` (the management meeting): metrics review (the narrative),
    SLA issues (commitments missed or behind), lead-quality disputes the data suggest (a channel's
    rate fell significantly), follow-up disputes (a team significantly below the rest), and the SLA
    notebook 05 recommends when it differs from client.yml; "nothing stands out" otherwise.
    """
    said = sentences(res, lang, currency)
    com = res.commitments
    weekly = []
    for _, r in com.iterrows():
        weekly.append({"item": commitment_name(res, r["commitment"], lang),
                       "detail": t("agenda.status", lang, actual=unit_value(r["actual"], r["unit"], lang, currency),
                                   target=unit_value(r["target"], r["unit"], lang, currency),
                                   status=t(f"values.{r['status']}", lang))})
    weekly += [{"item": t("agenda.highlight", lang), "detail": s} for s in said]
    monthly = [{"item": t("agenda.metrics_review", lang), "detail": s} for s in said]
    for _, r in com[com["status"].isin(["missed", "behind"])].iterrows():
        monthly.append({"item": t("agenda.sla_issue", lang),
                        "detail": t("agenda.issue", lang, commitment=commitment_name(res, r["commitment"], lang),
                                    actual=unit_value(r["actual"], r["unit"], lang, currency),
                                    target=unit_value(r["target"], r["unit"], lang, currency),
                                    status=t(f"values.{r['status']}", lang))})
    dis = res.disputes
    for _, r in dis[dis["dispute"].astype(bool)].iterrows():
        monthly.append({"item": t("agenda.dispute_quality", lang),
                        "detail": t("agenda.quality", lang, group=group_name(r["group"], lang),
                                    metric=t(f"values.{r['metric']}", lang), recent=fmt.pct(r["recent_rate"], lang),
                                    n=fmt.number(r["recent_n"], lang), baseline=fmt.pct(r["baseline_rate"], lang),
                                    months=res.baseline_months, q=fmt.number(r["qvalue"], lang, 3))})
    if dis.attrs.get("close_rate_skipped") == "not_covered":
        monthly.append({"item": t("agenda.dispute_quality", lang), "detail": t("agenda.quality_not_covered", lang)})
    fc = res.compliance
    for _, r in fc[fc["direction"].eq("below")].iterrows():
        monthly.append({"item": t("agenda.dispute_follow_up", lang),
                        "detail": t("agenda.follow_up", lang, team=group_name(r["group"], lang),
                                    rate=fmt.pct(r["compliance"], lang), n=fmt.number(r["judged"], lang),
                                    q=fmt.number(r["qvalue"], lang, 3))})
    if res.sla_differs():
        rec = res.recommended_sla
        monthly.append({"item": t("agenda.sla_definition", lang),
                        "detail": t("agenda.sla_definition_detail", lang,
                                    hours=fmt.number(rec["first_contact_hours"], lang),
                                    attempts=fmt.number(rec["attempts"], lang), days=fmt.number(rec["within_days"], lang),
                                    current_hours=fmt.number(res.first_contact_hours, lang),
                                    current_attempts=fmt.number(res.attempts, lang),
                                    current_days=fmt.number(res.attempts_within_days, lang))})
    if not monthly:
        monthly.append({"item": t("agenda.metrics_review", lang), "detail": t("agenda.nothing", lang)})
    return {"weekly": pd.DataFrame(weekly, columns=["item", "detail"]),
            "monthly": pd.DataFrame(monthly, columns=["item", "detail"])}


@section(MonthlyResult, "weekly_agenda")
def weekly_agenda(res: MonthlyResult, ctx, **options) -> list:
    return [table_or_say(ctx, agenda(res, ctx.lang, ctx.currency)["weekly"], "weekly.none", labels="monthly.columns")]


@section(MonthlyResult, "monthly_agenda")
def monthly_agenda(res: MonthlyResult, ctx, **options) -> list:
    return [ctx.table(agenda(res, ctx.lang, ctx.currency)["monthly"], labels="monthly.columns")]


__all__ = [
    "agenda", "assets_text", "commitment_name", "commitments_table", "commitments_text", "compliance_text",
    "cycle_text", "follow_up_text", "group_name", "kpi_change", "kpi_name", "kpi_table", "kpi_value", "list_html",
    "note_texts", "pipeline_text", "plot_by_source", "plot_quota", "plot_series", "plot_trends", "quota_text",
    "sentences", "sources_text", "tiles_html", "unit_value",
]
