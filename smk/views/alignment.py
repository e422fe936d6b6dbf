"""Notebook 01, alignment audit: what a reader sees of an :class:`~smk.analyses.alignment.AlignmentResult`.

One function per notebook section (``ctx.show(res, "<section>")``): ``verdict``, ``priorities``,
``respondents``, ``set_aside``, ``score_chart``, ``scores``, ``gaps``, ``evidence``,
``questions`` and ``form`` (the live questionnaire, JupyterLab only). Words come from the
catalogue (``alignment.*`` in smk/texts) or, for questions a client wrote in client.yml, from the
client (``res.client_texts``); numbers through smk.views.fmt in the report's language.
"""
from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from smk import texts
from smk.analyses.alignment import AlignmentResult, Step
from smk.errors import ConfigError
from smk.io.schema import SURVEY_TEAMS
from smk.io.survey import save_answers
from smk.views import fmt, labels, theme
from smk.views.html import Html, render_string, text_html
from smk.views.registry import section

#: How each value of an evidence fact is written (``params`` of smk.analyses.alignment.data_evidence).
FACT_FORMATS: dict[str, str] = {
    "share": "pct", "never_share": "pct", "rate": "pct", "rate_other": "pct", "team_share": "pct",
    "never": "int", "n": "int", "days": "int", "customers": "int",
    "sla_hours": "int", "median_days": "int", "recent": "int", "before": "int",
    "lift": "number:1", "median_hours": "hours", "change": "change", "team": "text",
}


# --------------------------------------------------------------------------------------------
# Words: the client's own (client.yml) first, then the catalogue
# --------------------------------------------------------------------------------------------
def words(res: AlignmentResult, key: str, lang: str, default: str = "") -> str:
    """The text of ``key`` in ``lang``: the client's own words for it (client.yml), else the
    catalogue's, else ``default``."""
    own = res.client_texts.get(key, {})
    if own.get(lang):
        return own[lang]
    return texts.t(key, lang) if texts.has(key, lang) else default


def dimension_label(res: AlignmentResult, dimension: str, lang: str) -> str:
    """A dimension's label (its id when neither the catalogue nor the client words it)."""
    return words(res, f"alignment.dimensions.{dimension}.label", lang, dimension)


def question_text(res: AlignmentResult, question_id: str, lang: str) -> str:
    return words(res, f"alignment.questions.{question_id}", lang, question_id)


def mid_sentence(label: str) -> str:
    """A label inside a sentence: first letter lower-cased, acronyms (``SLA``) kept."""
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


def sentence_start(text: str) -> str:
    return text[:1].upper() + text[1:]


def signed(x: float, lang: str, decimals: int = 1) -> str:
    """A signed score difference: ``+1.7``, ``−2.6``, ``0.0`` (no ``-0.0``)."""
    return fmt.signed_number(x, lang, decimals)


def score(x: float, lang: str, decimals: int = 1) -> str:
    return fmt.number(x, lang, decimals)


def _format(value: Any, kind: str, lang: str) -> str:
    if kind == "text":
        return str(value)
    if kind == "pct":
        return fmt.pct(value, lang)
    if kind == "int":
        return fmt.number(value, lang, 0)
    if kind == "number:1":
        return fmt.number(value, lang, 1)
    if kind == "hours":
        return fmt.duration_hours(value, lang)
    if kind == "change":
        return fmt.signed_change(value, lang)
    raise ValueError(f"unknown fact format {kind!r}")


# --------------------------------------------------------------------------------------------
# Sentences
# --------------------------------------------------------------------------------------------
def fact_text(fact: str, params: dict, lang: str) -> str:
    """An evidence fact (``alignment.facts.<fact>``) with its values formatted for ``lang``."""
    values = {k: _format(v, FACT_FORMATS[k], lang) for k, v in params.items()}
    return texts.t(f"alignment.facts.{fact}", lang, **values)


def evidence_sentence(res: AlignmentResult, row: pd.Series, lang: str) -> str:
    """The indicator set against the survey, one sentence (``alignment.evidence.sentences.<form>``)."""
    fact = fact_text(row["fact"], row["params"], lang)
    values = {"fact": fact, "fact_start": sentence_start(fact)}
    if row["sentence"] != "no_survey":
        values.update(dimension=mid_sentence(dimension_label(res, row["dimension"], lang)),
                      score=score(row["score"], lang))
    if row["sentence"] in ("rated_high_but_weak", "rated_low_but_ok"):
        values.update(team=texts.t(f"alignment.values.{row['team']}", lang), team_score=score(row["team_score"], lang))
    return texts.t(f"alignment.evidence.sentences.{row['sentence']}", lang, **values)


