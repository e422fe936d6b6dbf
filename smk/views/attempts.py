"""Notebook 05's presentation (contact attempts): one function per section of
:class:`~smk.analyses.attempts.AttemptsResult`, the charts, the sentences of the SLA line's evidence
(also used by notebooks 04 and 06) and the JupyterLab cost sliders. Texts: ``attempts.*`` in
smk/texts.

Sections: data, naive, compare, value, cap, by_type, speed, cadence, recommendation, explorer.
"""
from __future__ import annotations

import math
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display
from matplotlib.ticker import MaxNLocator

from smk import texts
from smk.analyses.attempts import AttemptsResult, SlaRecommendation, attempt_value, cost_per_attempt
from smk.views import fmt, labels, theme
from smk.views.html import text_html
from smk.views.registry import section

#: Column labels of every table (catalogue prefix).
LABELS = "attempts.columns"

#: ``ctx.table`` formats of the tables below.
FORMATS: dict[str, dict[str, str]] = {
    "naive": {"attempts": "int", "n_leads": "int", "n_won": "int", "close_rate": "pct", "ci": "ci",
              "avg_revenue": "money", "calling_cost": "money:2", "profitability": "number:1", "too_small": "bool"},
    "cap": {"cap": "int", "cum_sales": "int", "captured_share": "pct", "calls": "int", "calls_saved": "int",
            "calls_saved_share": "pct"},
    "value": {"attempts": "int", "at_risk": "int", "connect_rate": "pct", "connect": "ci", "closes": "int",
              "close_hazard": "pct:2", "close": "ci:2", "value": "money", "cost": "money:2", "pays": "bool",
              "too_small": "bool"},
    "speed": {"bucket": "text", "n_leads": "int", "n_won": "int", "close_rate": "pct", "ci": "ci", "too_small": "bool"},
    "cadence": {"day": "int", "successes": "int", "cum_share": "pct"},
    "recommendation": {"element": "text", "value_text": "text", "evidence": "text"},
}

NAIVE_COLUMNS = ["attempts", "n_leads", "n_won", "close_rate", "ci_low", "ci_high", "avg_revenue",
                 "calling_cost", "profitability", "too_small"]
#: the seed's table when no customer can be valued: close rates only
NAIVE_RATE_COLUMNS = ["attempts", "n_leads", "n_won", "close_rate", "ci_low", "ci_high", "too_small"]
VALUE_COLUMNS = ["attempts", "at_risk", "connect_rate", "connect_low", "connect_high", "closes", "close_hazard",
                 "close_low", "close_high", "value", "cost", "pays", "too_small"]
#: the life table when no customer can be valued: probabilities only
HAZARD_COLUMNS = ["attempts", "at_risk", "connect_rate", "connect_low", "connect_high", "closes", "close_hazard",
                  "close_low", "close_high", "too_small"]
#: the cap table as shown (the sales at each attempt are in the value table above it)
CAP_COLUMNS = ["attempts", "cum_sales", "captured_share", "calls", "calls_saved", "calls_saved_share"]
SPEED_COLUMNS = ["bucket", "n_leads", "n_won", "close_rate", "ci_low", "ci_high", "too_small"]
SLA_ELEMENTS = ("first_contact_hours", "attempts", "within_days")


# --------------------------------------------------------------------------------------------
# words
# --------------------------------------------------------------------------------------------
def hours_text(h: float, lang: str) -> str:
    """A first-contact window: ``'5 min'``, ``'4 h'``, ``'1.5 h'`` (``'1,5 h'`` in Spanish)."""
    if h < 1:
        return texts.t("attempts.phrase.minutes", lang, minutes=fmt.number(h * 60, lang, 0))
    return texts.t("attempts.phrase.hours", lang, hours=fmt.number(h, lang, 0 if float(h).is_integer() else 1))


def span(a, b) -> str:
    """``'8'`` when both ends agree, else ``'7–9'``."""
    return str(a) if a == b else f"{a}–{b}"


def attempts_span(low, high, lang: str) -> str:
    """``'8–11 attempts'``, ``'1 attempt'``."""
    return texts.t("attempts.phrase.attempts_span", lang, span=span(low, high), count=high if low == high else 2)


def bucket_labels(lang: str) -> dict[str, str]:
    """Delay-bucket code → label."""
    return texts.labels("attempts.values", lang)


