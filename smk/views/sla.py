"""04's presentation: what a reader sees of :class:`smk.analyses.sla.SlaResult`, one function per
notebook section (``ctx.show(res, "<section>")``): tables with catalogue labels, sentences from the
catalogue (``sla.*`` in smk/texts), the charts, the written agreement and the goal explorer widget.

Sections: ``value``, ``goal``, ``pacing``, ``sales_terms``, ``first_contact_team``,
``first_contact_rep``, ``first_contact_trend``, ``attempts_team``, ``attempts_rep``,
``attempts_trend``, ``breaching``, ``commitments``, ``agreement``, ``explorer``.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Mapping

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display
from markupsafe import Markup

from smk.analyses.sla import MISSING_GROUP, MIX_ROW, Pacing, SlaResult, what_if
from smk.views import attempts as attempt_views
from smk.views import fmt, labels, theme
from smk.views.html import Html, render, text_html
from smk.views.registry import section

# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
#: Columns whose cells hold codes the analysis writes (direction, side, the mix row, a missing group).
CODED_COLUMNS = ("direction", "side", "lead_type", "team", "owner")


def value_words(ctx) -> dict[str, str]:
    """The words for the codes the SLA tables put in cells, in the report language."""
    return {"above": ctx.text("sla.values.above"), "below": ctx.text("sla.values.below"),
            "marketing": ctx.text("sla.values.marketing"), "sales": ctx.text("sla.values.sales"),
            MIX_ROW: ctx.text("sla.values.mix"), MISSING_GROUP: ctx.text("sla.values.missing")}


def localize(df: pd.DataFrame, ctx, lead_type: str = "offer") -> pd.DataFrame:
    """A copy with the codes of :data:`CODED_COLUMNS` as words in the report language: the mix row, a
    missing group, the sides and directions from the catalogue; lead types (canonical values of the
    ``lead_type`` column, e.g. ``demo_request``) through :func:`smk.views.labels.value_label`; other
    values, such as team names from the data, unchanged."""
    words = value_words(ctx)
    out = df.copy()
    own = labels.client_values(ctx.client)
    for col in CODED_COLUMNS:
        if col in out:
            out[col] = out[col].map(lambda v: words.get(v, v) if isinstance(v, str) else v)
    if "lead_type" in out:
        out["lead_type"] = out["lead_type"].map(lambda v: labels.value_label(lead_type, v, ctx.lang, own))
    return out


def _label(value: Any, ctx, lead_type: str | None = None) -> str:
    """One coded cell value as words (a lead type when ``lead_type`` names its column)."""
    if not isinstance(value, str):
        return str(value)
    if value in value_words(ctx):
        return value_words(ctx)[value]
    return str(labels.value_label(lead_type, value, ctx.lang, ctx.client)) if lead_type else value


def _done(fig, ctx):
    """A finished chart: every axis it did not format itself written like the tables."""
    theme.localize(fig, ctx.lang)
    return fig


def _paragraph(*texts: str) -> Html:
    """Complete sentences of the catalogue as one escaped paragraph."""
    return text_html(" ".join(t for t in texts if t))


def _count(x: float, lang: str) -> int | str:
    """A whole number as ``int`` (picks the plural form), else written with one decimal."""
    x = float(x)
    return int(x) if x.is_integer() else fmt.number(x, lang, 1)


def _phrases(ctx, attempts: float, days: float) -> dict[str, str]:
    """``attempts`` ("8 attempts") and ``days`` ("14 days") for the sentences about the sales rule."""
    return {"attempts": ctx.text("sla.phrase.attempts", count=_count(attempts, ctx.lang)),
            "days": ctx.text("sla.phrase.days", count=_count(days, ctx.lang))}


def _figure(size: str = "normal"):
    return plt.subplots(figsize=theme.figsize(size))


def _columns(df: pd.DataFrame, cols) -> pd.DataFrame:
    return df[[c for c in cols if c in df.columns]]


_MD_LINE_BREAKS = re.compile(r"[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+")
_MD_SPECIAL = re.compile(r"([`*_\[\]|~$])")


def md_escape(value: Any) -> str:
    """``value`` as literal text inside a markdown document that Jupyter and nbconvert render to HTML.

    Line breaks become spaces (a value cannot start a heading, list or table row); ``&``, ``<``,
    ``>`` and ``\\`` become character references (no HTML tag, entity or math delimiter survives);
    markdown's inline syntax (`` ` * _ [ ] | ~ $``: code, emphasis, links and images, table cells,
    strike-through, inline math) is backslash-escaped. ``md_escape("[x](javascript:alert(1))") ==
    "\\[x\\](javascript:alert(1))"``.
    """
    text = _MD_LINE_BREAKS.sub(" ", str(value))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\\", "&#92;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_values(value: Any) -> Any:
    """Every text inside ``value`` (dicts, lists) escaped for markdown and marked safe for Jinja."""
    if isinstance(value, str):
        return Markup(md_escape(value))
    if isinstance(value, Mapping):
        return {k: _md_values(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_md_values(v) for v in value]
    return value


# --------------------------------------------------------------------------------------------
# 1. MQL value
# --------------------------------------------------------------------------------------------
def value_display(values: pd.DataFrame, ctx, lead_type: str = "offer") -> pd.DataFrame:
    """The MQL value table ready for ``ctx.table``: lead types as labels, the value intervals written as money."""
    lang, cur = ctx.lang, ctx.currency
    v = localize(values, ctx, lead_type)
    out = v[["lead_type", "mqls", "customers", "close_rate", "avg_revenue", "value"]].copy()
    out["value_ci"] = [fmt.ci(lo, hi, lang, kind="money", decimals=0, currency=cur)
                       for lo, hi in zip(v["value_low"], v["value_high"])]
    if "value_low_full" in v:
        out["value_ci_full"] = [fmt.ci(lo, hi, lang, kind="money", decimals=0, currency=cur)
                                for lo, hi in zip(v["value_low_full"], v["value_high_full"])]
    return out


def plot_mql_value(values: pd.DataFrame, ctx, lead_type: str = "offer"):
    """Value per MQL by lead type (bars) with the 95 % interval carried from the close rate."""
    fig, ax = _figure("normal")
    t = localize(values, ctx, lead_type).sort_values(["value", "lead_type"], ascending=[True, True], kind="stable")
    y = np.arange(len(t))
    ax.barh(y, t["value"], color=theme.COLORS["marketing"], alpha=0.85)
    lo = (t["value"] - t["value_low"]).clip(lower=0).fillna(0)
    hi = (t["value_high"] - t["value"]).clip(lower=0).fillna(0)
    ax.errorbar(t["value"], y, xerr=[lo, hi], fmt="none", ecolor="#333333", capsize=3, lw=1)
    ax.set_yticks(y, [str(v) for v in t["lead_type"]])
    theme.format_axis(ax, "x", "money", ctx.lang, ctx.currency)
    ax.set_xlabel(ctx.text("sla.value.columns.value"))
    ax.set_title(ctx.text("sla.value.plot_title"))
    return _done(fig, ctx)


def say_values(res: SlaResult, ctx) -> Html:
    """What an MQL of the most and least valuable type is worth, and which types are too small."""
    v = res.values
    if v.empty or not np.isfinite(v["value"]).any():
        return ctx.para("sla.value.none")
    lang, cur = ctx.lang, ctx.currency
    top, low = v.iloc[0], v.iloc[-1]
    values = {"top": _label(top["lead_type"], ctx, res.lead_type), "top_value": fmt.money(top["value"], cur, lang),
              "top_revenue": fmt.money(top["avg_revenue"], cur, lang), "top_rate": fmt.pct(top["close_rate"], lang),
              "days": fmt.number(res.window_days, lang), "low": _label(low["lead_type"], ctx, res.lead_type),
              "low_value": fmt.money(low["value"], cur, lang), "mix_value": fmt.money(res.goal["mix_value"], cur, lang)}
    main = ctx.text("sla.value.summary" if len(v) > 1 else "sla.value.summary_one", **values)
    small = [_label(t, ctx, res.lead_type) for t in v.loc[v["too_small"], "lead_type"]]
    extra = ctx.text("sla.value.too_small", types=ctx.text("sla.list_sep").join(small)) if small else ""
    return _paragraph(main, extra)


@section(SlaResult, "value")
def value(res: SlaResult, ctx, **options) -> list:
    if res.values.empty:
        return [say_values(res, ctx), *labels.analyst_note(ctx, "sla.value.analyst")]
    table = _columns(value_display(res.values, ctx, res.lead_type), ["lead_type", "mqls", "customers", "close_rate", "avg_revenue",
                                                      "value", "value_ci", "value_ci_full"])
    return [ctx.table(table, formats={"mqls": "int", "customers": "int", "close_rate": "pct", "avg_revenue": "money",
                                      "value": "money", "value_ci": "text", "value_ci_full": "text"},
                      labels="sla.value.columns"),
            plot_mql_value(res.values, ctx, res.lead_type), say_values(res, ctx),
            labels.method_note(ctx, "sla.value.method"), *labels.analyst_note(ctx, "sla.value.analyst")]


# --------------------------------------------------------------------------------------------
# 2. MQL goal
# --------------------------------------------------------------------------------------------
def say_goal(res: SlaResult, ctx) -> Html:
    """The month's marketing SLA in money and MQLs, and who creates the leads."""
    g, src = res.goal, res.sources
    if g["goal"] is None:
        return ctx.para("sla.goal.none")
    lang, cur = ctx.lang, ctx.currency
    month = fmt.month(res.period, lang)
    if g["goal_source"] == "config":
        main = ctx.text("sla.goal.fixed", month=month, goal=fmt.number(g["goal"], lang))
    else:
        main = ctx.text("sla.goal.summary", quota_share=fmt.pct(g["quota_share"], lang, 0),
                        quota=fmt.money(g["quota"], cur, lang), month=month,
                        marketing_share=fmt.money(g["marketing_share"], cur, lang),
                        mix_value=fmt.money(g["mix_value"], cur, lang), goal=fmt.number(g["goal"], lang),
                        low=fmt.number(g["mqls_needed_low"], lang), high=fmt.number(g["mqls_needed_high"], lang),
                        whole=fmt.number(g["leads_for_whole_quota"], lang))
    sources = ""
    if np.isfinite(src["share_created"]):
        sources = ctx.text("sla.goal.sources", created=fmt.pct(src["share_created"], lang, 0),
                           influenced=fmt.pct(src["share_influenced"], lang, 0))
    return _paragraph(main, sources)