def step_text(res: AlignmentResult, step: Step, kind: str, lang: str) -> str:
    """A derivation step (``kind='steps'``) or a caution (``kind='cautions'``) of the verdict."""
    p = dict(step.params)
    if step.code == "mean":
        p["score"] = fmt.number(p["score"], lang, 2)
    elif step.code == "weak_pillar":
        p.update(dimension=dimension_label(res, p["dimension"], lang), score=score(p["score"], lang),
                 threshold=fmt.number(p["threshold"], lang, 1))
    elif step.code == "teams_missing":
        p["teams"] = ", ".join(texts.t(f"alignment.teams.{t}", lang) for t in p["teams"])
    return texts.t(f"alignment.verdict.{kind}.{step.code}", lang, **p)


def verdict_texts(res: AlignmentResult, lang: str) -> dict[str, str]:
    """``verdict`` (level and name), ``derivation`` (the steps that applied), ``cautions``."""
    v = res.verdict
    if v.level is None:
        head = texts.t("alignment.verdict.none", lang)
    else:
        head = texts.t("alignment.verdict.level", lang, level=v.level,
                       name=texts.t(f"alignment.maturity.{v.level}.name", lang),
                       description=texts.t(f"alignment.maturity.{v.level}.description", lang))
    return {"verdict": head,
            "derivation": " ".join(step_text(res, s, "steps", lang) for s in v.steps),
            "cautions": " ".join(step_text(res, c, "cautions", lang) for c in v.cautions)}


def weakest_text(res: AlignmentResult, lang: str) -> str:
    w = res.weakest()
    if w is None:
        return ""
    return texts.t("alignment.verdict.weakest", lang, dimension=mid_sentence(dimension_label(res, w["dimension"], lang)),
                   score=score(w["score"], lang))


def largest_gap_text(res: AlignmentResult, lang: str) -> str:
    g = res.largest_gap()
    if g is None:
        return texts.t("alignment.verdict.largest_gap.none", lang)
    hi, lo = ("sales", "marketing") if g["gap"] > 0 else ("marketing", "sales")
    form = "significant" if g["significant"] else ("few_respondents" if g["caution"] else "not_significant")
    return texts.t(f"alignment.verdict.largest_gap.{form}", lang,
                   dimension=mid_sentence(dimension_label(res, g["dimension"], lang)),
                   high_team=texts.t(f"alignment.teams.{hi}", lang), high=score(g[hi], lang),
                   low_team=texts.t(f"alignment.teams.{lo}", lang), low=score(g[lo], lang),
                   gap=score(abs(g["gap"]), lang), q=fmt.pvalue(g["qvalue"], lang))


def respondents_text(res: AlignmentResult, lang: str) -> str:
    teams = ", ".join(texts.t("alignment.respondents.team", lang, team=texts.t(f"alignment.teams.{t}", lang), count=n)
                      for t, n in res.respondents_by_team().items())
    answers = texts.t("alignment.respondents.answers", lang, count=len(res.answers))
    return texts.t("alignment.respondents.summary", lang, count=res.n_respondents, teams=teams, answers=answers)


def why_text(res: AlignmentResult, row: pd.Series, lang: str) -> str:
    """Why a dimension is a priority: its score, the gap when large, its weak indicators."""
    parts = [texts.t("alignment.priorities.why.score", lang, score=score(row["score"], lang))]
    if row["gap_noted"]:
        hi, lo = ("sales", "marketing") if row["gap"] > 0 else ("marketing", "sales")
        parts.append(texts.t("alignment.priorities.why.gap", lang, high_team=texts.t(f"alignment.teams.{hi}", lang),
                             low_team=texts.t(f"alignment.teams.{lo}", lang), gap=score(abs(row["gap"]), lang)))
    ev = res.evidence
    weak = ev[(ev["status"] == "weak") & (ev["dimension"] == row["dimension"])]
    parts += [fact_text(w["fact"], w["params"], lang) for _, w in weak.iterrows()]
    return texts.t("common.list_sep", lang).join(parts)