def evidence(rec: SlaRecommendation, lang: str, currency: str) -> dict[str, str]:
    """One sentence per number of the SLA line, keyed ``attempts`` (K), ``first_contact_hours`` (H),
    ``within_days`` (D), in that order."""
    K, H, D = rec.attempts, rec.first_contact_hours, rec.within_days
    low, high = rec.attempts_range
    k_txt = texts.t("attempts.evidence.attempts", lang, k=K, value=fmt.money(rec.value_last_attempt, currency, lang),
                    hazard=fmt.pct(rec.close_hazard_last, lang, 2), revenue=fmt.money(rec.avg_revenue, currency, lang),
                    cost=fmt.money(rec.cost_per_attempt, currency, lang, 2), span_attempts=attempts_span(low, high, lang),
                    boot_span=attempts_span(*rec.attempts_bootstrap, lang))
    basis_h = rec.basis["first_contact_hours"]
    if basis_h == "data":
        names = bucket_labels(lang)
        rates = texts.t("common.list_sep", lang).join(
            texts.t("attempts.evidence.rate", lang, bucket=names[b], rate=fmt.pct(r, lang)) for b, r in rec.speed_rates)
        h_txt = texts.t("attempts.evidence.first_contact_hours.data", lang, hours=hours_text(H, lang), rates=rates)
    else:
        h_txt = texts.t(f"attempts.evidence.first_contact_hours.{basis_h}", lang, hours=hours_text(H, lang))
    days = texts.t("attempts.phrase.days", lang, count=D)
    d_txt = texts.t(f"attempts.evidence.within_days.{rec.basis['within_days']}", lang, days=days,
                    share=fmt.pct(rec.quantile, lang, 0), first=texts.t("attempts.phrase.first", lang, count=K))
    return {"attempts": k_txt, "first_contact_hours": h_txt, "within_days": d_txt}


def evidence_text(rec: SlaRecommendation, lang: str, currency: str) -> str:
    """The evidence as one paragraph (K, then H, then D): what notebooks 04 and 06 quote."""
    return " ".join(evidence(rec, lang, currency).values())


def sla_line(rec: SlaRecommendation, lang: str) -> str:
    """``'First attempt within 4 h, 8 attempts within 8 days.'``"""
    return texts.t("attempts.recommendation.line", lang, hours=hours_text(rec.first_contact_hours, lang),
                   attempts=texts.t("attempts.phrase.attempts", lang, count=rec.attempts),
                   days=texts.t("attempts.phrase.days", lang, count=rec.within_days))


def recommendation_view(rec: SlaRecommendation, lang: str, currency: str) -> pd.DataFrame:
    """One row per SLA number: element, recommended value, evidence."""
    ev = evidence(rec, lang, currency)
    vals = {"first_contact_hours": hours_text(rec.first_contact_hours, lang), "attempts": str(rec.attempts),
            "within_days": texts.t("attempts.phrase.days", lang, count=rec.within_days)}
    return pd.DataFrame({"element": [texts.t(f"attempts.recommendation.elements.{e}", lang) for e in SLA_ELEMENTS],
                         "value_text": [vals[e] for e in SLA_ELEMENTS], "evidence": [ev[e] for e in SLA_ELEMENTS]})