@section(SlaResult, "goal")
def goal(res: SlaResult, ctx, **options) -> list:
    if res.needed.empty:
        return [say_goal(res, ctx), *labels.analyst_note(ctx, "sla.goal.analyst")]
    table = _columns(localize(res.needed, ctx, res.lead_type), ["lead_type", "mix_share", "value", "mqls_needed_ceil",
                                                 "mqls_needed_low", "mqls_needed_high"])
    return [ctx.table(table, formats={"mix_share": "pct:0", "value": "money", "mqls_needed_ceil": "int",
                                      "mqls_needed_low": "number:0", "mqls_needed_high": "number:0"},
                      labels="sla.columns"),
            say_goal(res, ctx), *labels.analyst_note(ctx, "sla.goal.analyst")]


# --------------------------------------------------------------------------------------------
# 3. marketing dashboard
# --------------------------------------------------------------------------------------------
def plot_pacing(p: Pacing, ctx):
    """Cumulative MQLs (line), goal line (dashed), projection with its 95 % band to month end."""
    lang = ctx.lang
    fig, ax = _figure("wide")
    d = p.daily
    x = d["date"] + pd.Timedelta(hours=23, minutes=59)  # cumulative at the end of each day
    cumulative = ctx.text("sla.pacing.cumulative")
    ax.step(x, d["cumulative"], where="post", color=theme.COLORS["marketing"], lw=2.2, label=cumulative)
    if d["goal_line"].notna().any():
        ax.plot(x, d["goal_line"], ls="--", color=theme.COLORS["goal"], lw=1.4, label=ctx.text("sla.pacing.goal_line"))
    if d["projection"].notna().any():
        ax.plot(x, d["projection"], color=theme.COLORS["marketing"], ls=":", lw=1.6,
                label=ctx.text("sla.pacing.projection"))
        ax.fill_between(x, d["projection_low"], d["projection_high"], color=theme.COLORS["marketing"], alpha=0.15,
                        lw=0)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("")
    ax.set_ylabel(cumulative)
    theme.format_axis(ax, "y", "int", lang)
    ax.xaxis.set_major_formatter(theme.DateTickFormatter(lang))  # "31 oct": day and month, no year
    ax.set_title(ctx.text("sla.pacing.plot_title", month=fmt.month(p.period, lang),
                          status=ctx.text(f"sla.pacing.status.{p.status}")))
    ax.legend(loc="upper left")
    return _done(fig, ctx)