# --------------------------------------------------------------------------------------------
# Tables (codes as columns, labelled by alignment.columns.*)
# --------------------------------------------------------------------------------------------
def score_frame(res: AlignmentResult, lang: str) -> pd.DataFrame:
    """Per dimension: label, balanced score, each team's mean [95 % t-interval] (n), ⚠ when few."""
    rows = []
    for _, d in res.dimension_table.iterrows():
        row = {"dimension": dimension_label(res, d["dimension"], lang), "score": score(d["score"], lang)}
        for t in SURVEY_TEAMS:
            s = res.scores[(res.scores["dimension"] == d["dimension"]) & (res.scores["team"] == t)]
            if len(s):
                s = s.iloc[0]
                ci = fmt.ci(s["ci_low"], s["ci_high"], lang, kind="number") if s["n"] >= 2 else fmt.MISSING
                key = "alignment.scores.cell_few" if s["too_few"] else "alignment.scores.cell"
                row[t] = texts.t(key, lang, mean=score(s["mean"], lang), ci=ci, n=int(s["n"]))
            else:
                row[t] = fmt.MISSING
        rows.append(row)
    return pd.DataFrame(rows, columns=["dimension", "score", *SURVEY_TEAMS])


def gap_frame(res: AlignmentResult, lang: str) -> pd.DataFrame:
    """Per dimension: sales and marketing means (n), gap, p, BH q, significant, caution."""
    rows = []
    for _, g in res.gaps.iterrows():
        rows.append({
            "dimension": dimension_label(res, g["dimension"], lang),
            "sales": texts.t("alignment.gaps.team_cell", lang, mean=score(g["sales"], lang), n=int(g["n_sales"])),
            "marketing": texts.t("alignment.gaps.team_cell", lang, mean=score(g["marketing"], lang), n=int(g["n_marketing"])),
            "gap": signed(g["gap"], lang),
            "pvalue": fmt.pvalue(g["pvalue"], lang), "qvalue": fmt.pvalue(g["qvalue"], lang),
            "significant": bool(g["significant"]),
            "caution": texts.t("alignment.gaps.few", lang) if g["caution"] else "",
        })
    return pd.DataFrame(rows, columns=["dimension", "sales", "marketing", "gap", "pvalue", "qvalue", "significant", "caution"])


def indicator_value(row: pd.Series, lang: str) -> str:
    """An indicator's value in ``lang`` (percent with its Wilson interval, hours, days or change)."""
    v, kind = row["value"], row["kind"]
    if kind == "pct":
        out = fmt.pct(v, lang)
        return out + " " + fmt.ci(row["ci_low"], row["ci_high"], lang) if pd.notna(row["ci_low"]) else out
    if kind == "hours":
        return fmt.duration_hours(v, lang)
    if kind == "days":
        return texts.t("alignment.evidence.days", lang, days=fmt.number(v, lang))
    return fmt.signed_change(v, lang)


def evidence_frame(res: AlignmentResult, lang: str) -> pd.DataFrame:
    """Per indicator: name, dimension, value [interval], survey vs data, the sentence."""
    rows = [{"indicator": texts.t(f"alignment.values.{r['indicator']}", lang),
             "dimension": dimension_label(res, r["dimension"], lang),
             "value": indicator_value(r, lang),
             "relation": texts.t(f"alignment.values.{r['relation']}", lang),
             "sentence": evidence_sentence(res, r, lang)} for _, r in res.evidence.iterrows()]
    return pd.DataFrame(rows, columns=["indicator", "dimension", "value", "relation", "sentence"])


def priority_frame(res: AlignmentResult, lang: str) -> pd.DataFrame:
    """Top priorities: rank, dimension, why, what to do, the notebook that works on it."""
    p = res.priorities
    return pd.DataFrame({
        "rank": p["rank"].astype(int).to_numpy(),
        "dimension": [dimension_label(res, d, lang) for d in p["dimension"]],
        "why": [why_text(res, r, lang) for _, r in p.iterrows()],
        "action": [words(res, f"alignment.dimensions.{d}.action", lang) for d in p["dimension"]],
        "notebook": [texts.t(f"alignment.notebooks.{n}", lang) if isinstance(n, str) else fmt.MISSING
                     for n in p["notebook"]],
    }, columns=["rank", "dimension", "why", "action", "notebook"])


def question_frame(res: AlignmentResult, lang: str) -> pd.DataFrame:
    """The questionnaire as asked: dimension, question id, statement, answers and mean answer."""
    per_q = res.answers.groupby("question_id")["answer"].agg(["size", "mean"]) if len(res.answers) else \
        pd.DataFrame(columns=["size", "mean"])
    ids = res.bank["id"].tolist()
    return pd.DataFrame({
        "dimension": [dimension_label(res, d, lang) for d in res.bank["dimension"]],
        "question_id": ids,
        "text": [question_text(res, q, lang) for q in ids],
        "answers": [int(per_q["size"].get(q, 0)) for q in ids],
        "mean": [float(per_q["mean"].get(q, np.nan)) for q in ids],
    }, columns=["dimension", "question_id", "text", "answers", "mean"])