def speed_view(speed: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Speed-to-lead table with bucket labels (empty buckets dropped)."""
    s = speed[speed["n_leads"] > 0].copy()
    s["bucket"] = s["bucket"].map(bucket_labels(lang))
    return s[SPEED_COLUMNS]


def data_text(res: AttemptsResult, lang: str) -> str:
    """What the client's data allow (one sentence per note)."""
    return " ".join(texts.t(f"attempts.data.{code}", lang) for code in res.notes)


def naive_text(res: AttemptsResult, lang: str, currency: str) -> str:
    values = {"cost": fmt.money(res.cost, currency, lang, 2), "hourly": fmt.money(res.rep_hourly_cost, currency, lang, 2),
              "per_hour": fmt.number(res.attempts_per_hour, lang, 1)}
    if res.levels_off:
        return texts.t("attempts.naive.summary", lang, count=res.levels_off, tol=fmt.pct(res.levels_off_tol, lang, 0),
                       **values)
    return texts.t("attempts.naive.summary_flat", lang, **values)


def compare_text(res: AttemptsResult, lang: str) -> str:
    n, h = res.naive, res.hazard
    if len(n) == 0 or len(h) == 0:
        return texts.t("attempts.compare.empty", lang)
    rates = {"once_rate": fmt.pct(n["close_rate"].iloc[0], lang), "first_rate": fmt.pct(h["close_hazard"].iloc[0], lang, 2)}
    if not res.has_connects:  # without call outcomes the share reached at attempt 1 is unknown
        return texts.t("attempts.compare.summary_no_connects", lang, **rates)
    return texts.t("attempts.compare.summary", lang, share=fmt.pct(res.once_success_share, lang, 0), **rates)


def value_text(res: AttemptsResult, lang: str, currency: str) -> str:
    if not np.isfinite(res.avg_revenue):
        return texts.t("attempts.value.no_revenue", lang)
    if not res.recommended:
        return texts.t("attempts.value.none_pays", lang)
    b = res.boot
    return texts.t("attempts.value.summary", lang, count=res.recommended, value=fmt.money(res.value_last, currency, lang),
                   cost=fmt.money(res.cost, currency, lang, 2),
                   span_attempts=attempts_span(res.recommended_low, res.recommended_high, lang),
                   boot_span=attempts_span(b.get("low"), b.get("high"), lang))


def value_method_values(res: AttemptsResult, lang: str) -> dict[str, Any]:
    """The bootstrap's figures the value section's method note quotes."""
    b = res.boot
    return {"n_boot": fmt.number(b.get("n_boot"), lang), "seed": b.get("seed"),
            "level": fmt.pct(b.get("level", 0.9), lang, 0)}


def by_type_text(res: AttemptsResult, lang: str, client: Any = None) -> str:
    """Recommended attempts per lead type, the types as labels (:func:`smk.views.labels.value_label`)."""
    rec = res.by_type_recommended
    if not rec:
        return texts.t("attempts.by_type.none", lang)
    own = labels.client_values(client)
    items = texts.t("common.list_sep", lang).join(
        texts.t("attempts.by_type.item", lang, lead_type=labels.value_label("lead_type", t, lang, own), attempts=k)
        for t, k in rec.items())
    return texts.t("attempts.by_type.summary", lang, items=items)


def speed_text(res: AttemptsResult, lang: str) -> str:
    sp = res.speed
    s = sp[~sp["too_small"] & (sp["bucket"] != "never")]
    if len(s) < 2:
        return texts.t("attempts.speed.too_few", lang)
    f, sl = s.iloc[0], s.iloc[-1]
    names = bucket_labels(lang)
    values = {"fast": names[f["bucket"]], "fast_rate": fmt.pct(f["close_rate"], lang),
              "fast_ci": fmt.ci(f["ci_low"], f["ci_high"], lang), "slow": names[sl["bucket"]],
              "slow_rate": fmt.pct(sl["close_rate"], lang), "slow_ci": fmt.ci(sl["ci_low"], sl["ci_high"], lang)}
    if res.window_hours:
        return texts.t("attempts.speed.summary", lang, window=hours_text(res.window_hours, lang), **values)
    return texts.t("attempts.speed.summary_no_window", lang, **values)


def cadence_text(res: AttemptsResult, lang: str) -> str:
    if not res.cadence_n:
        return texts.t("attempts.cadence.none", lang)
    K, D = max(res.recommended, 1), res.within_days
    return texts.t("attempts.cadence.summary", lang, count=res.cadence_n, share=fmt.pct(res.cadence_quantile, lang, 0),
                   n=fmt.number(res.cadence_n, lang), first=texts.t("attempts.phrase.first", lang, count=K),
                   days=texts.t("attempts.phrase.days", lang, count=D), d=D)


def naive_rate_text(res: AttemptsResult, lang: str) -> str:
    """The seed's table when no customer can be valued (close rates only)."""
    return texts.t("attempts.naive.close_rate_only", lang)


def value_missing_text(res: AttemptsResult, lang: str, currency: str) -> str:
    """Value section when no customer can be valued: an undated export chooses K by the cap below."""
    if not res.dated:
        return texts.t("attempts.value.no_value_cap", lang)
    return value_text(res, lang, currency)


def cap_figures(res: AttemptsResult, k: int, lang: str) -> dict[str, Any]:
    """The figures a sentence about a cap at ``k`` quotes (:func:`~smk.analyses.attempts.cap_table`)."""
    row, a = res.cap_at(k), res.cap.attrs
    beyond = int(a["sales"]) - int(row["cum_sales"])
    return {"cap": texts.t("attempts.phrase.attempts", lang, count=int(k)),
            "captured": fmt.pct(row["captured_share"], lang), "kept": fmt.number(row["cum_sales"], lang),
            "total": fmt.number(a["sales"], lang), "saved": fmt.pct(row["calls_saved_share"], lang),
            "saved_calls": fmt.number(row["calls_saved"], lang), "calls": fmt.number(a["calls"], lang),
            "beyond": beyond, "beyond_calls": texts.t("attempts.phrase.calls", lang, count=int(row["calls_saved"]))}


def cap_text(res: AttemptsResult, lang: str) -> str:
    """Which cap, and what it keeps and saves: the rule's K (the last paying attempt, or for an undated
    export without a customer value the smallest cap keeping ``cap_quantile`` of the sales), else that
    smallest cap as a reference."""
    k90 = res.cap_recommended
    if not k90:
        return texts.t("attempts.cap.none", lang)
    share = fmt.pct(res.cap_quantile, lang, 0)
    K, basis = res.attempts_rule()
    if basis == "value":
        first = texts.t("attempts.cap.value", lang, count=K, share=share,
                        cap=texts.t("attempts.phrase.attempts", lang, count=k90))
    elif basis == "coverage":
        first = texts.t("attempts.cap.coverage", lang, share=share, cap=texts.t("attempts.phrase.attempts", lang, count=K))
    else:
        K = k90
        first = texts.t("attempts.cap.reference", lang, share=share, cap=texts.t("attempts.phrase.attempts", lang, count=K))
    figures = cap_figures(res, K, lang)
    if res.cap_at(K)["calls_saved"] == 0:
        return f'{first} {texts.t("attempts.cap.keeps_all", lang, **figures)}'
    beyond = texts.t("attempts.cap.beyond", lang, count=figures["beyond"], calls=figures["beyond_calls"])
    return f'{first} {texts.t("attempts.cap.keeps", lang, **figures)} {beyond}'


def undated_recommendation_view(res: AttemptsResult, lang: str, currency: str) -> pd.DataFrame:
    """An undated export's rule: K with its evidence; H and D need dates (said instead of a number)."""
    K, basis = res.attempts_rule()
    row = res.cap_at(K)
    cap = {"k": K, "captured": fmt.pct(row["captured_share"], lang), "saved": fmt.pct(row["calls_saved_share"], lang)}
    if basis == "value":
        k_txt = f'{evidence(res.recommendation, lang, currency)["attempts"]} {texts.t("attempts.evidence.cap", lang, **cap)}'
    else:
        k_txt = texts.t("attempts.evidence.coverage", lang, share=fmt.pct(res.cap_quantile, lang, 0), **cap)
    needs = texts.t("attempts.recommendation.needs_dates", lang)
    vals = {"first_contact_hours": needs, "attempts": str(K), "within_days": needs}
    ev = {"first_contact_hours": texts.t("attempts.evidence.first_contact_hours.undated", lang), "attempts": k_txt,
          "within_days": texts.t("attempts.evidence.within_days.undated", lang)}
    return pd.DataFrame({"element": [texts.t(f"attempts.recommendation.elements.{e}", lang) for e in SLA_ELEMENTS],
                         "value_text": [vals[e] for e in SLA_ELEMENTS], "evidence": [ev[e] for e in SLA_ELEMENTS]})


def _without_connects(columns: list[str], res: AttemptsResult) -> tuple[list[str], dict[str, str]]:
    """(columns, formats) of the value table: without call outcomes (per-lead counters, a log without
    outcomes) the connect columns are empty and left out."""
    if res.has_connects:
        return columns, FORMATS["value"]
    return ([c for c in columns if not c.startswith("connect")],
            {k: v for k, v in FORMATS["value"].items() if not k.startswith("connect")})


# --------------------------------------------------------------------------------------------
# sections
# --------------------------------------------------------------------------------------------
@section(AttemptsResult, "data")
def data(res: AttemptsResult, ctx, **options) -> list:
    return [text_html(data_text(res, ctx.lang))]


@section(AttemptsResult, "naive")
def naive(res: AttemptsResult, ctx, **options) -> list:
    if res.value_source == "none":  # no customer can be valued: close rates alone, and their chart
        out = [ctx.table(res.naive[NAIVE_RATE_COLUMNS], formats=FORMATS["naive"], labels=LABELS)]
        if len(res.naive):
            out.append(plot_close_rate(res.naive, lang=ctx.lang).figure)
        return [*out, text_html(naive_rate_text(res, ctx.lang)), *labels.analyst_note(ctx, "attempts.naive.analyst"),
                *labels.analyst_note(ctx, "attempts.analyst.value_per_customer")]
    out = [ctx.para("attempts.naive.from_config", value=fmt.money(res.avg_revenue, ctx.currency, ctx.lang))
           ] if res.value_source == "config" else []
    out.append(ctx.table(res.naive[NAIVE_COLUMNS], formats=FORMATS["naive"], labels=LABELS))
    if len(res.naive):
        out.append(plot_naive(res.naive, lang=ctx.lang).figure)
    analyst = labels.analyst_note(ctx, "attempts.naive.analyst")
    if res.value_source == "config":
        analyst += labels.analyst_note(ctx, "attempts.analyst.value_per_customer")
    return [*out, text_html(naive_text(res, ctx.lang, ctx.currency)), *analyst]


@section(AttemptsResult, "compare")
def compare(res: AttemptsResult, ctx, **options) -> list:
    out = []
    if len(res.naive) and len(res.hazard):
        out.append(plot_compare(res.naive, res.hazard, lang=ctx.lang, min_group_size=res.min_group_size).figure)
    return [*out, text_html(compare_text(res, ctx.lang))]


@section(AttemptsResult, "value")
def value(res: AttemptsResult, ctx, **options) -> list:
    caution = [ctx.note_text("attempts.value.counters_caution")] if res.source == "counters" else []
    if res.value_source == "none":  # no customer can be valued: the probabilities, no money
        cols, formats = _without_connects(HAZARD_COLUMNS, res)
        return [ctx.table(res.value[cols], formats=formats, labels=LABELS), *caution,
                text_html(value_missing_text(res, ctx.lang, ctx.currency)),
                *labels.analyst_note(ctx, "attempts.analyst.value_per_customer")]
    cols, formats = _without_connects(VALUE_COLUMNS, res)
    out = [ctx.table(res.value[cols], formats=formats, labels=LABELS)]
    if len(res.value):
        out.append(plot_value(res.value, lang=ctx.lang, currency=ctx.currency, by_type=res.by_type,
                              client=ctx.client).figure)
    method = [labels.method_note(ctx, "attempts.value.method", **value_method_values(res, ctx.lang))] \
        if res.recommended and res.boot.get("n_boot") else []
    return [*out, *caution, text_html(value_text(res, ctx.lang, ctx.currency)), *method]


@section(AttemptsResult, "cap")
def cap(res: AttemptsResult, ctx, **options) -> list:
    """A cap on attempts, from per-lead counters (with an attempts log the value table's net value per
    lead answers the same question with the connects: nothing is shown)."""
    if res.source != "counters" or len(res.cap) == 0:
        return []
    K = res.attempts_rule()[0] or res.cap_recommended
    return [ctx.para("attempts.cap.intro"),
            ctx.table(res.cap[CAP_COLUMNS].rename(columns={"attempts": "cap"}), formats=FORMATS["cap"], labels=LABELS),
            plot_cap(res.cap, k=K, lang=ctx.lang).figure,
            text_html(cap_text(res, ctx.lang)),
            *(labels.analyst_note(ctx, "attempts.analyst.value_per_customer") if res.value_source == "none" else [])]


@section(AttemptsResult, "by_type")
def by_type(res: AttemptsResult, ctx, **options) -> list:
    return [text_html(by_type_text(res, ctx.lang, ctx.client))]


@section(AttemptsResult, "speed")
def speed(res: AttemptsResult, ctx, **options) -> list:
    return [ctx.table(speed_view(res.speed, ctx.lang), formats=FORMATS["speed"], labels=LABELS),
            plot_speed(res.speed, lang=ctx.lang).figure,
            text_html(speed_text(res, ctx.lang)),
            ctx.note_text("attempts.speed.caution"),
            labels.method_note(ctx, "attempts.speed.method"), *labels.analyst_note(ctx, "attempts.speed.analyst")]


@section(AttemptsResult, "cadence")
def cadence(res: AttemptsResult, ctx, **options) -> list:
    return [ctx.table(res.cadence, formats=FORMATS["cadence"], labels=LABELS),
            plot_cadence(res.cadence, lang=ctx.lang).figure,
            text_html(cadence_text(res, ctx.lang))]


@section(AttemptsResult, "recommendation")
def recommendation(res: AttemptsResult, ctx, **options) -> list:
    rec = res.recommendation
    if not res.dated:  # an undated export: the number of attempts; H and D need dates
        K, _ = res.attempts_rule()
        if not K:
            return [ctx.para("attempts.recommendation.none_undated")]
        line = texts.t("attempts.recommendation.line_undated", ctx.lang,
                       attempts=texts.t("attempts.phrase.attempts", ctx.lang, count=K))
        return [text_html(line), ctx.table(undated_recommendation_view(res, ctx.lang, ctx.currency),
                                           formats=FORMATS["recommendation"], labels=LABELS)]
    if rec is None:
        return [ctx.para("attempts.recommendation.none")]
    return [text_html(sla_line(rec, ctx.lang)),
            ctx.table(recommendation_view(rec, ctx.lang, ctx.currency), formats=FORMATS["recommendation"], labels=LABELS)]


@section(AttemptsResult, "explorer")
def explorer(res: AttemptsResult, ctx, **options):
    """The cost sliders, in JupyterLab only."""
    if not ctx.interactive:
        return []
    intro = ctx.para("attempts.explorer.intro")
    if res.value_source == "none":
        return [intro, ctx.para("attempts.explorer.no_value")]
    return [intro, cost_sliders(res, lang=ctx.lang, currency=ctx.currency)]


# --------------------------------------------------------------------------------------------
# charts
# --------------------------------------------------------------------------------------------
def _yerr(y, low, high) -> np.ndarray:
    """Error-bar lengths (Wilson bounds can sit a rounding error beyond the estimate)."""
    y, low, high = (np.asarray(x, dtype=float) for x in (y, low, high))
    return np.clip(np.vstack([y - low, high - y]), 0, None)


def _ax(ax, size: str = "normal"):
    if ax is None:
        _, ax = plt.subplots(figsize=theme.figsize(size))
    return ax


def _label(column: str, lang: str) -> str:
    return texts.t(f"{LABELS}.{column}", lang)


def plot_naive(naive: pd.DataFrame, *, lang: str = "en", ax=None):
    """The seed's chart: attempts (x) against profitability (y), levelling-off point marked;
    groups too small drawn hollow."""
    ax = _ax(ax)
    big = naive[~naive["too_small"]]
    small = naive[naive["too_small"]]
    ax.plot(big["attempts"], big["profitability"], marker="o", color=theme.COLORS["highlight"])
    ax.plot(small["attempts"], small["profitability"], marker="o", linestyle="none", mfc="none",
            color=theme.COLORS["neutral"])
    k = naive.attrs.get("levels_off")
    if k is not None:
        ax.axvline(k, color=theme.COLORS["goal"], linestyle="--", linewidth=1)
        _ = ax.annotate(texts.t("attempts.naive.chart.levels_off", lang, k=k), (k, ax.get_ylim()[1]),
                        xytext=(4, -14), textcoords="offset points")
    ax.set_xlabel(_label("attempts", lang))
    ax.set_ylabel(_label("profitability", lang))
    _ = ax.set_title(texts.t("attempts.naive.chart.title", lang))
    theme.localize(ax, lang)
    return ax


def plot_close_rate(naive: pd.DataFrame, *, lang: str = "en", ax=None):
    """The seed's chart when no customer can be valued: close rate of the group called k times, with its
    Wilson interval; groups too small drawn hollow."""
    ax = _ax(ax)
    for small, g in naive.groupby("too_small", sort=True):
        color = theme.COLORS["neutral"] if small else theme.COLORS["highlight"]
        ax.errorbar(g["attempts"], g["close_rate"], yerr=_yerr(g["close_rate"], g["ci_low"], g["ci_high"]),
                    marker="o", capsize=3, linestyle="none", color=color, mfc="none" if small else color)
    ax.set_xlabel(_label("attempts", lang))
    ax.set_ylabel(_label("close_rate", lang))
    theme.format_axis(ax, "y", "pct", lang)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    _ = ax.set_title(texts.t("attempts.naive.chart.close_rate_title", lang))
    theme.localize(ax, lang)
    return ax


def plot_cap(cap: pd.DataFrame, *, k: int = 0, lang: str = "en", ax=None):
    """A cap at k attempts: cumulative share of the sales kept and share of the calls saved; the
    recommended cap marked, the coverage target dotted."""
    ax = _ax(ax)
    ax.plot(cap["attempts"], cap["captured_share"], marker="o", color=theme.COLORS["highlight"],
            label=texts.t("attempts.cap.chart.captured", lang))
    ax.plot(cap["attempts"], cap["calls_saved_share"], marker="s", color=theme.COLORS["neutral"],
            label=texts.t("attempts.cap.chart.saved", lang))
    ax.axhline(cap.attrs.get("quantile", 0.9), color=theme.COLORS["neutral"], linestyle=":", linewidth=1)
    if k:
        ax.axvline(k, color=theme.COLORS["goal"], linestyle="--", linewidth=1)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel(_label("attempts", lang))
    theme.format_axis(ax, "y", "pct", lang)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="center right")
    _ = ax.set_title(texts.t("attempts.cap.chart.title", lang))
    theme.localize(ax, lang)
    return ax