def say_pacing(p: Pacing, ctx) -> Html:
    """MQLs so far against the goal, the projection with its interval, and the seed's advice."""
    advice = ctx.text(f"sla.pacing.advice.{p.status}")
    if p.status in ("not_started", "no_goal"):
        return _paragraph(advice)
    lang = ctx.lang
    month = fmt.month(p.period, lang)
    month = month[:1].upper() + month[1:]  # it starts the sentence ("abril de 2026" → "Abril de 2026")
    if p.complete:
        main = ctx.text("sla.pacing.complete", month=month, count=p.mqls_so_far,
                        mqls=fmt.number(p.mqls_so_far, lang), goal=fmt.number(p.goal, lang))
    else:
        main = ctx.text("sla.pacing.partial", month=month, count=p.mqls_so_far, mqls=fmt.number(p.mqls_so_far, lang),
                        goal_to_date=fmt.number(p.goal_to_date, lang), projection=fmt.number(p.projection, lang),
                        low=fmt.number(p.projection_low, lang), high=fmt.number(p.projection_high, lang),
                        goal=fmt.number(p.goal, lang), chance=fmt.pct(p.prob_reaching_goal, lang, 0))
    status = ctx.text("sla.pacing.status_line", status=ctx.text(f"sla.pacing.status.{p.status}"), advice=advice)
    return _paragraph(main, status)