def set_aside_frame(res: AlignmentResult, lang: str) -> pd.DataFrame:
    """Survey rows set aside: row in the file, column, value, reason in ``lang``."""
    out = res.set_aside.copy()
    out["reason"] = [words(res, f"alignment.set_aside.reasons.{r}", lang, r) for r in out["reason"]]
    return out


# --------------------------------------------------------------------------------------------
# The chart
# --------------------------------------------------------------------------------------------
def plot_dimension_scores(res: AlignmentResult, lang: str, ax=None):
    """Horizontal bars: each dimension's mean score per team side by side (1–5), with 95 %
    t-interval whiskers where a team has ≥ 2 respondents; dashed line at the neutral 3. Returns
    the Axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=theme.figsize("tall"))
    s = res.scores[res.scores["team"].isin(SURVEY_TEAMS)]
    dims = [d for d in res.dims["dimension"] if d in set(s["dimension"])]
    teams = [t for t in SURVEY_TEAMS if t in set(s["team"])]
    h = 0.8 / max(len(teams), 1)
    y = np.arange(len(dims))
    for i, t in enumerate(teams):
        st = s[s["team"] == t].set_index("dimension").reindex(dims)
        pos = y - 0.4 + h * (i + 0.5)
        ax.barh(pos, st["mean"] - 1, left=1, height=h, color=theme.COLORS[t], label=texts.t(f"alignment.values.{t}", lang))
        err_lo = (st["mean"] - st["ci_low"]).to_numpy(float)
        err_hi = (st["ci_high"] - st["mean"]).to_numpy(float)
        ax.errorbar(st["mean"], pos, xerr=np.vstack([err_lo, err_hi]), fmt="none", ecolor="#333333",
                    elinewidth=0.8, capsize=2)
    ax.axvline(3, color=theme.COLORS["neutral"], linestyle="--", linewidth=1)
    ax.set_yticks(y, [dimension_label(res, d, lang) for d in dims])
    ax.invert_yaxis()
    ax.set_xlim(1, 5)
    ax.set_xticks([1, 2, 3, 4, 5])
    ax.set_xlabel(texts.t("alignment.scores.chart.axis", lang))
    ax.set_title(texts.t("alignment.scores.chart.title", lang), pad=28)
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=max(len(teams), 1), frameon=False,
              borderaxespad=0.2)
    theme.localize(ax, lang)
    return ax


# --------------------------------------------------------------------------------------------
# The live questionnaire (JupyterLab)
# --------------------------------------------------------------------------------------------
def questionnaire_form(res: AlignmentResult, client, lang: str, *, answered_at: Any = None):
    """An ipywidgets form to run the questionnaire live: respondent name, team, one 1–5 toggle per
    question, and a Save button that appends the answers to the client's survey file
    (:func:`smk.io.survey.save_answers`) and says how many were written. ``answered_at``
    (optional): a timestamp or a callable returning one; default: the moment *Save* is pressed, in
    the client's timezone (the one place the playbook reads the clock: it stamps a live answer, it
    never enters an analysis as "now")."""
    import ipywidgets as w  # local: only JupyterLab sessions draw the form (ipywidgets is slow to import)

    t = lambda key, **v: texts.t(key, lang, **v)  # noqa: E731
    name = w.Text(description=t("alignment.live.name"), placeholder=t("alignment.live.name_placeholder"))
    team = w.Dropdown(options=[(t(f"alignment.values.{x}"), x) for x in SURVEY_TEAMS], description=t("alignment.live.team"))
    scale = ((t("alignment.live.scale_low"), 1), ("2", 2), ("3", 3), ("4", 4), (t("alignment.live.scale_high"), 5))
    toggles = {}
    rows = []
    for _, q in res.bank.iterrows():
        toggle = w.ToggleButtons(options=scale, value=None, style={"button_width": "auto"})
        toggles[q["id"]] = toggle
        rows.append(w.VBox([w.HTML(render_string("<b>{{ label }}</b> — {{ text }}",
                                                 label=dimension_label(res, q["dimension"], lang),
                                                 text=question_text(res, q["id"], lang))), toggle]))
    status = w.HTML()
    button = w.Button(description=t("alignment.live.save"), button_style="primary")

    def on_save(_):
        stamp = (answered_at() if callable(answered_at) else answered_at) if answered_at is not None \
            else pd.Timestamp.now(tz=client.config.tz)
        picked = [{"respondent": name.value, "team": team.value, "question_id": qid, "answer": tg.value,
                   "answered_at": stamp} for qid, tg in toggles.items() if tg.value is not None]
        if not picked:
            status.value = render_string("{{ m }}", m=t("alignment.live.pick_one"))
            return
        try:
            path = save_answers(client.config, picked, bank=res.bank,
                                client_dir=None if client.config.path else client.path)
        except (ValueError, ConfigError) as exc:
            status.value = render_string("<span style='color:#D55E00'>{{ m }}</span>", m=str(exc))
            return
        status.value = render_string("{{ m }}", m=t("alignment.live.saved", count=len(picked), file=path.name))
        for tg in toggles.values():
            tg.value = None

    button.on_click(on_save)
    return w.VBox([w.HBox([name, team]), *rows, button, status])


# --------------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------------
@section(AlignmentResult, "verdict")
def verdict(res: AlignmentResult, ctx, **options) -> list:
    """The verdict box (level and name, how it was derived, cautions), then the weakest dimension
    and the largest perception gap."""
    n = verdict_texts(res, ctx.lang)
    box = render_string('<div class="smk-note smk-note"><p><strong>{{ v }}</strong></p>'
                        '{% if d %}<p>{{ d }}</p>{% endif %}{% if c %}<p><em>{{ c }}</em></p>{% endif %}</div>',
                        v=n["verdict"], d=n["derivation"], c=n["cautions"])
    plain = "\n".join(x for x in (n["verdict"], n["derivation"], n["cautions"]) if x)
    sentence = " ".join(x for x in (weakest_text(res, ctx.lang), largest_gap_text(res, ctx.lang)) if x)
    return [Html(box, plain), text_html(sentence)]


@section(AlignmentResult, "priorities")
def priorities(res: AlignmentResult, ctx, **options) -> list:
    return [ctx.table(priority_frame(res, ctx.lang), labels="alignment.columns")]


@section(AlignmentResult, "respondents")
def respondents(res: AlignmentResult, ctx, **options) -> list:
    return [text_html(respondents_text(res, ctx.lang))]


@section(AlignmentResult, "set_aside")
def set_aside(res: AlignmentResult, ctx, **options) -> list:
    if res.set_aside.empty:
        return [ctx.para("alignment.set_aside.none")]
    return [ctx.table(set_aside_frame(res, ctx.lang), labels="alignment.columns")]


@section(AlignmentResult, "score_chart")
def score_chart(res: AlignmentResult, ctx, **options):
    return plot_dimension_scores(res, ctx.lang).figure


@section(AlignmentResult, "scores")
def scores(res: AlignmentResult, ctx, **options) -> list:
    return [ctx.table(score_frame(res, ctx.lang), labels="alignment.columns"), labels.method_note(ctx, "alignment.scores.method")]


@section(AlignmentResult, "gaps")
def gaps(res: AlignmentResult, ctx, **options) -> list:
    return [ctx.table(gap_frame(res, ctx.lang), formats={"pvalue": "text", "qvalue": "text", "significant": "bool"},
                      labels="alignment.columns"), labels.method_note(ctx, "alignment.gaps.method")]


@section(AlignmentResult, "evidence")
def evidence(res: AlignmentResult, ctx, **options) -> list:
    return [ctx.table(evidence_frame(res, ctx.lang), labels="alignment.columns"), labels.method_note(ctx, "alignment.evidence.method")]


@section(AlignmentResult, "questions")
def questions(res: AlignmentResult, ctx, **options) -> list:
    shown = question_frame(res, ctx.lang).drop(columns=["question_id"])  # an internal id: the analyst's view only
    return [ctx.table(shown, formats={"mean": "number:1"}, labels="alignment.columns"),
            *labels.analyst_note(ctx, "alignment.questionnaire.analyst")]


@section(AlignmentResult, "form")
def form(res: AlignmentResult, ctx, **options):
    """The live questionnaire, under its heading and intro; nothing outside JupyterLab (reports,
    papermill, nbval): it is the consultant's tool, not the client's text."""
    if not ctx.interactive:
        return None
    return [text_html(ctx.text("alignment.live.title"), tag="h2"), ctx.para("alignment.live.intro"),
            questionnaire_form(res, ctx.client, ctx.lang, **options)]


__all__ = [
    "dimension_label", "evidence_frame", "evidence_sentence", "fact_text", "gap_frame", "indicator_value",
    "largest_gap_text", "mid_sentence", "plot_dimension_scores", "priority_frame", "question_frame",
    "question_text", "questionnaire_form", "respondents_text", "score_frame", "set_aside_frame", "signed",
    "step_text", "verdict_texts", "weakest_text", "why_text", "words",
]