def value_ticks(cost: float, top: float, locator) -> list[float]:
    """The y ticks of the value chart (symlog, linear below ``cost``): €0, the powers of ten from the
    cost to the top of the axis, else (cost and top in the same power of ten, e.g. a cost of €200 under
    a top of €713) the ticks of matplotlib's symlog ``locator``; and the cost itself, unless it would
    crowd a tick less than twice or half its size (the demo's €6.67 beside €10)."""
    powers = [10.0 ** d for d in range(int(math.ceil(math.log10(cost))), int(math.floor(math.log10(top))) + 1)]
    ticks = {0.0, *(powers or (float(t) for t in locator.tick_values(0.0, top) if 0.0 <= t <= top))}
    if all(max(t, cost) / min(t, cost) >= 2 for t in ticks if t > 0):
        ticks.add(float(cost))
    return sorted(ticks)


def plot_value(value: pd.DataFrame, *, lang: str = "en", currency: str = "USD", ax=None,
               by_type: pd.DataFrame | None = None, client: Any = None):
    """Corrected method: expected value of attempt k (with its interval) against the cost per attempt;
    optional lines per lead type; the recommended K marked."""
    ax = _ax(ax, "wide")
    v = value[~value["too_small"]]
    ax.fill_between(v["attempts"], v["value_low"], v["value_high"], color=theme.COLORS["highlight"], alpha=0.15, linewidth=0)
    ax.plot(v["attempts"], v["value"], marker="o", linewidth=2.5, color=theme.COLORS["highlight"],
            label=texts.t("attempts.value.chart.all_leads", lang), zorder=3)
    if by_type is not None and len(by_type):
        for i, (typ, g) in enumerate(by_type[~by_type["too_small"]].groupby("lead_type", sort=True)):
            ax.plot(g["attempts"], g["value"], linewidth=1.0, alpha=0.8, color=theme.palette(i + 2)[-1],
                    label=str(labels.value_label("lead_type", typ, lang, client)))
    cost = value.attrs["cost"]
    ax.axhline(cost, color=theme.COLORS["bad"], linestyle="--", linewidth=1.5, label=texts.t("attempts.value.chart.cost", lang))
    k = value.attrs.get("recommended")
    if k:
        ax.axvline(k, color=theme.COLORS["goal"], linestyle=":", linewidth=1)
    # values span orders of magnitude (a few € of cost, hundreds of € of value): log scale above the cost,
    # linear below it, so "above / below the cost line" stays readable
    ax.set_yscale("symlog", linthresh=max(cost, 1e-9), linscale=0.5)
    ax.set_ylim(bottom=0)
    top = ax.get_ylim()[1]
    if cost > 0 and top > cost:
        ax.set_yticks(value_ticks(cost, top, ax.yaxis.get_major_locator()))
    ax.set_xlabel(_label("attempts", lang))
    ax.set_ylabel(_label("value", lang))
    theme.format_axis(ax, "y", "money", lang, currency)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    _ = ax.set_title(texts.t("attempts.value.chart.title", lang, k=k))
    theme.localize(ax, lang)
    return ax