@section(SlaResult, "pacing")
def pacing(res: SlaResult, ctx, **options) -> list:
    out: list = []
    if res.pacing.basis != "mql_at":
        out.append(ctx.note_text("sla.pacing.no_mql_date"))
    return out + [plot_pacing(res.pacing, ctx), say_pacing(res.pacing, ctx), labels.method_note(ctx, "sla.pacing.method"),
                  *labels.analyst_note(ctx, "sla.pacing.analyst")]


# --------------------------------------------------------------------------------------------
# 4. sales SLA and dashboards
# --------------------------------------------------------------------------------------------
@section(SlaResult, "sales_terms")
def sales_terms(res: SlaResult, ctx, **options) -> list:
    """Today's sales SLA (the rule the dashboards measure) and, when notebook 05 recommends one, the
    proposal the agreement of section 6 uses, said as a proposal (or as a confirmation when it is the
    same rule)."""
    r = res.rule
    lang = ctx.lang
    main = ctx.text("sla.sales.rule", hours=fmt.number(r.first_contact_hours, lang),
                    **_phrases(ctx, r.attempts, r.within_days))
    rec = ""
    if res.terms.attrs.get("recommended") and len(res.terms):
        t = res.terms.iloc[0]
        new = (float(t["recommended_first_contact_hours"]), float(t["recommended_attempts"]),
               float(t["recommended_within_days"]))
        if new == (float(r.first_contact_hours), float(r.attempts), float(r.within_days)):
            rec = ctx.text("sla.sales.recommended_same")
        else:
            rec = ctx.text("sla.sales.recommended", hours=fmt.number(new[0], lang), **_phrases(ctx, new[1], new[2]))
    return [_paragraph(main, rec), *labels.analyst_note(ctx, "sla.sales.analyst")]


def say_compliance(table: pd.DataFrame, ctx, *, kind: str, by: str = "team") -> Html:
    """A compliance table in words: overall share meeting the rule, leads not judged yet, and the groups
    clearly below the rest (when there are groups to compare)."""
    if table.empty or table["evaluable"].sum() == 0:
        return ctx.para("sla.compliance.none")
    lang = ctx.lang
    ok, n = int(table["ok"].sum()), int(table["evaluable"].sum())
    values = {"rate": fmt.pct(ok / n, lang, 0), "count": fmt.number(n, lang),
              "hours": fmt.number(table.attrs.get("hours", 0), lang)}
    if kind == "attempts":
        values.update(_phrases(ctx, table.attrs.get("attempts", 0), table.attrs.get("within_days", 0)))
    form = "many" if n > 1 else ("one_met" if ok else "one_missed")
    parts = [ctx.text(f"sla.compliance.{kind}.{form}", **values)]
    pending = int(table["pending"].sum())
    if pending:
        parts.append(ctx.text("sla.compliance.pending", pending=fmt.number(pending, lang)))
    if "direction" in table and len(table) > 1:
        below = table[table["direction"] == "below"]
        if len(below):
            groups = ctx.text("sla.list_sep").join(
                ctx.text("sla.compliance.group_rate", group=_label(r[by], ctx), rate=fmt.pct(r["rate"], lang, 0))
                for _, r in below.iterrows())
            parts.append(ctx.text("sla.compliance.below", groups=groups))
        else:
            parts.append(ctx.text("sla.compliance.none_below"))
    return _paragraph(*parts)


def plot_first_contact(per_lead: pd.DataFrame, ctx, *, by: str | None = "team", hours: float | None = None,
                       max_hours: float | None = None):
    """Distribution of time to first contact: share of new MQLs contacted within x hours (ECDF per
    group; never-contacted leads keep the curve below 100 %), with the SLA's H hours marked."""
    lang = ctx.lang
    fig, ax = _figure("normal")
    h = float(hours if hours is not None else per_lead.attrs.get("hours", 4.0))
    top = float(max_hours if max_hours is not None else max(4 * h, 48.0))
    grid = np.linspace(0, top, 400)
    judged = localize(per_lead[per_lead["status"] != "pending"], ctx)
    groups = [("", judged)] if not by else [(str(g), sub) for g, sub in judged.groupby(by, sort=True)]
    for (name, sub), c in zip(groups, theme.palette(len(groups))):
        hrs = sub["hours_to_first_contact"].to_numpy(float)
        n = len(hrs)
        if n == 0:
            continue
        share = np.array([(np.nan_to_num(hrs, nan=np.inf) <= g).sum() / n for g in grid])
        label = ctx.text("sla.first_contact.plot_group", group=name, n=n) if name else ctx.text(
            "sla.first_contact.plot_all", n=n)
        ax.plot(grid, share, color=c, lw=2, label=label)
    ax.axvline(h, color=theme.COLORS["goal"], ls="--", lw=1.2)
    ax.text(h, 0.02, ctx.text("sla.first_contact.plot_sla", hours=fmt.number(h, lang, 0)), color=theme.COLORS["goal"],
            va="bottom")
    ax.set_ylim(0, 1)
    ax.set_xlim(0, top)
    theme.format_axis(ax, "y", "pct", lang)
    ax.set_xlabel(ctx.text("sla.first_contact.plot_x"))
    ax.set_ylabel(ctx.text("sla.first_contact.plot_y"))
    ax.set_title(ctx.text("sla.first_contact.plot_title"))
    if by:
        ax.legend(loc="lower right")
    return _done(fig, ctx)


