"""The daily dashboard as an e-mail: what a reader sees of
:class:`smk.analyses.dashboard.DashboardResult`.

One HTML body that survives mail clients (table layout, inline CSS, no script, no web font, charts as
attached PNG parts referenced by ``cid:``, never ``data:`` URIs or external URLs) and its plain-text
alternative, both from Jinja templates (``smk/views/templates/dashboard.html.j2``, autoescaped, and
``dashboard.txt.j2``) filled with words from the catalogue (``dashboard.*``; the marketing advice, the
pacing sentences and the breaching reasons are the SLA's, ``sla.*``). :func:`email_message` wraps them
in a MIME message (multipart/alternative: text/plain, then multipart/related: text/html + images).

Lead-level rows show ids and owners only; every cell passes :func:`smk.views.html.mask_pii`, so an id
that happens to be an e-mail address or a phone number is hidden too.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any, Iterable

import jinja2
import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from smk import texts
from smk.analyses.dashboard import DashboardResult
from smk.analyses.sla import MISSING_GROUP
from smk.views import fmt, theme
from smk.views.html import TEMPLATE_DIRS, capability_label, mask_pii, mask_text, masked_word, render

#: Colour of the pacing status badge.
STATUS_COLORS = {"behind": theme.COLORS["bad"], "on_track": theme.COLORS["sales"], "ahead": theme.COLORS["good"],
                 "not_started": theme.COLORS["neutral"], "no_goal": theme.COLORS["neutral"]}
#: Rows of the breaching list shown in the e-mail (the rest are counted).
MAX_BREACHING_ROWS = 50
#: Width of the e-mail body and its charts, in CSS pixels (charts are drawn at twice that).
WIDTH = 600

_TEXT_ENV: jinja2.Environment | None = None


@dataclass(frozen=True)
class Image:
    """A chart attached to the e-mail: PNG bytes, the Content-ID the HTML refers to (``cid:<cid>``),
    a file name and the alternative text."""

    cid: str
    data: bytes
    filename: str
    alt: str


@dataclass(frozen=True)
class DashboardEmail:
    """The rendered dashboard: subject, HTML body, plain-text body and the images the HTML shows."""

    subject: str
    html: str
    text: str
    images: tuple[Image, ...]
    lang: str


# --------------------------------------------------------------------------------------------
# words
# --------------------------------------------------------------------------------------------
class _Words:
    """Catalogue texts and number formats in one language."""

    def __init__(self, lang: str, currency: str):
        self.lang = fmt.check_lang(lang)
        self.currency = currency

    def t(self, key: str, **values: Any) -> str:
        return texts.t(key, self.lang, **values)

    def n(self, x, decimals: int = 0) -> str:
        return fmt.number(x, self.lang, decimals)

    def pct(self, x, decimals: int = 0) -> str:
        return fmt.pct(x, self.lang, decimals)

    def date(self, d) -> str:
        return fmt.date(d, self.lang)

    def group(self, value: Any) -> str:
        """A team, rep or lead id from the data as shown: e-mail addresses and phone numbers hidden."""
        if value == MISSING_GROUP:
            return self.t("sla.values.missing")
        return mask_text(str(value), masked_word(self.lang))

    def days(self, x: float) -> str:
        x = float(x)
        return self.t("dashboard.phrase.days", count=int(x) if x.is_integer() else self.n(x, 1))

    def sla_phrases(self, attempts: float, days: float) -> dict[str, str]:
        def count(x: float):
            x = float(x)
            return int(x) if x.is_integer() else self.n(x, 1)
        return {"attempts": self.t("sla.phrase.attempts", count=count(attempts)),
                "days": self.t("sla.phrase.days", count=count(days))}


def _table(headers: list[str], rows: list[list[str]], numeric: list[bool]) -> dict:
    return {"headers": headers, "rows": rows, "numeric": numeric}


def _share(w: _Words, ok, judged, rate) -> str:
    if pd.isna(judged) or int(judged) == 0:
        return fmt.MISSING
    return w.t("dashboard.sales.share", ok=w.n(ok), judged=w.n(judged), rate=w.pct(rate))


def _missing_text(w: _Words, res: DashboardResult, sections: tuple[str, ...], key: str) -> str | None:
    """``key`` (what cannot be shown, with the capabilities it needs) and why, for the missing ones of
    ``sections``; None when none is missing."""
    found = [res.missing[s] for s in sections if s in res.missing]
    if not found:
        return None
    needs = list(dict.fromkeys(n for m in found for n in m.needs))
    parts = [w.t(key, needs=w.t("dashboard.list_sep").join(capability_label(n, w.lang) for n in needs))]
    for m in found:
        if m.reason and texts.has(m.reason, w.lang):
            reason = w.t(m.reason, **dict(m.params))
            if reason not in parts:
                parts.append(reason)
    return " ".join(parts)


# --------------------------------------------------------------------------------------------
# the parts
# --------------------------------------------------------------------------------------------
def changes_line(res: DashboardResult, w: _Words) -> str:
    """What changed since yesterday, in one line of whole sentences."""
    c = res.changes
    parts = [w.t("dashboard.changes.new_mqls", count=c.new_mqls, mqls=w.n(c.new_mqls))]
    status = w.t(f"sla.pacing.status.{c.status}")
    judged = ("behind", "on_track", "ahead")
    if c.new_month:
        parts.append(w.t("dashboard.changes.new_month", month=fmt.month(res.period, w.lang)))
    elif c.status in judged and c.status_before in judged:
        if c.status_before == c.status:
            parts.append(w.t("dashboard.changes.status_same", status=status))
        else:
            parts.append(w.t("dashboard.changes.status_moved", status=status,
                             before=w.t(f"sla.pacing.status.{c.status_before}")))
    if c.breaching is not None:
        if c.breaching_before is None:
            parts.append(w.t("dashboard.changes.breaching_first", now=w.n(c.breaching)))
        else:
            parts.append(w.t("dashboard.changes.breaching", now=w.n(c.breaching), before=w.n(c.breaching_before),
                             new=w.n(len(c.newly_breaching)), gone=w.n(len(c.no_longer_breaching))))
    if "first_contact" not in res.missing and np.isfinite(c.first_contact_rate):
        key = "first_contact" if np.isfinite(c.first_contact_rate_before) else "first_contact_first"
        parts.append(w.t(f"dashboard.changes.{key}", days=w.days(res.window_days),
                         now=w.pct(c.first_contact_rate), before=w.pct(c.first_contact_rate_before)))
    return " ".join(parts)


def marketing_part(res: DashboardResult, w: _Words, chart: Image | None) -> dict:
    p = res.pacing
    advice = w.t(f"sla.pacing.advice.{p.status}")
    tiles = [(w.t("dashboard.marketing.mqls"), w.n(p.mqls_so_far))]
    summary = ""
    needed = None
    if p.status not in ("not_started", "no_goal"):
        tiles += [(w.t("dashboard.marketing.expected"), w.n(p.goal_to_date)),
                  (w.t("dashboard.marketing.projection"), w.n(p.projection)),
                  (w.t("dashboard.marketing.goal"), w.n(p.goal))]
        month = fmt.month(p.period, w.lang)
        month = month[:1].upper() + month[1:]
        if p.complete:
            summary = w.t("sla.pacing.complete", month=month, count=p.mqls_so_far, mqls=w.n(p.mqls_so_far),
                          goal=w.n(p.goal))
        else:
            summary = w.t("sla.pacing.partial", month=month, count=p.mqls_so_far, mqls=w.n(p.mqls_so_far),
                          goal_to_date=w.n(p.goal_to_date), projection=w.n(p.projection),
                          low=w.n(p.projection_low), high=w.n(p.projection_high), goal=w.n(p.goal),
                          chance=w.pct(p.prob_reaching_goal))
            days_left = float(p.extra.get("days_left", 0.0))
            if p.needed_per_remaining_day > 0 and days_left > 0:
                needed = w.t("dashboard.marketing.needed", count=int(days_left) if days_left.is_integer() else days_left,
                             per_day=w.n(p.needed_per_remaining_day, 1), days_left=w.n(days_left))
    return {
        "title": w.t("dashboard.marketing.title"),
        "note": w.t("sla.pacing.no_mql_date") if res.basis != "mql_at" else None,
        "tiles": tiles,
        "status": {"label": w.t("dashboard.marketing.status"), "value": w.t(f"dashboard.status.{p.status}"),
                   "color": STATUS_COLORS[p.status]},
        "summary": summary,
        "advice": advice,
        "needed": needed,
        "chart": chart,
    }


def _compliance_sentence(w: _Words, overall: pd.DataFrame | None, kind: str, res: DashboardResult) -> str | None:
    if overall is None:
        return None
    n = int(overall["evaluable"].sum()) if len(overall) else 0
    if n == 0:
        return w.t("sla.compliance.none")
    ok = int(overall["ok"].sum())
    values = {"rate": w.pct(ok / n), "count": w.n(n), "hours": w.n(res.rule.first_contact_hours)}
    if kind == "attempts":
        values.update(w.sla_phrases(res.rule.attempts, res.rule.within_days))
    form = "many" if n > 1 else ("one_met" if ok else "one_missed")
    return w.t(f"sla.compliance.{kind}.{form}", **values)


def _below_target(w: _Words, sales: pd.DataFrame, res: DashboardResult, kind: str) -> str | None:
    judged, rate = f"{kind}_judged", f"{kind}_rate"
    if judged not in sales or not (sales[judged] > 0).any():
        return None
    target = res.rule.compliance_target
    judgeable = sales[sales[judged] > 0]
    below = judgeable[judgeable[rate] < target]
    name = "first_contact" if kind == "fc" else "attempts"
    if below.empty:
        return w.t(f"dashboard.sales.meet.{name}", target=w.pct(target))
    groups = w.t("dashboard.list_sep").join(w.t("dashboard.sales.group_rate", group=w.group(g), rate=w.pct(r))
                                           for g, r in zip(below[res.group], below[rate]))
    return w.t(f"dashboard.sales.below.{name}", target=w.pct(target), groups=groups)


def sales_table(res: DashboardResult, w: _Words) -> dict | None:
    s = res.sales
    if s is None:
        return None
    headers = [w.t(f"dashboard.sales.columns.{res.group}")]
    numeric = [False]
    if "fc_judged" in s:
        headers += [w.t("dashboard.sales.columns.first_contact"), w.t("dashboard.sales.columns.median_hours")]
        numeric += [True, True]
    if "at_judged" in s:
        headers.append(w.t("dashboard.sales.columns.attempts"))
        numeric.append(True)
    if "breaching" in s:
        headers.append(w.t("dashboard.sales.columns.breaching"))
        numeric.append(True)
    rows = []
    for r in mask_pii(s, lang=w.lang).to_dict("records"):
        row = [w.group(r[res.group])]
        if "fc_judged" in s:
            row += [_share(w, r["fc_ok"], r["fc_judged"], r["fc_rate"]), fmt.duration_hours(r["median_hours"], w.lang)]
        if "at_judged" in s:
            row.append(_share(w, r["at_ok"], r["at_judged"], r["at_rate"]))
        if "breaching" in s:
            row.append(w.n(r["breaching"]))
        rows.append(row)
    return _table(headers, rows, numeric)


def breaching_table(res: DashboardResult, w: _Words) -> tuple[dict | None, str | None]:
    """The breaching list (ids and owners only; PII masked) and the "showing N of M" line."""
    b = res.breaching
    if b is None or b.empty:
        return None, None
    shown = mask_pii(b.head(MAX_BREACHING_ROWS), lang=w.lang)
    values = {"hours": w.n(res.rule.first_contact_hours), **w.sla_phrases(res.rule.attempts, res.rule.within_days)}
    cols = ["lead_id", "owner"] + (["team"] if res.scope == "all" else []) + [
        "age_days", "attempts_so_far", "attempts_needed", "hours_to_first_contact", "reason"]
    headers = [w.t(f"sla.columns.{c}") for c in cols]
    numeric = [c in ("age_days", "attempts_so_far", "attempts_needed", "hours_to_first_contact") for c in cols]
    rows = []
    for r in shown.to_dict("records"):
        cells = {"lead_id": w.group(r["lead_id"]), "owner": w.group(r["owner"]), "team": w.group(r["team"]),
                 "age_days": w.n(r["age_days"], 1), "attempts_so_far": w.n(r["attempts_so_far"]),
                 "attempts_needed": w.n(r["attempts_needed"]),
                 "hours_to_first_contact": fmt.duration_hours(r["hours_to_first_contact"], w.lang),
                 "reason": w.t(f"sla.breaching.reasons.{r['reason']}", **values)}
        rows.append([cells[c] for c in cols])
    more = None
    if len(b) > len(shown):
        more = w.t("common.showing", shown=w.n(len(shown)), total=w.n(len(b)))
    return _table(headers, rows, numeric), more


def breaching_summary(res: DashboardResult, w: _Words) -> str | None:
    b = res.breaching
    if b is None:
        return None
    if b.empty:
        return w.t("sla.breaching.none")
    owners = b["owner"].value_counts().sort_index(kind="stable")
    top = owners.sort_values(ascending=False, kind="stable").index[0]
    return w.t("sla.breaching.summary", count=len(b), leads=w.n(len(b)), date=w.date(res.day),
               reps=w.t("sla.phrase.reps", count=len(owners)), top=w.group(top), top_count=w.n(owners[top]))


def sales_part(res: DashboardResult, w: _Words, chart: Image | None) -> dict:
    whole = "first_contact" in res.missing and "attempts" in res.missing
    missing = _missing_text(w, res, ("first_contact", "attempts"), "dashboard.sales.missing") if whole else None
    notes = [] if whole else [n for n in (
        _missing_text(w, res, ("first_contact",), "dashboard.sales.missing_part.first_contact"),
        _missing_text(w, res, ("attempts",), "dashboard.sales.missing_part.attempts")) if n]
    rule = w.t("dashboard.sales.rule", hours=w.n(res.rule.first_contact_hours), target=w.pct(res.rule.compliance_target),
               **w.sla_phrases(res.rule.attempts, res.rule.within_days))
    scope = None if missing else w.t("dashboard.sales.scope", window=w.days(res.window_days),
                                     days=w.days(res.rule.within_days))
    sentences = [s for s in (
        _compliance_sentence(w, res.first_contact_overall, "first_contact", res),
        _below_target(w, res.sales, res, "fc") if res.sales is not None else None,
        _compliance_sentence(w, res.attempts_overall, "attempts", res),
        _below_target(w, res.sales, res, "at") if res.sales is not None else None,
    ) if s]
    table, more = breaching_table(res, w)
    return {
        "title": w.t("dashboard.sales.title"),
        "missing": missing,
        "notes": notes,
        "rule": rule,
        "scope": scope,
        "table": sales_table(res, w),
        "sentences": sentences,
        "chart": chart,
        "breaching_title": w.t("dashboard.sales.breaching_title", date=w.date(res.day)),
        "breaching_missing": (None if missing else
                              _missing_text(w, res, ("breaching",), "dashboard.sales.missing_part.breaching")),
        "breaching_summary": breaching_summary(res, w),
        "breaching": table,
        "breaching_more": more,
    }


# --------------------------------------------------------------------------------------------
# charts (PNG, drawn with matplotlib's Figure: no pyplot state, any backend)
# --------------------------------------------------------------------------------------------
def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=200, metadata={"Software": None})
    return buf.getvalue()


def pacing_chart(res: DashboardResult, w: _Words) -> Image:
    """Cumulative MQLs of the month against the goal line, with the projection to month end."""
    p = res.pacing
    status = w.t(f"sla.pacing.status.{p.status}")
    with matplotlib.rc_context(dict(theme.RC)):
        fig = Figure(figsize=(WIDTH / 100, 2.6), dpi=100, layout="constrained")
        ax = fig.subplots()
        d = p.daily
        x = np.arange(1, len(d) + 1)
        ax.step(x, d["cumulative"], where="post", color=theme.COLORS["marketing"], lw=2.2,
                label=w.t("sla.pacing.cumulative"))
        if d["goal_line"].notna().any():
            ax.plot(x, d["goal_line"], ls="--", color=theme.COLORS["goal"], lw=1.3, label=w.t("sla.pacing.goal_line"))
        if d["projection"].notna().any():
            ax.plot(x, d["projection"], ls=":", color=theme.COLORS["marketing"], lw=1.6, label=w.t("sla.pacing.projection"))
            ax.fill_between(x, d["projection_low"], d["projection_high"], color=theme.COLORS["marketing"], alpha=0.15, lw=0)
        ax.set_xlim(1, len(d))
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: w.n(v)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: w.n(v)))
        ax.grid(True, color="#e5e5e5", lw=0.8)
        ax.set_title(f"{fmt.month(p.period, w.lang)}", fontsize=11, loc="left")
        ax.tick_params(labelsize=9)
        ax.legend(loc="upper left", fontsize=8, frameon=False)
        data = _png(fig)
    return Image(cid=f"pacing.{res.day:%Y%m%d}@smk-dashboard", data=data, filename="mqls-against-goal.png",
                 alt=w.t("dashboard.marketing.chart_alt", month=fmt.month(p.period, w.lang), status=status))


def sales_chart(res: DashboardResult, w: _Words) -> Image | None:
    """Per group: share of new MQLs first contacted in time and given enough attempts, against the target."""
    s = res.sales
    if s is None or s.empty:
        return None
    series = [(c, label, color) for c, label, color in (
        ("fc_rate", w.t("dashboard.sales.chart_first_contact"), theme.COLORS["sales"]),
        ("at_rate", w.t("dashboard.sales.chart_attempts"), theme.COLORS["management"])) if c in s]
    if not series or not any(s[c].notna().any() for c, _, _ in series):
        return None
    groups = [w.group(g) for g in s[res.group]]
    with matplotlib.rc_context(dict(theme.RC)):
        height = 0.9 + 0.28 * len(groups) * len(series)
        fig = Figure(figsize=(WIDTH / 100, min(height, 8.0)), dpi=100, layout="constrained")
        ax = fig.subplots()
        y = np.arange(len(groups))
        bar = 0.8 / len(series)
        for i, (col, label, color) in enumerate(series):
            vals = s[col].astype(float).fillna(0.0).to_numpy()
            ax.barh(y + (i - (len(series) - 1) / 2) * bar, vals, height=bar * 0.9, color=color, label=label)
        ax.axvline(res.rule.compliance_target, color=theme.COLORS["goal"], ls="--", lw=1.2,
                   label=w.t("dashboard.sales.chart_target"))
        ax.set_yticks(y, groups)
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: w.pct(v)))
        ax.tick_params(labelsize=9)
        ax.grid(True, axis="x", color="#e5e5e5", lw=0.8)
        ax.grid(False, axis="y")
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, fontsize=8, frameon=False)
        data = _png(fig)
    return Image(cid=f"sales.{res.day:%Y%m%d}@smk-dashboard", data=data, filename="sales-sla.png",
                 alt=w.t("dashboard.sales.chart_alt"))


# --------------------------------------------------------------------------------------------
# the e-mail
# --------------------------------------------------------------------------------------------
def subject(res: DashboardResult, lang: str, prefix: str | None = None) -> str:
    """``Demo Corp: smarketing dashboard, 15 Oct 2026`` (the team's or rep's name in their version)."""
    key = {"all": "dashboard.subject", "team": "dashboard.subject_team", "owner": "dashboard.subject_owner"}[res.scope]
    name = mask_text(str(res.scope_name), masked_word(lang)) if res.scope_name is not None else ""
    text = texts.t(key, lang, client=res.client_name, date=fmt.date(res.day, lang), name=name)
    return texts.t("dashboard.subject_prefixed", lang, prefix=prefix, subject=text) if prefix else text


def _text_env() -> jinja2.Environment:
    """Jinja for the plain-text part: the same templates folder, no HTML escaping (it is not HTML)."""
    global _TEXT_ENV
    if _TEXT_ENV is None:
        _TEXT_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATE_DIRS[0])), autoescape=False,
                                       undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                                       trim_blocks=True, lstrip_blocks=True)
    return _TEXT_ENV


def content(res: DashboardResult, lang: str, currency: str = "USD", *, charts: bool = True,
            subject_prefix: str | None = None) -> dict:
    """Everything the templates show, as plain text (the HTML template escapes it)."""
    w = _Words(lang, currency)
    scope_line = None
    if res.scope != "all":
        scope_line = w.t(f"dashboard.for_{res.scope}", name=w.group(res.scope_name))
    pace_img = pacing_chart(res, w) if charts else None
    sales_img = sales_chart(res, w) if charts else None
    return {
        "lang": w.lang,
        "subject": subject(res, w.lang, subject_prefix),
        "title": w.t("dashboard.title"),
        "client": res.client_name,
        "as_of": w.t("dashboard.as_of", date=w.date(res.day), timezone=res.timezone),
        "scope_line": scope_line,
        "changes": {"title": w.t("dashboard.changes.title"), "line": changes_line(res, w)},
        "marketing": marketing_part(res, w, pace_img),
        "sales": sales_part(res, w, sales_img),
        "footer": w.t("dashboard.footer"),
        "width": WIDTH,
    }


def render_email(res: DashboardResult, lang: str, currency: str = "USD", *,
                 subject_prefix: str | None = None) -> DashboardEmail:
    """The dashboard as an e-mail body: HTML (``dashboard.html.j2``), plain text (``dashboard.txt.j2``)
    and the charts the HTML refers to by ``cid:``."""
    c = content(res, lang, currency, subject_prefix=subject_prefix)
    images = tuple(img for img in (c["marketing"]["chart"], c["sales"]["chart"]) if img is not None)
    html = render("dashboard.html.j2", **c)
    text = _text_env().get_template("dashboard.txt.j2").render(**c)
    return DashboardEmail(subject=c["subject"], html=html, text=text, images=images, lang=c["lang"])


def email_message(email: DashboardEmail, *, sender: str, to: Iterable[str] = (),
                  date: pd.Timestamp | None = None) -> EmailMessage:
    """A MIME message: multipart/alternative with the plain text first and then multipart/related
    (the HTML and each chart as an inline PNG part with its Content-ID)."""
    msg = EmailMessage()
    msg["Subject"] = email.subject
    msg["From"] = sender
    to = [t for t in to if t]
    if to:
        msg["To"] = ", ".join(to)
    when = pd.Timestamp.now(tz="UTC") if date is None else pd.Timestamp(date)
    msg["Date"] = format_datetime(when.to_pydatetime())
    msg["Message-ID"] = make_msgid(domain="smk-dashboard")
    msg.set_content(email.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(email.html, subtype="html", charset="utf-8", cte="quoted-printable")
    html_part = msg.get_payload()[1]
    for img in email.images:
        html_part.add_related(img.data, maintype="image", subtype="png", cid=f"<{img.cid}>",
                              filename=img.filename, disposition="inline")
    msg["Content-Language"] = email.lang  # after set_content, which clears Content-* headers
    # headers are folded only past 998 characters (the bodies are already encoded in 76-character lines):
    # folding at 78 drops the space between two encoded words ("José Núñez" would arrive as "JoséNúñez")
    msg.policy = msg.policy.clone(max_line_length=998)
    return msg


__all__ = ["DashboardEmail", "Image", "MAX_BREACHING_ROWS", "STATUS_COLORS", "WIDTH", "breaching_summary",
           "breaching_table", "changes_line", "content", "email_message", "marketing_part", "pacing_chart",
           "render_email", "sales_chart", "sales_part", "sales_table", "subject"]