def plot_compare(naive: pd.DataFrame, hazard: pd.DataFrame, *, lang: str = "en", ax=None, min_group_size: int = 30):
    """Why the naive grouping misleads: close rate of the group 'called k times' against the
    probability that attempt k brings the sale for leads still unreached (with intervals)."""
    ax = _ax(ax)
    n = naive[~naive["too_small"]]
    h = hazard[hazard["at_risk"] >= min_group_size]
    ax.errorbar(n["attempts"], n["close_rate"], yerr=_yerr(n["close_rate"], n["ci_low"], n["ci_high"]),
                marker="o", capsize=2, color=theme.COLORS["neutral"], label=texts.t("attempts.compare.chart.naive", lang))
    ax.errorbar(h["attempts"], h["close_hazard"], yerr=_yerr(h["close_hazard"], h["close_low"], h["close_high"]),
                marker="s", capsize=2, color=theme.COLORS["highlight"],
                label=texts.t("attempts.compare.chart.corrected", lang))
    ax.set_xlabel(_label("attempts", lang))
    theme.format_axis(ax, "y", "pct", lang, decimals=1)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend()
    _ = ax.set_title(texts.t("attempts.compare.chart.title", lang))
    theme.localize(ax, lang)
    return ax


def plot_speed(speed: pd.DataFrame, *, lang: str = "en", ax=None):
    """Close rate by delay to the first attempt, with Wilson intervals."""
    ax = _ax(ax)
    s = speed[speed["n_leads"] > 0]
    x = np.arange(len(s))
    colors = [theme.COLORS["neutral"] if t else theme.COLORS["highlight"] for t in s["too_small"]]
    ax.bar(x, s["close_rate"], color=colors)
    ax.errorbar(x, s["close_rate"], yerr=_yerr(s["close_rate"], s["ci_low"], s["ci_high"]),
                fmt="none", ecolor=theme.COLORS["goal"], capsize=3)
    names = bucket_labels(lang)
    ax.set_xticks(x, [names[b] for b in s["bucket"]])
    ax.set_xlabel(_label("bucket", lang))
    ax.set_ylabel(_label("close_rate", lang))
    theme.format_axis(ax, "y", "pct", lang, decimals=1)
    _ = ax.set_title(texts.t("attempts.speed.chart.title", lang))
    theme.localize(ax, lang)
    return ax