def plot_compliance(table: pd.DataFrame, ctx, *, by: str = "team", target: float | None = None,
                    title: str | None = None):
    """Compliance per group (bars with 95 % CI) or over time (lines per group when ``time`` is present),
    with the compliance target as a dashed line."""
    lang = ctx.lang
    over_time = "time" in table and table["time"].astype(str).str.len().gt(0).any()
    fig, ax = _figure("wide" if "time" in table else "normal")
    table = localize(table, ctx)
    if over_time:
        groups = sorted(table[by].unique()) if by in table else [""]
        times = sorted(table["time"].astype(str).unique())
        pos = {t: i for i, t in enumerate(times)}
        for g, c in zip(groups, theme.palette(len(groups))):
            sub = table[table[by] == g] if by in table else table
            sub = sub.sort_values("time", kind="stable")
            x = sub["time"].astype(str).map(pos)
            ax.plot(x, sub["rate"], marker="o", color=c, lw=2, label=str(g))
            ax.fill_between(x, sub["ci_low"], sub["ci_high"], color=c, alpha=0.12, lw=0)
        ticks = [(fmt.month(t, lang, short=True) if len(t) == 7 else fmt.date(t, lang)) for t in times]
        ax.set_xticks(range(len(times)), ticks)
        ax.tick_params(axis="x", rotation=45)
        ax.legend(loc="best", ncols=min(len(groups), 4))
    else:
        t = table.sort_values(["rate", by], ascending=[True, True], kind="stable")
        y = np.arange(len(t))
        below = ctx.text("sla.values.below")
        colors = [theme.COLORS["bad"] if str(dr) == below else theme.COLORS["sales"]
                  for dr in t.get("direction", pd.Series([""] * len(t)))]
        ax.barh(y, t["rate"], color=colors, alpha=0.85)
        ax.errorbar(t["rate"], y, xerr=[t["rate"] - t["ci_low"], t["ci_high"] - t["rate"]], fmt="none",
                    ecolor="#333333", capsize=3, lw=1)
        ax.set_yticks(y, [str(v) for v in t[by]])
        ax.set_xlim(0, 1)
        theme.format_axis(ax, "x", "pct", lang)
    if target is not None:
        if over_time:
            ax.axhline(target, color=theme.COLORS["goal"], ls="--", lw=1.2)
            ax.set_ylim(0, 1.02)
            theme.format_axis(ax, "y", "pct", lang)
        else:
            ax.axvline(target, color=theme.COLORS["goal"], ls="--", lw=1.2)
    elif "time" in table:
        ax.set_ylim(0, 1.02)
        theme.format_axis(ax, "y", "pct", lang)
    if title:
        ax.set_title(title)
    return _done(fig, ctx)


_TEAM_FC = ["team", "mqls", "evaluable", "late", "not_contacted", "rate", "ci_low", "ci_high", "median_hours", "direction"]
_REP_FC = ["team", "owner", "mqls", "evaluable", "rate", "ci_low", "ci_high", "median_hours", "too_small"]
_TEAM_AT = ["team", "mqls", "evaluable", "reached", "breaching", "pending", "rate", "ci_low", "ci_high", "direction"]
_REP_AT = ["team", "owner", "mqls", "evaluable", "breaching", "rate", "ci_low", "ci_high", "too_small"]
_FORMATS = {"mqls": "int", "evaluable": "int", "in_time": "int", "late": "int", "not_contacted": "int", "pending": "int",
            "met": "int", "reached": "int", "breaching": "int", "rate": "pct", "ci": "ci", "median_hours": "hours",
            "p90_hours": "hours", "direction": "text", "too_small": "bool"}


def _compliance_table(table: pd.DataFrame, cols, ctx):
    return ctx.table(_columns(localize(table, ctx), cols), formats=_FORMATS, labels="sla.columns")


