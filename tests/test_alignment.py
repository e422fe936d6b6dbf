"""Tests for notebook 01 (alignment audit): the compute in smk.analyses.alignment, the question bank
and answer files in smk.io.survey, and what a reader sees in smk.views.alignment.

Hand-made survey and CRM tables with every expected number worked out by hand in comments,
an independent brute-force recomputation of the permutation p-values, the demo client's planted
weaknesses (when data/demo exists), the widget-free answer saving, and the exact texts of the
views in English and Spanish.
"""
from __future__ import annotations

import csv
import itertools
import json
import math
from pathlib import Path
from types import SimpleNamespace

import matplotlib
import numpy as np
import pandas as pd
import pytest
from conftest import title_of

matplotlib.use("Agg")

import smk.report  # noqa: E402
from smk import texts  # noqa: E402
from smk.analyses import alignment as al  # noqa: E402
from smk.analyses.base import Headline  # noqa: E402
from smk.client import Client  # noqa: E402
from smk.errors import ConfigError  # noqa: E402
from smk.io import survey  # noqa: E402
from smk.io.config import parse_config  # noqa: E402
from smk.io.ledger import Ledger  # noqa: E402
from smk.analyses.stats import wilson_interval  # noqa: E402
from smk.views import alignment as view  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TZ = "UTC"


def ts(s: str) -> pd.Timestamp:
    return pd.Timestamp(s, tz=TZ)


def make_client(survey: pd.DataFrame | None, leads: pd.DataFrame | None = None, *, deals=None, attempts=None,
                data_end: str = "2026-06-30 23:00", extra_config: dict | None = None) -> Client:
    cfg = {"name": "Test", "tables": {"leads": {"file": "leads.csv"}, "survey": {"file": "survey.csv"}}}
    cfg.update(extra_config or {})
    config = parse_config(cfg)
    if leads is None:
        # a neutral CRM: one recent MQL with a source -> no weak indicator, the verdict is the survey's
        leads = pd.DataFrame({"lead_id": ["X1"], "created_at": [ts("2026-06-01")], "mql_at": [ts("2026-06-02")],
                              "channel": ["email"]})
    tables = {"leads": leads}
    if survey is not None:
        s = survey.copy()
        s["_source_row"] = np.arange(2, len(s) + 2)
        tables["survey"] = s
    if deals is not None:
        tables["deals"] = deals
    if attempts is not None:
        tables["contact_attempts"] = attempts
    return Client(config=config, tables=tables, ledger=Ledger(), rows_in={k: len(v) for k, v in tables.items()},
                  data_end=ts(data_end))