def plot_cadence(cad: pd.DataFrame, *, lang: str = "en", ax=None):
    """Cumulative share of successful attempts by days since the lead reached sales (daily); D marked."""
    ax = _ax(ax)
    daily = cad.attrs.get("daily")
    curve = daily if daily is not None else cad
    ax.plot(curve["day"], curve["cum_share"], color=theme.COLORS["highlight"], drawstyle="steps-post" if daily is None else "default")
    D = cad.attrs.get("within_days")
    if D:
        ax.axvline(D, color=theme.COLORS["goal"], linestyle="--", linewidth=1)
        ax.axhline(cad.attrs["quantile"], color=theme.COLORS["neutral"], linestyle=":", linewidth=1)
    ax.set_xlabel(_label("day", lang))
    ax.set_ylabel(_label("cum_share", lang))
    theme.format_axis(ax, "y", "pct", lang)
    title = (texts.t("attempts.cadence.chart.title", lang, days=texts.t("attempts.phrase.days", lang, count=D)) if D
             else texts.t("attempts.cadence.chart.title_no_d", lang))
    _ = ax.set_title(title)
    theme.localize(ax, lang)
    return ax


# --------------------------------------------------------------------------------------------
# interactive (JupyterLab only)
# --------------------------------------------------------------------------------------------
#: Above this share of a slider's range, a value is the user's, not the browser's rounding noise.
SLIDER_NOISE = 1e-9