@section(SlaResult, "first_contact_team")
def first_contact_team(res: SlaResult, ctx, **options) -> list:
    t = res.first_contact_team
    if t.empty:
        return [say_compliance(t, ctx, kind="first_contact")]
    out = [_compliance_table(t, _TEAM_FC, ctx), say_compliance(t, ctx, kind="first_contact")]
    if (res.first_contact_leads["status"] != "pending").any():
        out.append(plot_first_contact(res.first_contact_leads, ctx, by="team"))
    return [*out, labels.method_note(ctx, "sla.first_contact.method")]


@section(SlaResult, "first_contact_rep")
def first_contact_rep(res: SlaResult, ctx, **options) -> list:
    t = res.first_contact_rep
    return [_compliance_table(t, _REP_FC, ctx) if len(t) else ctx.para("sla.compliance.none")]


@section(SlaResult, "first_contact_trend")
def first_contact_trend(res: SlaResult, ctx, **options) -> list:
    t = res.first_contact_trend
    if t.empty:
        return [ctx.para("sla.compliance.none")]
    return [plot_compliance(t, ctx, by="team", target=res.compliance_target,
                            title=ctx.text("sla.first_contact.trend_plot_title"))]


@section(SlaResult, "attempts_team")
def attempts_team(res: SlaResult, ctx, **options) -> list:
    t = res.attempts_team
    if t.empty:
        return [say_compliance(t, ctx, kind="attempts")]
    return [_compliance_table(t, _TEAM_AT, ctx), say_compliance(t, ctx, kind="attempts"),
            *labels.analyst_note(ctx, "sla.attempts.analyst")]


@section(SlaResult, "attempts_rep")
def attempts_rep(res: SlaResult, ctx, **options) -> list:
    t = res.attempts_rep
    return [_compliance_table(t, _REP_AT, ctx) if len(t) else ctx.para("sla.compliance.none")]


@section(SlaResult, "attempts_trend")
def attempts_trend(res: SlaResult, ctx, **options) -> list:
    t = res.attempts_trend
    if t.empty:
        return [ctx.para("sla.compliance.none")]
    return [plot_compliance(t, ctx, by="team", target=res.compliance_target,
                            title=ctx.text("sla.attempts.trend_plot_title"))]


def breaching_reasons(table: pd.DataFrame, ctx) -> pd.Series:
    """The ``reason`` codes of the breaching list as words, with the SLA's H, K and D."""
    lang = ctx.lang
    values = {"hours": fmt.number(table.attrs.get("hours", 0), lang, 0),
              **_phrases(ctx, table.attrs.get("attempts", 0), table.attrs.get("within_days", 0))}
    words = {code: ctx.text(f"sla.breaching.reasons.{code}", **values) for code in table["reason"].unique()}
    return table["reason"].map(words)


def say_breaching(table: pd.DataFrame, ctx) -> Html:
    """The early-warning list in words: how many leads, held by how many reps, who holds most."""
    n = len(table)
    if n == 0:
        return ctx.para("sla.breaching.none")
    lang = ctx.lang
    owners = table["owner"].value_counts().sort_index(kind="stable")
    top = owners.sort_values(ascending=False, kind="stable").index[0]
    return ctx.para("sla.breaching.summary", count=n, leads=fmt.number(n, lang), date=fmt.date(table.attrs.get("as_of"), lang),
                    reps=ctx.text("sla.phrase.reps", count=len(owners)), top=_label(top, ctx),
                    top_count=fmt.number(owners[top], lang))


@section(SlaResult, "breaching")
def breaching(res: SlaResult, ctx, **options) -> list:
    b = res.breaching
    if b.empty:
        return [say_breaching(b, ctx)]
    shown = localize(b, ctx)
    shown["reason"] = breaching_reasons(b, ctx)
    table = ctx.table(shown[["lead_id", "owner", "age_days", "attempts_so_far", "attempts_needed",
                             "hours_to_first_contact", "reason"]],
                      formats={"lead_id": "text", "age_days": "number:1", "attempts_so_far": "int",
                               "attempts_needed": "int", "hours_to_first_contact": "hours", "reason": "text"},
                      labels="sla.columns", max_rows=40)
    return [table, say_breaching(b, ctx)]