def answers(rows: list[tuple[str, str, str, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["respondent", "team", "question_id", "answer"])


# Hand-made survey. Respondent-level dimension scores:
#   follow_up     sales s1=4 s2=5 s3=4 (mean 13/3=4.3333) | marketing m1=2 m2=1 m3=2 (5/3=1.6667) | mgmt g1=3
#   meetings      sales s1=(3+4)/2=3.5 s2=(2+2)/2=2 s3=(3+3)/2=3 (8.5/3=2.8333)
#                 marketing m1=(4+4)/2=4 m2=(3+5)/2=4 m3=(5+4)/2=4.5 (12.5/3=4.1667) | mgmt g1=(3+3)/2=3
#   lead_quality  sales s1=1 s2=2 s3=3 (2.0) | marketing m1=4 m2=5 (4.5; m3 did not answer) | mgmt g1=3
HAND = answers([
    ("s1", "sales", "follow_up", 4), ("s2", "sales", "follow_up", 5), ("s3", "sales", "follow_up", 4),
    ("m1", "marketing", "follow_up", 2), ("m2", "marketing", "follow_up", 1), ("m3", "marketing", "follow_up", 2),
    ("g1", "management", "follow_up", 3),
    ("s1", "sales", "meetings_frequency", 3), ("s1", "sales", "meetings_quality", 4),
    ("s2", "sales", "meetings_frequency", 2), ("s2", "sales", "meetings_quality", 2),
    ("s3", "sales", "meetings_frequency", 3), ("s3", "sales", "meetings_quality", 3),
    ("m1", "marketing", "meetings_frequency", 4), ("m1", "marketing", "meetings_quality", 4),
    ("m2", "marketing", "meetings_frequency", 3), ("m2", "marketing", "meetings_quality", 5),
    ("m3", "marketing", "meetings_frequency", 5), ("m3", "marketing", "meetings_quality", 4),
    ("g1", "management", "meetings_frequency", 3), ("g1", "management", "meetings_quality", 3),
    ("s1", "sales", "lead_quality", 1), ("s2", "sales", "lead_quality", 2), ("s3", "sales", "lead_quality", 3),
    ("m1", "marketing", "lead_quality", 4), ("m2", "marketing", "lead_quality", 5),
    ("g1", "management", "lead_quality", 3),
])


def brute_force_u_pvalue(x, y) -> float:
    """Independent recomputation: enumerate every split of the pooled scores, U with midranks,
    two-sided p = 2·min(P(U ≥ u_obs), P(U ≤ u_obs)), capped at 1."""
    pooled = list(x) + list(y)
    n, k = len(pooled), len(x)

    def u_of(idx):
        ranks = pd.Series(pooled).rank(method="average").to_numpy()
        return ranks[list(idx)].sum() - k * (k + 1) / 2

    u_obs = u_of(range(k))
    us = [u_of(c) for c in itertools.combinations(range(n), k)]
    ge = sum(u >= u_obs - 1e-9 for u in us) / len(us)
    le = sum(u <= u_obs + 1e-9 for u in us) / len(us)
    return min(1.0, 2 * min(ge, le))


def ctx_for(client, lang, out, *, interactive=False):
    """A real notebook context on an in-memory client (no theme, output in ``out``)."""
    ctx = smk.report.setup(client=client, lang=lang, output_dir=out, apply_theme=False)
    ctx.interactive = interactive
    return ctx


NO_CLIENT_TEXTS = SimpleNamespace(client_texts={})  # what the word helpers read of a result


# ---------------------------------------------------------------------------------------------
# question bank (structure in smk/io/data/questions.yml, words in the catalogue or client.yml)
# ---------------------------------------------------------------------------------------------
DEMO_IDS = ["meetings_frequency", "meetings_quality", "heads_relationship", "shared_definitions", "sla_exists",
            "closed_loop", "lead_quality", "follow_up", "shared_goals", "shared_roles", "shared_tools"]


def test_default_bank_has_the_demo_ids_and_their_words_in_both_languages():
    bank = survey.question_bank()
    assert bank["id"].tolist() == DEMO_IDS and bank.columns.tolist() == ["id", "dimension", "notebook", "order"]
    for q in DEMO_IDS:
        en, es = (view.question_text(NO_CLIENT_TEXTS, q, lang) for lang in ("en", "es"))
        assert len(en) > 20 and len(es) > 20 and en != es
    assert view.question_text(NO_CLIENT_TEXTS, "follow_up", "es") == (
        "Ventas hace seguimiento de cada lead calificado por marketing con rapidez y con suficientes intentos de contacto.")
    # meetings_frequency and meetings_quality share a dimension: 10 dimensions for 11 questions
    dims = survey.dimensions(bank)
    assert len(dims) == 10
    assert dims.set_index("dimension").loc["meetings", "n_questions"] == 2
    assert set(dims["notebook"]) <= set(survey.NOTEBOOKS)
    assert dims.set_index("dimension").loc["follow_up", "notebook"] == "05"
    assert dims.set_index("dimension").loc["definitions", "notebook"] == "02"
    for d in dims["dimension"]:
        for lang in ("en", "es"):
            assert texts.has(f"alignment.dimensions.{d}.label", lang) and texts.has(f"alignment.dimensions.{d}.action", lang)
    assert [view.dimension_label(NO_CLIENT_TEXTS, "follow_up", lang) for lang in ("en", "es")] == [
        "Follow-up", "Seguimiento de leads"]
    assert survey.client_texts() == {}


PARTNER_SURVEY = {"questions": [
    {"id": "follow_up", "dimension": "follow_up", "text_en": "Sales calls back fast.", "text_es": "Ventas llama rápido."},
    {"id": "partner_program", "dimension": "partners", "text_en": "Partners get leads.", "text_es": "Los socios reciben leads.",
     "label_en": "Partners", "label_es": "Socios", "notebook": "04", "action_en": "pay partners on time",
     "action_es": "pagar a tiempo a los socios"},
]}


def test_client_can_add_and_replace_questions():
    cfg = parse_config({"name": "T", "tables": {"leads": {"file": "l.csv"}}, "survey": PARTNER_SURVEY})
    bank = survey.question_bank(cfg.survey)
    assert len(bank) == 12  # 11 default, follow_up replaced (moved to the end), 1 new
    assert bank["id"].tolist()[-2:] == ["follow_up", "partner_program"]
    p = bank.set_index("id").loc["partner_program"]
    assert (p["dimension"], p["notebook"]) == ("partners", "04")
    words = survey.client_texts(cfg.survey)
    assert words == {
        "alignment.questions.follow_up": {"en": "Sales calls back fast.", "es": "Ventas llama rápido."},
        "alignment.questions.partner_program": {"en": "Partners get leads.", "es": "Los socios reciben leads."},
        "alignment.dimensions.partners.label": {"en": "Partners", "es": "Socios"},
        "alignment.dimensions.partners.action": {"en": "pay partners on time", "es": "pagar a tiempo a los socios"},
    }
    own = SimpleNamespace(client_texts=words)
    assert view.question_text(own, "follow_up", "es") == "Ventas llama rápido."
    assert view.question_text(own, "shared_goals", "en").startswith("Sales and marketing work towards shared numeric goals")
    assert view.dimension_label(own, "partners", "es") == "Socios"
    assert view.dimension_label(own, "follow_up", "en") == "Follow-up"  # the client did not relabel it
    cfg2 = parse_config({"name": "T", "tables": {"leads": {"file": "l.csv"}}, "survey": {"replace": True, "questions": [
        {"id": "q1", "dimension": "d1", "text_en": "One", "text_es": "Uno"}]}})
    bank2 = survey.question_bank(cfg2.survey)
    assert bank2["id"].tolist() == ["q1"] and bank2.loc[0, "notebook"] is None
    # a dimension nobody words is shown by its id
    assert view.dimension_label(SimpleNamespace(client_texts=survey.client_texts(cfg2.survey)), "d1", "es") == "d1"


def test_client_question_without_text_is_a_config_error():
    cfg = parse_config({"name": "T", "tables": {"leads": {"file": "l.csv"}}, "survey": {"questions": [
        {"id": "q1", "dimension": "d1", "text_en": "One"}]}})
    with pytest.raises(ConfigError, match="text_es"):
        survey.question_bank(cfg.survey)
    cfg = parse_config({"name": "T", "tables": {"leads": {"file": "l.csv"}}, "survey": {"questions": [
        {"id": "q1", "dimension": "d1", "text_en": "One", "text_es": "Uno", "colour": "red"}]}})
    with pytest.raises(ConfigError, match="unknown key"):
        survey.question_bank(cfg.survey)


def test_client_questions_reach_the_report_in_the_report_language(tmp_path):
    """Client-defined questions (client.yml text_en/text_es) appear in the questionnaire, the
    scores and the priorities, escaped like every value from the client."""
    survey_cfg = {"questions": [*PARTNER_SURVEY["questions"],
                                {"id": "xss", "dimension": "partners", "text_en": "<script>alert(1)</script> & co",
                                 "text_es": "<b>negrita</b>"}]}
    s = answers([(r, t, "partner_program", v) for r, t, v in (("s1", "sales", 1), ("s2", "sales", 2), ("s3", "sales", 1),
                                                                 ("m1", "marketing", 2), ("m2", "marketing", 1),
                                                                 ("m3", "marketing", 2))])
    client = make_client(s, extra_config={"survey": survey_cfg})
    res = al.analyse(client)
    assert res.priorities["dimension"].tolist() == ["partners"]
    for lang, label, statement, action, notebook in (
            ("en", "Partners", "Partners get leads.", "pay partners on time", "04 Service level agreement (SLA)"),
            ("es", "Socios", "Los socios reciben leads.", "pagar a tiempo a los socios", "04 Acuerdo de nivel de servicios (ANS)")):
        q = view.question_frame(res, lang).set_index("question_id")
        assert (q.loc["partner_program", "dimension"], q.loc["partner_program", "text"]) == (label, statement)
        assert q.loc["partner_program", "answers"] == 6 and q.loc["partner_program", "mean"] == pytest.approx(1.5)
        p = view.priority_frame(res, lang).iloc[0]
        assert (p["dimension"], p["action"], p["notebook"]) == (label, action, notebook)
        html = str(ctx_for(client, lang, tmp_path).table(view.question_frame(res, lang), labels="alignment.columns"))
        raw, escaped = {"en": ("<script>", "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"),
                        "es": ("<b>negrita", "&lt;b&gt;negrita&lt;/b&gt;")}[lang]
        assert raw not in html and escaped in html
    assert res.headlines()[1] == Headline("alignment.headline.weakest", 1.5, "number:1",
                                          display="alignment.headline.dimension", params={"dimension": "partners"})


# ---------------------------------------------------------------------------------------------
# cleaning / ledger
# ---------------------------------------------------------------------------------------------
def test_bad_answers_go_to_the_ledger_once(tmp_path):
    s = answers([
        ("a", "sales", "follow_up", 4),            # row 2 ok
        ("a", "sales", "coffee_quality", 5),       # row 3 unknown question
        ("b", "marketing", "follow_up", 6),        # row 4 out of range
        ("c", "marketing", "follow_up", 0),        # row 5 out of range
        ("d", "marketing", "lead_quality", 3.5),   # row 6 not a whole number -> out of range
        ("a", "sales", "follow_up", 2),            # row 7 same respondent + question again -> duplicate
        ("e", "management", "shared_goals", 5),    # row 8 ok
    ])
    client = make_client(s)
    clean = survey.clean_survey(client)
    assert clean["_source_row"].tolist() == [2, 8]
    assert clean["answer"].tolist() == [4, 5]
    assert clean["dimension"].tolist() == ["follow_up", "goals"]
    led = client.ledger.to_frame()
    got = sorted(zip(led["source_row"].astype(int), led["reason"]))
    assert got == [(3, "unknown_question"), (4, "out_of_range"), (5, "out_of_range"), (6, "out_of_range"),
                   (7, "duplicate_id")]
    assert set(led["table"]) == {"survey"} and set(led["file"]) == {"survey.csv"}
    # idempotent: a second call (e.g. analyse() after clean_survey()) records nothing new
    again = survey.clean_survey(client)
    assert len(client.ledger) == 5
    pd.testing.assert_frame_equal(clean, again)
    res = al.analyse(client)
    assert len(client.ledger) == 5
    assert res.set_aside["source_row"].tolist() == [3, 4, 5, 6, 7]
    assert res.set_aside["reason"].tolist() == ["unknown_question", "out_of_range", "out_of_range", "out_of_range",
                                                "duplicate_id"]
    assert res.set_aside.loc[0, "value"] == "coffee_quality"
    shown = view.set_aside_frame(res, "es")
    assert shown.loc[0, "reason"] == "pregunta desconocida en el banco de preguntas"
    assert shown.loc[4, "reason"] == "la misma persona respondió otra vez la misma pregunta (se conserva la primera respuesta)"
    assert view.set_aside_frame(res, "en").loc[1, "reason"] == "value out of the allowed range"
    table = ctx_for(client, "es", tmp_path).table(shown, labels="alignment.columns")
    assert table.text.splitlines()[0] == "Fila en el archivo | Columna | Valor | Motivo"
    # invariant: rows read == rows kept + rows set aside
    assert len(s) == len(clean) + len(client.ledger.set_aside("survey"))


def test_no_survey_gives_empty_answers_and_no_verdict(tmp_path):
    client = make_client(None)
    a = al.analyse(client)
    assert a.answers.empty and a.dimension_table.empty and a.priorities.empty and a.set_aside.empty
    assert a.verdict.level is None and a.verdict.caution_codes() == ["no_answers"]
    assert set(a.missing) == {"priorities", "score_chart", "scores", "gaps"}
    assert [h.label for h in a.headlines()] == []
    assert view.verdict_texts(a, "en") == {"verdict": "No valid answers: no maturity level can be given.",
                                           "derivation": "", "cautions": "No valid survey answers."}
    assert view.verdict_texts(a, "es")["verdict"] == "No hay respuestas válidas: no se puede dar un nivel de madurez."
    assert view.respondents_text(a, "en") == "Nobody has given a valid answer to the questionnaire yet."
    assert view.respondents_text(a, "es") == "Todavía nadie ha dado una respuesta válida al cuestionario."
    for lang, note in (("en", "Not enough data: The questionnaire has no valid answers yet: this part needs at least one."),
                       ("es", "No hay datos suficientes: El cuestionario aún no tiene respuestas válidas: esta parte necesita al menos una.")):
        ctx = ctx_for(client, lang, tmp_path)
        ctx.show(a, "scores")
        ctx.show(a, "set_aside")
        assert repr(ctx.shown[0]) == note
        assert repr(ctx.shown[1]) == {"en": "No answer was set aside.", "es": "No se apartó ninguna respuesta."}[lang]


# ---------------------------------------------------------------------------------------------
# scores and gaps on the hand-made survey
# ---------------------------------------------------------------------------------------------
@pytest.fixture()
def hand_audit():
    return al.analyse(make_client(HAND), pd.Period("2026-06", freq="M"))


def test_result_is_a_frozen_result(hand_audit):
    from dataclasses import FrozenInstanceError

    from smk.analyses.base import Result

    assert isinstance(hand_audit, Result)
    with pytest.raises(FrozenInstanceError):
        hand_audit.verdict = None


def test_team_scores_by_hand(hand_audit):
    sc = hand_audit.scores.set_index(["dimension", "team"])
    assert sc.loc[("follow_up", "sales"), "mean"] == pytest.approx(13 / 3)
    assert sc.loc[("follow_up", "marketing"), "mean"] == pytest.approx(5 / 3)
    assert sc.loc[("meetings", "sales"), "mean"] == pytest.approx(8.5 / 3)
    assert sc.loc[("meetings", "marketing"), "mean"] == pytest.approx(12.5 / 3)
    assert sc.loc[("lead_quality", "marketing"), "n"] == 2
    assert bool(sc.loc[("lead_quality", "marketing"), "too_few"]) and not bool(sc.loc[("follow_up", "sales"), "too_few"])
    # pooled 'all' row for follow_up: (4+5+4+2+1+2+3)/7 = 21/7 = 3
    assert sc.loc[("follow_up", "all"), "mean"] == pytest.approx(3.0) and sc.loc[("follow_up", "all"), "n"] == 7
    # t-interval, sales follow_up [4,5,4]: mean 4.3333, s = sqrt(((1/3)²·2 + (2/3)²)/2) = sqrt(1/3) = 0.57735,
    # se = 0.57735/√3 = 1/3, t(0.975, 2) = 4.302653 -> half = 1.434218 -> [2.899115, 5.767551 -> clipped 5]
    assert sc.loc[("follow_up", "sales"), "ci_low"] == pytest.approx(13 / 3 - 4.302653 / 3, abs=1e-5)
    assert sc.loc[("follow_up", "sales"), "ci_high"] == 5.0
    # one respondent (management): no interval
    assert math.isnan(sc.loc[("follow_up", "management"), "ci_low"])


def test_score_table_by_hand_in_both_languages(hand_audit):
    # follow_up sales [4,5,4]: 4.3 [2.9, 5.0] (n=3); marketing m1..m3 [2,1,2]: 1.7, s = 0.57735 -> [0.23 -> 1.0, 3.1];
    # lead_quality marketing has 2 people: ⚠; management one person: no interval, ⚠
    en = view.score_frame(hand_audit, "en").set_index("dimension")
    assert en.loc["Follow-up"].tolist() == ["3.0", "4.3 [2.9, 5.0] (n=3)", "1.7 [1.0, 3.1] (n=3)", "3.0 – (n=1) ⚠"]
    assert en.loc["Lead quality", "marketing"] == "4.5 [1.0, 5.0] (n=2) ⚠"
    es = view.score_frame(hand_audit, "es").set_index("dimension")
    # a decimal comma: the two ends of an interval separated by a semicolon
    assert es.loc["Seguimiento de leads"].tolist() == ["3,0", "4,3 [2,9; 5,0] (n=3)", "1,7 [1,0; 3,1] (n=3)", "3,0 – (n=1) ⚠"]


def test_balanced_scores_and_gaps_by_hand(hand_audit):
    t = hand_audit.dimension_table.set_index("dimension")
    assert list(t.index) == ["meetings", "lead_quality", "follow_up"]  # questionnaire order, answered dims only
    # balanced score = mean of team means: follow_up (13/3 + 5/3 + 3)/3 = 3.0;
    # meetings (8.5/3 + 12.5/3 + 3)/3 = 10/3; lead_quality (2 + 4.5 + 3)/3 = 9.5/3
    assert t.loc["follow_up", "score"] == pytest.approx(3.0)
    assert t.loc["meetings", "score"] == pytest.approx(10 / 3)
    assert t.loc["lead_quality", "score"] == pytest.approx(9.5 / 3)
    g = hand_audit.gaps.set_index("dimension")
    assert g.loc["follow_up", "gap"] == pytest.approx(13 / 3 - 5 / 3)   # +2.6667
    assert g.loc["meetings", "gap"] == pytest.approx(8.5 / 3 - 12.5 / 3)  # −1.3333
    assert g.loc["lead_quality", "gap"] == pytest.approx(2 - 4.5)       # −2.5
    # follow_up: every sales score above every marketing score -> U = 3·3 = 9; ties (4,4 / 2,2) -> exact
    # permutation: of C(6,3) = 20 splits only {4,5,4} gives U = 9 and only {2,1,2} gives U = 0, so
    # p = 2 · 1/20 = 0.1. meetings: sales all below -> U = 0, ties (4,4) -> p = 0.1 the same way.
    # lead_quality: no ties, [1,2,3] vs [4,5], U = 0 -> scipy exact: 2 · 1/C(5,2) = 0.2.
    assert g.loc["follow_up", "u"] == 9 and g.loc["follow_up", "pvalue"] == pytest.approx(0.1)
    assert g.loc["follow_up", "method"] == "permutation_exact"
    assert g.loc["meetings", "u"] == 0 and g.loc["meetings", "pvalue"] == pytest.approx(0.1)
    assert g.loc["lead_quality", "pvalue"] == pytest.approx(0.2) and g.loc["lead_quality", "method"] == "exact"
    # rank-biserial effect 2U/(n1 n2) − 1: follow_up +1, meetings −1
    assert g.loc["follow_up", "effect"] == 1 and g.loc["meetings", "effect"] == -1
    # BH over p = (0.1 meetings, 0.2 lead_quality, 0.1 follow_up), m = 3: sorted 0.1, 0.1, 0.2 ->
    # 0.1·3/1 = 0.3, 0.1·3/2 = 0.15, 0.2·3/3 = 0.2 -> running min from the top: 0.15, 0.15, 0.2
    assert g.loc["meetings", "qvalue"] == pytest.approx(0.15)
    assert g.loc["follow_up", "qvalue"] == pytest.approx(0.15)
    assert g.loc["lead_quality", "qvalue"] == pytest.approx(0.2)
    # marketing has 2 respondents on lead_quality: caution; nothing is significant at q < 0.05
    assert bool(g.loc["lead_quality", "caution"]) and not bool(g.loc["follow_up", "caution"])
    assert not g["significant"].any()


def test_gap_test_matches_brute_force_enumeration():
    rng = np.random.default_rng(7)
    for _ in range(6):
        x = rng.integers(1, 6, size=rng.integers(2, 6)).astype(float)
        y = rng.integers(1, 6, size=rng.integers(2, 6)).astype(float)
        got = al.gap_test(x, y)
        assert got["pvalue"] == pytest.approx(brute_force_u_pvalue(x, y), abs=1e-9), (x, y)


def test_gap_test_no_ties_equals_scipy_exact_and_one_respondent_is_not_tested():
    # [1,2] vs [3,4,5]: U = 0, C(5,2) = 10 splits, p = 2/10
    assert al.gap_test([1, 2], [3, 4, 5])["pvalue"] == pytest.approx(0.2)
    one = al.gap_test([4], [1, 2, 3])
    assert math.isnan(one["pvalue"]) and one["method"] == "none"


def test_verdict_and_priorities_by_hand(hand_audit):
    v = al.maturity(hand_audit.dimension_table, evidence=None)
    # S = (10/3 + 9.5/3 + 3)/3 = 3.1667 -> 2.6 <= S < 3.4 -> level 3 (Cooperating); no dimension < 2.5
    assert v.score == pytest.approx((10 / 3 + 9.5 / 3 + 3) / 3)
    assert v.level == 3 and v.step_codes() == ["mean"]
    assert [texts.t(f"alignment.maturity.{v.level}.name", lang) for lang in ("en", "es")] == ["Cooperating", "Cooperando"]
    # two weak indicators from the data: one level down
    ev = pd.DataFrame({"dimension": ["follow_up", "closed_loop"], "status": ["weak", "weak"],
                       "fact": ["source_recorded.share", "deals_linked.share"], "params": [{"share": 0.5}, {"share": 0.25}]})
    assert al.maturity(hand_audit.dimension_table, ev).level == 2
    # priority = (5 − score) + |gap| + weak indicators:
    #   follow_up 2 + 2.6667 = 4.6667; lead_quality (5 − 3.1667) + 2.5 = 4.3333; meetings 1.6667 + 1.3333 = 3
    p = al.priorities(hand_audit.dimension_table, hand_audit.dims)
    assert p["dimension"].tolist() == ["follow_up", "lead_quality", "meetings"]
    assert p["priority_score"].tolist() == pytest.approx([14 / 3, 13 / 3, 3.0])
    assert p["notebook"].tolist() == ["05", "02", "06"]
    assert p["gap_noted"].tolist() == [True, True, True]  # |gap| 2.67, 2.5, 1.33 >= 0.5
    assert view.why_text(hand_audit, p.loc[0], "en") == "scores 3.0/5; sales rates it 2.7 points higher than marketing"
    assert view.why_text(hand_audit, p.loc[1], "es") == "puntúa 3,2/5; marketing la puntúa 2,5 puntos más que ventas"
    # with a weak follow-up indicator follow_up gains one point: 4.6667 + 1, and the fact joins the reasons
    p2 = al.priorities(hand_audit.dimension_table, hand_audit.dims, ev)
    assert p2.loc[0, "priority_score"] == pytest.approx(14 / 3 + 1) and p2.loc[0, "n_weak"] == 1
    with_ev = SimpleNamespace(client_texts={}, evidence=ev)
    assert view.why_text(with_ev, p2.loc[0], "en") == (
        "scores 3.0/5; sales rates it 2.7 points higher than marketing; 50.0 % of leads have a recorded source (channel)")
    assert view.why_text(with_ev, p2.loc[0], "es") == (
        "puntúa 3,0/5; ventas la puntúa 2,7 puntos más que marketing; el 50,0 % de los leads tiene un origen (canal) registrado")


def test_level_edges():
    assert [al.level_from_score(s) for s in (1.0, 1.79, 1.8, 2.6, 3.39, 3.4, 4.2, 5.0)] == [1, 1, 2, 3, 3, 4, 5, 5]


def test_weak_pillar_caps_level_at_three():
    table = pd.DataFrame({"dimension": ["a", "b", "c"], "score": [5.0, 5.0, 2.0], "sales": [5, 5, 2],
                          "marketing": [5, 5, 2], "management": [np.nan] * 3, "n_all": [8, 8, 8]})
    # S = 4.0 -> level 4, but C scores 2.0 < 2.5 -> 3
    v = al.maturity(table)
    assert v.level == 3 and v.step_codes() == ["mean", "weak_pillar"]
    assert dict(v.steps[1].params) == {"dimension": "c", "score": 2.0, "threshold": 2.5, "level": 3}
    assert view.step_text(NO_CLIENT_TEXTS, v.steps[1], "steps", "en") == "c scores 2.0/5 (below 2.5): at most level 3."


def test_weak_pillar_texts_on_a_survey():
    # 3 sales + 3 marketing answer 5 to every question except follow-up (1): S = (9·5 + 1)/10 = 4.6 -> level 5;
    # follow-up 1.0 < 2.5 -> at most 3. The neutral CRM has no weak indicator.
    s = answers([(r, t, q, 1 if q == "follow_up" else 5) for r, t in (("s1", "sales"), ("s2", "sales"), ("s3", "sales"),
                                                                       ("m1", "marketing"), ("m2", "marketing"),
                                                                       ("m3", "marketing")) for q in DEMO_IDS])
    res = al.analyse(make_client(s))
    assert res.verdict.score == pytest.approx(4.6) and res.verdict.level == 3 and res.verdict.cautions == ()
    assert view.verdict_texts(res, "en") == {
        "verdict": "Maturity level 3 of 5: Cooperating (some shared practices, with weak pillars that hold the rest back).",
        "derivation": "Mean score over 10 dimensions (each team weighs the same): 4.60/5 → level 5. "
                      "Follow-up scores 1.0/5 (below 2.5): at most level 3.",
        "cautions": ""}
    assert view.verdict_texts(res, "es") == {
        "verdict": "Nivel de madurez 3 de 5: Cooperando (algunas prácticas compartidas, con pilares débiles que frenan el resto).",
        "derivation": "Puntuación media de 10 dimensiones (cada equipo pesa igual): 4,60/5 → nivel 5. "
                      "«Seguimiento de leads» puntúa 1,0/5 (menos de 2,5): como mucho nivel 3.",
        "cautions": ""}


def test_headlines_and_narrative(hand_audit, tmp_path):
    # largest |gap|: follow_up 2.67 > lead_quality 2.5 > meetings 1.33; weakest: follow_up 3.0
    assert hand_audit.headlines() == [
        Headline("alignment.headline.level", 3, "int", display="alignment.maturity.3.headline"),
        Headline("alignment.headline.weakest", 3.0, "number:1", display="alignment.dimensions.follow_up.label"),
        Headline("alignment.headline.largest_gap", 2.67, "number:1", display="alignment.dimensions.follow_up.label"),
    ]
    assert [texts.t(h.label, "es") for h in hand_audit.headlines()] == [
        "Nivel de madurez", "Dimensión más débil", "Mayor brecha de percepción"]
    client = make_client(HAND)
    for lang, displays in (("en", ["3/5 · Cooperating", "Follow-up", "Follow-up"]),
                           ("es", ["3/5 · Cooperando", "Seguimiento de leads", "Seguimiento de leads"])):
        out = tmp_path / lang
        ctx_for(client, lang, out).save_headlines("01", hand_audit)
        saved = json.loads((out / "01.headlines.json").read_text(encoding="utf-8"))
        assert [i["display"] for i in saved["items"]] == displays
        assert [i["value"] for i in saved["items"]] == [3, 3.0, 2.67]
    gt = view.gap_frame(hand_audit, "es").set_index("dimension")
    assert gt.loc["Seguimiento de leads", "gap"] == "+2,7"
    assert gt.loc["Calidad de los leads", "gap"] == "−2,5"
    assert gt.loc["Calidad de los leads", "caution"] == "pocos encuestados"
    assert gt.loc["Calidad de los leads", "sales"] == "2,0 (n=3)" and gt.loc["Calidad de los leads", "marketing"] == "4,5 (n=2)"
    assert view.signed(-0.02, "en") == "0.0"
    assert view.respondents_text(hand_audit, "es") == (
        "7 personas respondieron (ventas 3, marketing 3, dirección 1); 27 respuestas válidas.")
    assert view.respondents_text(hand_audit, "en") == "7 people answered (sales 3, marketing 3, management 1); 27 valid answers."
    assert view.weakest_text(hand_audit, "en") == "The weakest dimension is follow-up (3.0/5)."
    assert view.weakest_text(hand_audit, "es") == "La dimensión más débil es «seguimiento de leads» (3,0/5)."
    assert view.largest_gap_text(hand_audit, "en") == (
        "The largest perception gap is on follow-up: sales scores 4.3 and marketing 1.7 (2.7 points), but with "
        "these answers the difference could be chance.")
    assert view.largest_gap_text(hand_audit, "es") == (
        "La mayor brecha de percepción está en «seguimiento de leads»: ventas puntúa 4,3 y marketing 1,7 "
        "(2,7 puntos), pero con estas respuestas la diferencia podría deberse al azar.")


def test_gap_table_renders_with_catalogue_labels(hand_audit, tmp_path):
    ctx = ctx_for(make_client(HAND), "es", tmp_path)
    ctx.show(hand_audit, "gaps")
    # the statistics are named in the small method box under the table, not in the sentences
    assert repr(ctx.shown[-1]).startswith("Método: Prueba U de Mann–Whitney con valor p exacto")
    assert 'class="smk-note smk-method"' in ctx.shown[-1].html
    lines = ctx.shown[-2].text.splitlines()
    assert lines[0] == ("Dimensión | Ventas | Marketing | Brecha (ventas − marketing) | valor p | valor q | "
                        "Significativa | Precaución")
    assert len(lines) == 11  # every dimension of the questionnaire, answered or not
    assert lines[1] == "Reuniones | 2,8 (n=3) | 4,2 (n=3) | −1,3 | 0,100 | 0,150 | no | "
    assert lines[2] == "Relación entre responsables | – (n=0) | – (n=0) | – | – | – | no | pocos encuestados"
    assert lines[6] == "Calidad de los leads | 2,0 (n=3) | 4,5 (n=2) | −2,5 | 0,200 | 0,200 | no | pocos encuestados"


# ---------------------------------------------------------------------------------------------
# tiny surveys render with cautions
# ---------------------------------------------------------------------------------------------
def test_one_respondent_renders_with_cautions(tmp_path):
    s = answers([("solo", "sales", q, 3) for q in DEMO_IDS])
    client = make_client(s)
    a = al.analyse(client)
    assert a.verdict.level == 3  # every dimension 3.0 -> S = 3.0 -> level 3
    assert a.verdict.caution_codes() == ["few_respondents", "teams_missing"]
    assert view.verdict_texts(a, "en")["cautions"] == (
        "Only 1 respondent: read the scores as an indication, not a measurement. Only these teams answered: sales. "
        "Alignment needs both sides' view; perception gaps cannot be measured.")
    assert view.verdict_texts(a, "es")["cautions"] == (
        "Solo 1 persona respondió: lea las puntuaciones como una indicación, no como una medida. Solo respondieron "
        "estos equipos: ventas. La alineación necesita la visión de ambos lados; no se pueden medir brechas de percepción.")
    assert a.gaps["caution"].all() and a.gaps["pvalue"].isna().all()
    assert view.largest_gap_text(a, "en") == "No perception gap can be measured: it needs answers from both sales and marketing."
    assert view.largest_gap_text(a, "es") == "No se puede medir la brecha de percepción: hacen falta respuestas de ventas y de marketing."
    assert view.respondents_text(a, "en") == "1 person answered (sales 1); 11 valid answers."
    assert view.respondents_text(a, "es") == "1 persona respondió (ventas 1); 11 respuestas válidas."
    assert len(a.headlines()) == 2  # no gap headline
    for lang in ("en", "es"):
        assert len(view.score_frame(a, lang)) == 10 and len(view.gap_frame(a, lang)) == 10
        ctx = ctx_for(client, lang, tmp_path)
        ctx.show(a, "verdict")
        assert ("Only 1 respondent" if lang == "en" else "Solo 1 persona respondió") in repr(ctx.shown[0])
        assert "<em>" in ctx.shown[0].html
        ax = view.plot_dimension_scores(a, lang)
        assert len(ax.get_yticklabels()) == 10
        assert title_of(ax) == {"en": "Alignment by dimension and team", "es": "Alineación por dimensión y equipo"}[lang]
        matplotlib.pyplot.close("all")


def test_one_team_renders_with_cautions():
    s = answers([(r, "marketing", q, v) for r, v in (("m1", 4), ("m2", 5), ("m3", 4)) for q in DEMO_IDS])
    a = al.analyse(make_client(s))
    # every dimension: (4+5+4)/3 = 4.3333 -> level 5 from the score; marketing only -> at most 3
    assert a.verdict.level == 3 and a.verdict.step_codes() == ["mean", "one_side"]
    assert view.step_text(a, a.verdict.steps[1], "steps", "en") == (
        "Sales or marketing did not answer: alignment cannot be shown from one side, at most level 3.")
    assert view.step_text(a, a.verdict.steps[1], "steps", "es") == (
        "Ventas o marketing no respondió: la alineación no se puede demostrar desde un solo lado, como mucho nivel 3.")
    assert view.verdict_texts(a, "en")["cautions"].startswith(
        "Only 3 respondents: read the scores as an indication, not a measurement. Only these teams answered: marketing.")
    assert a.gaps["n_sales"].eq(0).all() and a.gaps["caution"].all()
    assert a.largest_gap() is None
    assert len(al.priorities(a.dimension_table, a.dims)) == 3


# ---------------------------------------------------------------------------------------------
# evidence from the data (hand-made CRM)
# ---------------------------------------------------------------------------------------------
def crm():
    # data_end 2026-06-30 23:00 -> June is complete; window Jan..Jun.
    created = {"L1": "2026-01-10", "L2": "2026-01-20", "L3": "2026-02-10", "L4": "2026-03-10", "L5": "2026-04-10",
               "L6": "2026-06-25", "L7": "2026-03-20", "L8": "2026-05-05", "L9": "2026-05-06", "L10": "2026-06-05"}
    leads = pd.DataFrame({"lead_id": list(created), "created_at": [ts(v) for v in created.values()]})
    is_mql = leads["lead_id"].isin(["L1", "L2", "L3", "L4", "L5", "L6"])
    leads["mql_at"] = (leads["created_at"] + pd.Timedelta(days=1)).where(is_mql, pd.NaT)
    leads["channel"] = ["email"] * 8 + [None, None]
    mql = leads.set_index("lead_id")["mql_at"]
    attempts = pd.DataFrame({"lead_id": ["L1", "L2", "L3", "L6", "L7"],
                             "attempted_at": [mql["L1"] + pd.Timedelta(hours=2), mql["L2"] + pd.Timedelta(hours=10),
                                              mql["L3"] + pd.Timedelta(hours=30), mql["L6"] + pd.Timedelta(hours=1),
                                              ts("2026-03-21")]})
    deals = pd.DataFrame({"deal_id": ["D1", "D2", "D3", "D4"], "lead_id": ["L1", "L7", None, "L2"],
                          "stage": ["won", "won", "lost", "lost"],
                          "closed_at": [ts("2026-03-01"), ts("2026-05-01"), ts("2026-04-01"), ts("2026-04-15")],
                          "amount": [1000.0, 2000.0, 0.0, 0.0]})
    return leads, attempts, deals


def test_data_evidence_by_hand():
    leads, attempts, deals = crm()
    client = make_client(HAND, leads, deals=deals, attempts=attempts)
    ev = al.data_evidence(client).set_index("indicator")
    # MQLs at least 14 days old at data_end: L1..L5 (L6 is 5 days old); contacted L1, L2, L3 -> 3/5
    assert ev.loc["mql_contacted", "value"] == pytest.approx(0.6) and ev.loc["mql_contacted", "n"] == 5
    assert ev.loc["mql_contacted", "status"] == "weak"
    assert ev.loc["mql_contacted", "fact"] == "mql_contacted.never_mql"
    assert ev.loc["mql_contacted", "params"] == {"share": 0.6, "never_share": pytest.approx(0.4), "never": 2, "n": 5, "days": 14}
    # first contact within 4 h of the MQL date, same 5 MQLs: L1 (2 h) only; L2 10 h, L3 30 h, L4/L5 never -> 1/5
    assert ev.loc["contacted_within_sla", "value"] == pytest.approx(0.2)
    assert ev.loc["contacted_within_sla", "status"] == "weak"
    assert ev.loc["contacted_within_sla", "fact"] == "contacted_within_sla.mql"  # no team column: no slowest team
    # hours from MQL to first attempt among contacted MQLs: L1 2, L2 10, L3 30, L6 1 -> median (2+10)/2 = 6 > SLA 4
    assert ev.loc["hours_to_first_contact", "value"] == pytest.approx(6.0)
    assert ev.loc["hours_to_first_contact", "status"] == "weak"
    # MQLs >= 90 days old (created by 2026-04-01 23:00): L1..L4, won L1 -> 1/4; other old leads: L7 (won) 1/1
    # lift = 0.25 / 1.0 = 0.25 < 1.5 -> weak
    assert ev.loc["mql_conversion", "value"] == pytest.approx(0.25) and ev.loc["mql_conversion", "status"] == "weak"
    assert ev.loc["mql_conversion", "fact"] == "mql_conversion.lift"
    assert ev.loc["mql_conversion", "params"] == {"rate": 0.25, "rate_other": 1.0, "days": 90, "lift": 0.25}
    # sales cycle: L1 Jan 10 -> Mar 1 = 21+28+1 = 50 days; L7 Mar 20 -> May 1 = 11+30+1 = 42 days; median 46
    assert ev.loc["sales_cycle", "value"] == pytest.approx(46.0) and ev.loc["sales_cycle", "status"] == "info"
    assert ev.loc["sales_cycle", "params"] == {"median_days": pytest.approx(46.0), "customers": 2}
    # 6 of 10 leads have an MQL date
    assert ev.loc["mql_recorded", "value"] == pytest.approx(0.6)
    # 8 of 10 leads have a channel -> 80 % < 90 % -> weak; 3 of 4 deals linked -> 75 % -> weak
    assert ev.loc["source_recorded", "value"] == pytest.approx(0.8) and ev.loc["source_recorded", "status"] == "weak"
    assert ev.loc["deals_linked", "value"] == pytest.approx(0.75) and ev.loc["deals_linked", "status"] == "weak"
    # volume per month Jan..Jun = 2, 1, 2, 1, 2, 2 -> before 5/3, recent 5/3 -> change 0 -> ok
    assert ev.loc["lead_volume", "value"] == pytest.approx(0.0) and ev.loc["lead_volume", "status"] == "ok"
    # Wilson interval on the contacted share: k=3, n=5
    lo, hi = wilson_interval(3, 5)
    assert ev.loc["mql_contacted", "ci_low"] == pytest.approx(lo) and ev.loc["mql_contacted", "ci_high"] == pytest.approx(hi)
    # the facts as a reader sees them
    facts = {lang: {i: view.fact_text(r["fact"], r["params"], lang) for i, r in ev.iterrows()} for lang in ("en", "es")}
    assert facts["en"] == {
        "mql_contacted": "40.0 % of MQLs at least 14 days old were never contacted (2 of 5)",
        "contacted_within_sla": "20.0 % of MQLs were first contacted within the SLA's 4 h",
        "hours_to_first_contact": "the median time from MQL to first contact is 6.0 h (SLA: 4 h)",
        "mql_conversion": "25.0 % of MQLs at least 90 days old became customers against 100.0 % of other leads "
                          "(MQLs convert 0.2× as often)",
        "sales_cycle": "the median sales cycle (lead created to customer) is 46 days (2 customers)",
        "mql_recorded": "60.0 % of leads have an MQL date",
        "source_recorded": "80.0 % of leads have a recorded source (channel)",
        "deals_linked": "75.0 % of deals are linked to the lead they came from",
        "lead_volume": "2 leads a month in the last 3 complete months against 2 in the 3 before (0.0 %)",
    }
    assert facts["es"] == {
        "mql_contacted": "el 40,0 % de los MQL con al menos 14 días nunca fue contactado (2 de 5)",
        "contacted_within_sla": "el 20,0 % de los MQL recibió el primer contacto dentro de las 4 h del ANS",
        "hours_to_first_contact": "la mediana del tiempo desde MQL hasta el primer contacto es 6,0 h (ANS: 4 h)",
        "mql_conversion": "el 25,0 % de los MQL con al menos 90 días se convirtió en cliente frente al 100,0 % del resto "
                          "de leads (multiplicador: los MQL convierten 0,2 veces lo que el resto)",
        "sales_cycle": "la mediana del ciclo de ventas (de lead creado a cliente) es de 46 días (2 clientes)",
        "mql_recorded": "el 60,0 % de los leads tiene fecha de MQL",
        "source_recorded": "el 80,0 % de los leads tiene un origen (canal) registrado",
        "deals_linked": "el 75,0 % de los negocios está vinculado al lead del que salió",
        "lead_volume": "2 leads al mes en los últimos 3 meses completos frente a 2 en los 3 anteriores (0,0 %)",
    }


def test_evidence_without_mql_dates_counts_every_lead_and_says_so():
    leads, attempts, deals = crm()
    client = make_client(HAND, leads.drop(columns=["mql_at"]), deals=deals, attempts=attempts)
    ev = al.data_evidence(client).set_index("indicator")
    # every lead >= 14 days old counts (all but L6, created Jun 25): 9, contacted L1, L2, L3, L7 -> 4/9
    assert ev.loc["mql_contacted", "value"] == pytest.approx(4 / 9) and ev.loc["mql_contacted", "n"] == 9
    assert ev.loc["mql_contacted", "fact"] == "mql_contacted.never_lead"
    assert ev.loc["mql_conversion", "fact"] == "mql_conversion.no_stage"
    assert ev.loc["mql_recorded", "status"] == "weak" and ev.loc["mql_recorded", "fact"] == "mql_recorded.none"
    assert view.fact_text("mql_contacted.never_lead", ev.loc["mql_contacted", "params"], "en") == (
        "55.6 % of leads (no MQL date recorded) at least 14 days old were never contacted (5 of 9)")
    assert view.fact_text("mql_recorded.none", {}, "es") == "el CRM no registra la etapa MQL (ningún lead tiene fecha de MQL)"


def test_evidence_sentences_confirm_and_contradict(tmp_path):
    leads, attempts, deals = crm()
    client = make_client(HAND, leads, deals=deals, attempts=attempts)
    a = al.analyse(client)
    ev = a.evidence.set_index("indicator")
    # follow_up: sales rates it 4.3 (>= 3.5) but 40 % of MQLs were never contacted -> contradicts
    assert ev.loc["mql_contacted", "relation"] == "contradicts"
    assert (ev.loc["mql_contacted", "sentence"], ev.loc["mql_contacted", "team"]) == ("rated_high_but_weak", "sales")
    assert ev.loc["mql_contacted", "team_score"] == pytest.approx(13 / 3)
    row = a.evidence.set_index("indicator", drop=False).loc["mql_contacted"]
    assert view.evidence_sentence(a, row, "en") == (
        "Sales rates follow-up 4.3/5, but 40.0 % of MQLs at least 14 days old were never contacted (2 of 5).")
    assert view.evidence_sentence(a, row, "es") == (
        "Ventas puntúa «seguimiento de leads» con 4,3/5, pero el 40,0 % de los MQL con al menos 14 días nunca fue "
        "contactado (2 de 5).")
    # closed_loop has no survey answer in HAND -> 'no_survey'
    assert ev.loc["deals_linked", "relation"] == "no_survey"
    row = a.evidence.set_index("indicator", drop=False).loc["deals_linked"]
    assert view.evidence_sentence(a, row, "es") == "El 75,0 % de los negocios está vinculado al lead del que salió."
    # 6 weak indicators -> the level drops one: S = 3.1667 -> 3, minus 1 -> 2
    assert a.verdict.level == 2 and a.verdict.step_codes() == ["mean", "weak_evidence"]
    assert view.step_text(a, a.verdict.steps[1], "steps", "en") == (
        "6 indicators from the data are weak (data over opinions): one level down → 2.")
    # follow_up gets +3 (three weak indicators), lead_quality +1: order unchanged, scores 7.6667, 5.3333
    assert a.priorities["dimension"].tolist()[:2] == ["follow_up", "lead_quality"]
    assert a.priorities["priority_score"].tolist()[:2] == pytest.approx([14 / 3 + 3, 13 / 3 + 1])
    for lang in ("en", "es"):
        t = view.evidence_frame(a, lang)
        assert len(t) == len(a.evidence) and t["sentence"].str.endswith(".").all()
    en = view.evidence_frame(a, "en").set_index("indicator")
    assert en.loc["MQLs ever contacted"].tolist() == [
        "Follow-up", "60.0 % [23.1 %, 88.2 %]", "contradicts the survey",
        "Sales rates follow-up 4.3/5, but 40.0 % of MQLs at least 14 days old were never contacted (2 of 5)."]
    assert en.loc["Median sales cycle", "value"] == "46 days"
    es = view.evidence_frame(a, "es").set_index("indicator")
    assert es.loc["Mediana del ciclo de ventas", "value"] == "46 días"
    assert es.loc["MQL contactados alguna vez", "value"] == "60,0 % [23,1 %; 88,2 %]"
    assert es.loc["Mediana hasta el primer contacto", "relation"] == "contradice la encuesta"


def test_low_score_confirmed_by_data():
    ev = pd.DataFrame([{"indicator": "mql_contacted", "dimension": "follow_up", "value": 0.5, "kind": "pct",
                        "ci_low": np.nan, "ci_high": np.nan, "n": 10, "status": "weak", "fact": "mql_contacted.never_mql",
                        "params": {"share": 0.5, "never_share": 0.5, "never": 5, "n": 10, "days": 14}}])
    summary = pd.DataFrame({"dimension": ["follow_up"], "score": [2.0], "sales": [2.0], "marketing": [2.0],
                            "management": [np.nan]})
    out = al.compare_evidence(ev, summary)
    assert (out.loc[0, "relation"], out.loc[0, "sentence"]) == ("confirms", "confirms_low")
    assert out.loc[0, "team"] is None and math.isnan(out.loc[0, "team_score"])
    assert view.evidence_sentence(NO_CLIENT_TEXTS, out.loc[0], "en") == (
        "50.0 % of MQLs at least 14 days old were never contacted (5 of 10): this confirms the low score for "
        "follow-up (2.0/5).")
    assert view.evidence_sentence(NO_CLIENT_TEXTS, out.loc[0], "es") == (
        "El 50,0 % de los MQL con al menos 14 días nunca fue contactado (5 de 10): confirma la baja puntuación de "
        "«seguimiento de leads» (2,0/5).")
    # a good indicator beside a low score: the data look better than the perception
    ok = ev.assign(status="ok", fact="mql_contacted.once_mql",
                   params=[{"share": 0.95, "never_share": 0.05, "never": 1, "n": 20, "days": 14}])
    out = al.compare_evidence(ok, summary.assign(marketing=[1.5]))
    assert (out.loc[0, "relation"], out.loc[0, "sentence"], out.loc[0, "team"]) == ("contradicts", "rated_low_but_ok", "marketing")
    assert view.evidence_sentence(NO_CLIENT_TEXTS, out.loc[0], "en") == (
        "Marketing rates follow-up 1.5/5, yet 95.0 % of MQLs at least 14 days old were contacted at least once "
        "(1 never): the data look better than the perception.")


# ---------------------------------------------------------------------------------------------
# saving answers (the live form's back end, smk.io.survey)
# ---------------------------------------------------------------------------------------------
def test_save_answers_creates_file_in_canonical_names(tmp_path):
    cfg = parse_config({"name": "T", "tables": {"leads": {"file": "l.csv"}, "survey": {"file": "data/survey.csv"}}})
    path = survey.save_answers(cfg, [
        {"respondent": "ana", "team": "sales", "question_id": "follow_up", "answer": 4, "answered_at": "2026-06-01 10:00"},
        {"respondent": "ana", "team": "sales", "question_id": "lead_quality", "answer": 2},
    ], client_dir=tmp_path)
    assert path == tmp_path / "data" / "survey.csv"
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows == [["respondent", "team", "question_id", "answer", "answered_at"],
                    ["ana", "sales", "follow_up", "4", "2026-06-01 10:00"],
                    ["ana", "sales", "lead_quality", "2", ""]]


def test_save_answers_appends_in_client_vocabulary(tmp_path):
    (tmp_path / "encuesta.csv").write_text("Fecha;Nombre;Equipo;Pregunta;Respuesta\n"
                                           "2026-05-01;luis;Ventas;follow_up;3", encoding="utf-8")  # no final newline
    cfg = parse_config({"name": "T", "tables": {"leads": {"file": "l.csv"}, "survey": {
        "file": "encuesta.csv",
        "columns": {"respondent": "Nombre", "team": "Equipo", "question_id": "Pregunta", "answer": "Respuesta",
                    "answered_at": "Fecha"},
        "values": {"team": {"Ventas": "sales", "Mercadeo": "marketing", "Gerencia": "management"}}}}})
    survey.save_answers(cfg, pd.DataFrame([{"respondent": "=cmd()", "team": "marketing", "question_id": "shared_goals",
                                            "answer": 5.0}]), client_dir=tmp_path)
    lines = (tmp_path / "encuesta.csv").read_text(encoding="utf-8").splitlines()
    assert lines == ["Fecha;Nombre;Equipo;Pregunta;Respuesta", "2026-05-01;luis;Ventas;follow_up;3",
                     ";'=cmd();Mercadeo;shared_goals;5"]


@pytest.mark.parametrize("bad, match", [
    ({"answer": 6}, "whole numbers from 1 to 5"),
    ({"answer": 2.5}, "whole numbers from 1 to 5"),
    ({"question_id": "coffee"}, "unknown question"),
    ({"team": "finance"}, "team must be one of"),
    ({"respondent": " "}, "respondent is empty"),
])
def test_save_answers_refuses_bad_answers_and_writes_nothing(tmp_path, bad, match):
    cfg = parse_config({"name": "T", "tables": {"leads": {"file": "l.csv"}, "survey": {"file": "s.csv"}}})
    good = {"respondent": "ana", "team": "sales", "question_id": "follow_up", "answer": 4}
    with pytest.raises(ValueError, match=match):
        survey.save_answers(cfg, [good, {**good, **bad}], client_dir=tmp_path)
    assert not (tmp_path / "s.csv").exists()


def test_save_answers_writes_time_in_client_zone_and_format(tmp_path):
    cfg = parse_config({"name": "T", "timezone": "Europe/Madrid", "tables": {"leads": {"file": "l.csv"}, "survey": {
        "file": "s.csv", "date_format": "%d/%m/%Y %H:%M"}}})
    survey.save_answers(cfg, [{"respondent": "ana", "team": "sales", "question_id": "follow_up", "answer": 3,
                               "answered_at": pd.Timestamp("2026-06-01 08:00", tz="UTC")}], client_dir=tmp_path)
    # 08:00 UTC = 10:00 in Madrid (CEST, UTC+2), written day first as client.yml says
    assert list(csv.reader((tmp_path / "s.csv").open()))[1][-1] == "01/06/2026 10:00"


def test_saved_answers_load_back(tmp_path):
    import smk

    (tmp_path / "leads.csv").write_text("lead_id,created_at\nA,2026-01-05 10:00\n", encoding="utf-8")
    (tmp_path / "client.yml").write_text(
        "name: T\ntimezone: Europe/Madrid\ntables:\n  leads: {file: leads.csv}\n"
        "  survey:\n    file: s.csv\n    columns: {respondent: Nombre, team: Equipo, question_id: Pregunta, "
        "answer: Nota, answered_at: Fecha}\n    values:\n      team: {Ventas: sales, Mercadeo: marketing, Gerencia: management}\n",
        encoding="utf-8")
    cfg = smk.load_config(tmp_path)
    survey.save_answers(cfg, [{"respondent": "ana", "team": "marketing", "question_id": "follow_up", "answer": 2,
                               "answered_at": pd.Timestamp("2026-06-01 08:00", tz="UTC")}])
    client = smk.load_client(tmp_path)
    s = client.survey
    assert s[["respondent", "team", "question_id"]].iloc[0].tolist() == ["ana", "marketing", "follow_up"]
    assert int(s["answer"].iloc[0]) == 2
    assert s["answered_at"].iloc[0] == pd.Timestamp("2026-06-01 08:00", tz="UTC")


def test_save_answers_needs_a_survey_table():
    cfg = parse_config({"name": "T", "tables": {"leads": {"file": "l.csv"}}})
    with pytest.raises(ConfigError, match="tables.survey"):
        survey.save_answers(cfg, [], client_dir=".")


def test_questionnaire_form_builds_and_saves(tmp_path):
    pytest.importorskip("ipywidgets")
    cfg = parse_config({"name": "T", "tables": {"leads": {"file": "l.csv"}, "survey": {"file": "s.csv"}}})
    cfg.path = tmp_path / "client.yml"
    client = Client(config=cfg, tables={"leads": pd.DataFrame({"lead_id": [], "created_at": []})}, ledger=Ledger(),
                    rows_in={}, data_end=ts("2026-06-30"))
    res = SimpleNamespace(client_texts={}, bank=survey.question_bank())
    form = view.questionnaire_form(res, client, "es", answered_at=lambda: pd.Timestamp("2026-06-02 09:30"))
    name, team = form.children[0].children
    assert (name.description, team.description, team.options[1]) == ("Nombre", "Equipo", ("Marketing", "marketing"))
    first = form.children[1].children
    assert first[0].value == ("<b>Reuniones</b> — Ventas y marketing se reúnen al menos una vez por semana para "
                              "revisar leads, resultados y planes.")
    assert first[1].options[0] == ("1 Nada de acuerdo", 1)
    form.children[-2].click()
    assert form.children[-1].value == "Marque al menos una respuesta."
    name.value, team.value = "eva", "marketing"
    first[1].value = 5  # first question: meetings_frequency
    form.children[-2].click()
    assert form.children[-1].value == "1 respuesta guardada en s.csv."
    rows = list(csv.reader((tmp_path / "s.csv").open(encoding="utf-8")))
    assert rows[1] == ["eva", "marketing", "meetings_frequency", "5", "2026-06-02 09:30"]
    assert first[1].value is None  # the form is cleared for the next person
    en = view.questionnaire_form(res, client, "en", answered_at=pd.Timestamp("2026-06-02 10:00"))
    en.children[0].children[0].value = "<img src=x onerror=alert(1)>"  # a name that is not a respondent id...
    en.children[0].children[1].value = "sales"
    en.children[1].children[1].value = 4
    en.children[2].children[1].value = 2
    en.children[-2].click()
    assert en.children[-1].value == "2 answers saved to s.csv."
    assert list(csv.reader((tmp_path / "s.csv").open(encoding="utf-8")))[-1][:2] == ["<img src=x onerror=alert(1)>", "sales"]


def test_form_section_shows_nothing_outside_jupyterlab(hand_audit, tmp_path):
    pytest.importorskip("ipywidgets")
    client = make_client(HAND)
    ctx = ctx_for(client, "en", tmp_path)
    ctx.show(hand_audit, "form")
    assert ctx.shown == []
    live = ctx_for(client, "en", tmp_path, interactive=True)
    live.show(hand_audit, "form")
    # the consultant's tool under its own heading and intro, in JupyterLab only
    assert [repr(x) for x in live.shown[:2]] == ["Run the questionnaire live", (
        "In JupyterLab, the form below lets a consultant collect answers in a workshop; each Save appends them to "
        "the client's survey file. Re-run the notebook to include them. (Not shown in reports.)")]
    assert len(live.shown) == 3 and live.shown[2].children[-2].description == "Save answers"


# ---------------------------------------------------------------------------------------------
# demo client (planted weaknesses)
# ---------------------------------------------------------------------------------------------
DEMO = ROOT / "data" / "demo"


@pytest.fixture(scope="module")
def demo_audit(tmp_path_factory):
    """The demo client (data/demo) once it is built; before that, the same generator's default client."""
    import smk

    if (DEMO / "client.yml").exists():
        client = smk.load_client(DEMO)
    else:
        synth = pytest.importorskip("smk.io.synth", reason="demo client and generator not available yet")
        out = tmp_path_factory.mktemp("demo")
        synth.generate(out)
        client = smk.load_client(out)
    if client.survey is None:
        pytest.skip("demo client has no survey table")
    return client, al.analyse(client)


def test_demo_planted_weaknesses_are_priorities(demo_audit):
    client, a = demo_audit
    top = a.priorities["dimension"].tolist()
    # smk/io/synth.py SURVEY_QUESTIONS (docs/demo-data.md): follow-up and shared definitions planted low,
    # lead quality planted as a gap (sales 1.6 vs marketing 4.3)
    assert set(top) == {"follow_up", "definitions", "lead_quality"}
    g = a.gaps.set_index("dimension")
    assert g.loc["lead_quality", "gap"] < -1.5 and bool(g.loc["lead_quality", "significant"])
    assert a.largest_gap()["dimension"] == "lead_quality"
    # the slow team (Cobalt misses the 4 h first-contact SLA) shows in the evidence for follow-up
    ev = a.evidence.set_index("indicator")
    assert ev.loc["contacted_within_sla", "status"] == "weak" and ev.loc["contacted_within_sla", "params"]["team"] == "Cobalt"
    row = ev.loc["contacted_within_sla"]
    assert view.fact_text(row["fact"], row["params"], "en") == (
        "67.8 % of MQLs were first contacted within the SLA's 4 h; team Cobalt: 18.5 %")
    assert view.fact_text(row["fact"], row["params"], "es") == (
        "el 67,8 % de los MQL recibió el primer contacto dentro de las 4 h del ANS; equipo Cobalt: 18,5 %")
    # the planted bad answers are in the ledger (out of range by the loader or here; unknown question here)
    led = client.ledger.set_aside("survey")
    assert {"out_of_range", "unknown_question"} <= set(led["reason"])
    assert "favourite_colour" in set(led.loc[led["reason"] == "unknown_question", "value"])
    assert a.verdict.level in (2, 3)


def test_demo_figures_as_documented(demo_audit):
    """docs/analyses/01_alignment_audit.md, "On the demo client"."""
    _, a = demo_audit
    assert (a.verdict.level, round(a.verdict.score, 2)) == (3, 2.66)
    assert a.respondents_by_team() == {"sales": 7, "marketing": 6, "management": 3}
    assert a.set_aside["reason"].tolist() == ["out_of_range", "unknown_question"]
    w = a.weakest()
    assert (w["dimension"], round(w["score"], 1)) == ("sla", 1.6)
    g = a.largest_gap()
    assert (round(g["sales"], 1), round(g["marketing"], 1), round(g["qvalue"], 3)) == (1.7, 4.3, 0.012)
    assert a.priorities["dimension"].tolist() == ["follow_up", "definitions", "lead_quality"]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_notebook_section_renders_on_the_demo(demo_audit, lang, tmp_path):
    client, a = demo_audit
    ctx = ctx_for(client, lang, tmp_path)
    for name in ("verdict", "priorities", "respondents", "set_aside", "score_chart", "scores", "gaps", "evidence",
                 "questions", "form"):
        ctx.show(a, name)
    matplotlib.pyplot.close("all")
    texts_shown = [repr(x) for x in ctx.shown if hasattr(x, "html")]
    # verdict box + sentence, 7 tables/paragraphs, the chart, the method boxes of scores, gaps and evidence;
    # no form and no note for the analyst in a report
    assert len(ctx.shown) == 13
    methods = [repr(x) for x in ctx.shown if 'class="smk-note smk-method"' in getattr(x, "html", "")]
    assert [m.split(":")[0] for m in methods] == [{"en": "Method", "es": "Método"}[lang]] * 3
    assert not [x for x in ctx.shown if "smk-analyst" in getattr(x, "html", "")]
    assert texts_shown[0].startswith({"en": "Maturity level 3 of 5: Cooperating (",
                                      "es": "Nivel de madurez 3 de 5: Cooperando ("}[lang])
    assert texts_shown[1] == {
        "en": "The weakest dimension is service level agreement (1.6/5). The largest perception gap is on lead quality: "
              "marketing scores 4.3 and sales 1.7 (2.6 points): the two teams really do see it differently (a "
              "difference this large is not chance).",
        "es": "La dimensión más débil es «acuerdo de nivel de servicios (ANS)» (1,6/5). La mayor brecha de percepción "
              "está en «calidad de los leads»: marketing puntúa 4,3 y ventas 1,7 (2,6 puntos): los dos equipos lo ven "
              "de verdad de forma distinta (una diferencia así no se explica por azar)."}[lang]
    assert texts_shown[3] == {
        "en": "16 people answered (sales 7, marketing 6, management 3); 175 valid answers.",
        "es": "16 personas respondieron (ventas 7, marketing 6, dirección 3); 175 respuestas válidas."}[lang]
    assert texts_shown[2].splitlines()[1].startswith({
        "en": "1 | Follow-up | scores 1.8/5; sales rates it 1.7 points higher than marketing; 67.8 % of MQLs were "
              "first contacted within the SLA's 4 h; team Cobalt: 18.5 % | set how fast",
        "es": "1 | Seguimiento de leads | puntúa 1,8/5; ventas la puntúa 1,7 puntos más que marketing; el 67,8 % de "
              "los MQL recibió el primer contacto dentro de las 4 h del ANS; equipo Cobalt: 18,5 % | fijar con qué"}[lang])
    assert texts_shown[4].splitlines()[1:] == {
        "en": ["14 | Score | 7 | value out of the allowed range", "35 | Question | favourite_colour | question id not in the question bank"],
        "es": ["14 | Score | 7 | valor fuera del rango permitido", "35 | Question | favourite_colour | pregunta desconocida en el banco de preguntas"]}[lang]