def data_slider(value: float, *, decimals: int, **kwargs) -> widgets.FloatSlider:
    """A FloatSlider that opens on the data's ``value`` and shows it as a plain number.

    No step: JupyterLab rounds the value to the step when it draws the slider and sends the rounding
    back (a cost of 37.3 came back as 37, a quota of 234,000 as 233,999.99999999997). A plain
    ``.{decimals}f`` readout: the value box is read back with ``parseFloat``, which stops at a
    thousands separator and ignores a ``%``. Compute with :func:`held_value`."""
    return widgets.FloatSlider(value=value, step=None, readout_format=f".{decimals}f", **kwargs)


def held_value(slider: widgets.FloatSlider, base: float) -> float:
    """The value to compute with for a :func:`data_slider` opened on the data's ``base``.

    The browser sends back ``base`` with a float error (the slider keeps positions as percentages of
    its range): that is ``base``. Enter in the value box sends what the box shows (``base`` rounded
    to the readout's decimals): that is ``base`` too, and the slider is set back to it. Anything else
    is the user's value."""
    value = float(slider.value)
    gap = abs(value - base)
    noise = SLIDER_NOISE * (slider.max - slider.min)
    if gap <= noise:
        return base
    shown = 0.5 * 10.0 ** -int(slider.readout_format.rstrip("f").lstrip("."))  # half the box's last digit
    if gap <= shown + noise:
        slider.value = base  # the browser answers with base up to its noise (no loop: that is kept as is)
        return base
    return value