# --------------------------------------------------------------------------------------------
# 5. commitments
# --------------------------------------------------------------------------------------------
def commitments_display(res: SlaResult, ctx) -> pd.DataFrame:
    """Both sides' commitments as shown: side, commitment, target and actual as text (counts, money or
    %), met (yes / no / "–" while open) and on track."""
    c = res.commitments
    r = res.rule
    lang, cur = ctx.lang, ctx.currency
    values = {"hours": fmt.number(r.first_contact_hours, lang, 0), **_phrases(ctx, r.attempts, r.within_days)}

    def show(v, unit):
        if unit == "money":
            return fmt.money(v, cur, lang)
        if unit == "share":
            return fmt.pct(v, lang, 0)
        return fmt.number(v, lang, 0)

    yes, no = ctx.text("common.yes"), ctx.text("common.no")
    return pd.DataFrame({
        "side": [_label(s, ctx) for s in c["side"]],
        "commitment": [ctx.text(f"sla.commitments.labels.{code}", **values) for code in c["commitment"]],
        "target": [show(v, u) for v, u in zip(c["target"], c["unit"])],
        "actual": [show(v, u) for v, u in zip(c["actual"], c["unit"])],
        "met": [fmt.MISSING if pd.isna(m) else (yes if m else no) for m in c["met"]],
        "on_track": [yes if t else no for t in c["on_track"]],
    })


@section(SlaResult, "commitments")
def commitments(res: SlaResult, ctx, **options) -> list:
    return [ctx.table(commitments_display(res, ctx), formats={c: "text" for c in ("target", "actual", "met", "on_track")},
                      labels="sla.columns")]


# --------------------------------------------------------------------------------------------
# 6. the agreement
# --------------------------------------------------------------------------------------------
def evidence_text(res: SlaResult, lang: str, currency: str) -> str | None:
    """Notebook 05's evidence for the recommended rule (smk.views.attempts.evidence_text); None when
    the agreement keeps client.yml's rule."""
    rec = res.agreement.recommendation
    return attempt_views.evidence_text(rec, lang, currency) if rec is not None else None


def agreement_values(res: SlaResult, lang: str, currency: str, words: Mapping[str, str], client: Any = None) -> dict:
    """What the agreement template of ``lang`` fills in, formatted (not yet escaped). ``client`` (a
    loaded client): lead types as the client wrote them when the catalogue has no label, and the lead
    type field under the name it has in the client's CRM. ``current`` is today's rule (client.yml)
    when the agreement proposes another one (notebook 05's recommendation), else None."""
    g, src, terms = res.goal, res.sources, res.agreement
    money = lambda v: fmt.money(v, currency, lang)  # noqa: E731
    vt = terms.value_table
    own = labels.client_values(client)

    def type_label(code):
        return words[code] if code in words else labels.value_label(res.lead_type, code, lang, own)

    config = getattr(client, "config", None)
    leads_cfg = getattr(config, "tables", {}).get("leads") if config is not None else None
    field = (getattr(leads_cfg, "columns", None) or {}).get(res.lead_type) if leads_cfg is not None else None
    r0 = res.rule
    today = (float(r0.first_contact_hours), float(r0.attempts), float(r0.within_days))
    proposed = (float(terms.first_contact_hours), float(terms.attempts), float(terms.within_days))
    current = None
    if terms.from_recommendation and today != proposed:
        current = {"hours": fmt.number(today[0], lang, 0), "attempts": fmt.number(today[1], lang, 0),
                   "days": fmt.number(today[2], lang, 0)}
    rows = [{"lead_type": type_label(r.lead_type), "avg_revenue": money(r.avg_revenue),
             "close_rate": fmt.pct(r.close_rate, lang, 1), "value": money(r.value),
             "mqls_needed": fmt.number(r.mqls_needed, lang, 0)} for r in vt[vt["kind"] == "type"].itertuples()]
    mix = vt[vt["kind"] == "mix"]
    wl = terms.workload
    workload = None
    if wl and np.isfinite(wl.get("max_attempts", np.nan)):
        exp = wl.get("expected_attempts", np.nan)
        workload = {"goal": fmt.number(g["goal"], lang, 0), "max_attempts": fmt.number(wl["max_attempts"], lang, 0),
                    "expected": fmt.number(exp, lang, 0) if np.isfinite(exp) else None,
                    "capacity": fmt.number(wl["capacity"], lang, 0), "reps": fmt.number(wl["reps"], lang, 0),
                    "one_rep": int(wl["reps"]) == 1}
    return {
        "client": res.client_name, "period": fmt.month(res.period, lang),
        "quota": money(g["quota"]), "quota_share": fmt.pct(g["quota_share"], lang, 0),
        "marketing_share": money(g["marketing_share"]),
        "lead_type": str(field) if isinstance(field, str) and field else str(labels.humanize(res.lead_type)),
        "window_days": fmt.number(res.window_days, lang, 0), "rows": rows,
        "mix": ({"value": money(mix["value"].iloc[0]), "mqls_needed": fmt.number(mix["mqls_needed"].iloc[0], lang, 0)}
                if len(mix) else None),
        "mix_value": money(g["mix_value"]),
        "mix_value_ci": fmt.ci(g["mix_value_low"], g["mix_value_high"], lang, kind="money", decimals=0, currency=currency),
        "mql_goal": fmt.number(g["goal"], lang, 0),
        "mqls_range": fmt.ci(g["mqls_needed_low"], g["mqls_needed_high"], lang, kind="number", decimals=0),
        "leads_for_quota": fmt.number(g["leads_for_whole_quota"], lang, 0),
        "created": fmt.pct(src["share_created"], lang, 0) if np.isfinite(src["share_created"]) else None,
        "influenced": fmt.pct(src["share_influenced"], lang, 0),
        "hours": fmt.number(terms.first_contact_hours, lang, 0), "attempts": fmt.number(terms.attempts, lang, 0),
        "days": fmt.number(terms.within_days, lang, 0), "business_hours": terms.business_hours,
        "timezone": terms.timezone, "target": fmt.pct(terms.target, lang, 0), "workload": workload,
        "evidence": evidence_text(res, lang, currency), "current": current,
    }


def agreement_markdown(res: SlaResult, ctx) -> str:
    """The filled-in agreement (markdown, in the report language), ready to paste into a proposal:
    smk/views/templates/sla_agreement_<lang>.md.j2 with every value escaped by :func:`md_escape`."""
    values = agreement_values(res, ctx.lang, ctx.currency, value_words(ctx), ctx.client)
    return render(f"sla_agreement_{ctx.lang}.md.j2", **_md_values(values)).strip() + "\n"


@section(SlaResult, "agreement")
def agreement(res: SlaResult, ctx, **options) -> list:
    """The agreement, shown under the section heading and written to
    ``<output_dir>/sla_agreement_<lang>.md``."""
    text = agreement_markdown(res, ctx)
    path = Path(ctx.output_dir) / f"sla_agreement_{ctx.lang}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    # inside the report the document sits under a section heading: two levels down (# → ###)
    shown = "\n".join(("##" + line) if line.startswith("#") else line for line in text.splitlines())
    return [Markdown(shown), *labels.analyst_note(ctx, "sla.agreement.analyst", file=path.name)]


# --------------------------------------------------------------------------------------------
# try other assumptions (JupyterLab only)
# --------------------------------------------------------------------------------------------
@section(SlaResult, "explorer")
def explorer(res: SlaResult, ctx, **options) -> list:
    """Sliders for the quota, marketing's share and each type's close rate; the MQLs needed update live.
    Nothing when the notebook runs unattended."""
    if not ctx.interactive:
        return []
    head = [text_html(ctx.text("sla.explorer.title"), tag="h2"), ctx.para("sla.explorer.intro")]
    g = res.goal
    q0 = float(g["quota"]) if g["quota"] is not None and np.isfinite(g["quota"]) else 100_000.0
    s0 = float(g["quota_share"])
    # data_slider: no step (the browser would round each value to it and send that back) and plain
    # number readouts (the value box is read back with parseFloat: no "234,000", no "50%")
    layout, style = W.Layout(width="520px"), {"description_width": "160px"}
    quota = attempt_views.data_slider(q0, decimals=0, min=0, max=max(q0 * 3, 1.0),
                                      description=ctx.text("sla.explorer.quota"), layout=layout, style=style)
    share = attempt_views.data_slider(s0, decimals=2, min=0, max=1, description=ctx.text("sla.explorer.share"),
                                      layout=layout, style=style)
    vt = res.values
    rates, base = {}, {}
    for r in vt.itertuples(index=False):
        base[r.lead_type] = float(r.close_rate) if np.isfinite(r.close_rate) else 0.0
        rates[r.lead_type] = attempt_views.data_slider(base[r.lead_type], decimals=3, min=0,
                                                       max=max(0.1, base[r.lead_type] * 3),
                                                       description=_label(r.lead_type, ctx, res.lead_type),
                                                       layout=layout, style=style)
    out = W.Output()

    def update(_=None):
        held = attempt_views.held_value
        n = what_if(vt, quota=held(quota, q0), quota_share=held(share, s0),
                    close_rates={t: held(w, base[t]) for t, w in rates.items()})
        out.clear_output()
        with out:
            display(ctx.table(localize(n, ctx, res.lead_type)[["lead_type", "value", "mqls_needed_ceil"]],
                              formats={"value": "money", "mqls_needed_ceil": "int"}, labels="sla.columns"))

    for w in [quota, share, *rates.values()]:
        w.observe(update, names="value")
    update()
    return [*head, W.VBox([quota, share, *rates.values(), out])]


__all__ = [
    "CODED_COLUMNS", "agreement_markdown", "agreement_values", "breaching_reasons", "commitments_display",
    "evidence_text", "localize", "md_escape", "plot_compliance", "plot_first_contact", "plot_mql_value",
    "plot_pacing", "say_breaching", "say_compliance", "say_goal", "say_pacing", "say_values", "value_display",
    "value_words",
]