def cost_sliders(result: AttemptsResult, *, lang: str = "en", currency: str = "USD"):
    """ipywidgets sliders for rep hourly cost and attempts per hour that recompute the cost per
    attempt, the recommended K and the value chart live (only for interactive sessions). They open on
    client.yml's costs exactly (:func:`data_slider`)."""
    hz, R, mg = result.hazard, result.avg_revenue, result.min_group_size
    h0, a0 = float(result.rep_hourly_cost), float(result.attempts_per_hour)
    style = {"description_width": "initial"}  # "Attempts/hour" in full, not "Attempts/…"
    hourly = data_slider(h0, decimals=2, min=0.0, max=max(200.0, 4 * h0),
                         description=texts.t("attempts.explorer.hourly", lang), style=style)
    per_hour = data_slider(a0, decimals=2, min=min(0.5, a0), max=max(30.0, 2 * a0),
                           description=texts.t("attempts.explorer.per_hour", lang), style=style)
    out = widgets.Output()
    label = widgets.HTML()

    def redraw(*_):
        c = cost_per_attempt(held_value(hourly, h0), held_value(per_hour, a0))
        v = attempt_value(hz, R, c, min_group_size=mg)
        text = texts.t("attempts.explorer.label", lang, cost=fmt.money(c, currency, lang, 2), k=v.attrs["recommended"])
        label.value = text_html(text, tag="span").html
        with out:
            out.clear_output(wait=True)
            fig = plot_value(v, lang=lang, currency=currency).figure
            display(fig)
            plt.close(fig)

    hourly.observe(redraw, names="value")
    per_hour.observe(redraw, names="value")
    redraw()
    return widgets.VBox([hourly, per_hour, label, out])


__all__ = ["FORMATS", "LABELS", "SLIDER_NOISE", "attempts_span", "bucket_labels", "cap_figures", "cap_text",
           "cost_sliders", "data_slider", "evidence", "evidence_text", "held_value", "hours_text", "plot_cadence",
           "plot_cap", "plot_close_rate", "plot_compare", "plot_naive", "plot_speed", "plot_value",
           "recommendation_view", "sla_line", "span", "speed_view", "undated_recommendation_view", "value_ticks"]
