"""The alignment questionnaire as data: the question bank (``data/questions.yml`` beside this
module, plus the client's own questions from client.yml) and the cleaning of survey answers into the
ledger (unknown questions, answers outside 1–5, repeated answers)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from smk.errors import ConfigError
from smk.io.ledger import SET_ASIDE

BANK_PATH = Path(__file__).resolve().parent / "data" / "questions.yml"
LIKERT = (1, 5)
ANSWER_COLUMNS = ["respondent", "team", "question_id", "dimension", "answer", "answered_at", "_source_row"]

#: Notebooks a priority can point to.
NOTEBOOKS: dict[str, dict[str, str]] = {
    "02": {"en": "02 Lead scoring and the MQL definition", "es": "02 Puntuación de leads y definición de MQL"},
    "03": {"en": "03 Close rates and closed-loop reporting", "es": "03 Tasas de cierre e informes de ciclo cerrado"},
    "04": {"en": "04 Service level agreement", "es": "04 Acuerdo de nivel de servicio"},
    "05": {"en": "05 Contact attempts", "es": "05 Intentos de contacto"},
    "06": {"en": "06 Monthly report", "es": "06 Informe mensual"},
}


# --------------------------------------------------------------------------------------------
# 1. Question bank
# --------------------------------------------------------------------------------------------
def _read_bank(path: Path = BANK_PATH) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def question_bank(survey_config: Any = None, *, path: Path = BANK_PATH) -> pd.DataFrame:
    """The questionnaire: one row per question, ``id, dimension, text_en, text_es, label_en,
    label_es, notebook, action_en, action_es, order``.

    ``survey_config`` is ``client.config.survey`` (``replace: bool``, ``questions: [{id, dimension,
    text_en, text_es}]``) or None. Client questions with an existing id replace that question;
    new ids are added; ``replace: true`` drops the default bank first. A client question may use a
    new dimension (optional keys ``label_en``, ``label_es``, ``notebook``, ``action_en``,
    ``action_es`` describe it; otherwise the dimension id is the label and it points to no notebook).
    """
    raw = _read_bank(path)
    dims: dict[str, dict] = raw["dimensions"]
    questions: list[dict] = [] if (survey_config is not None and survey_config.replace) else list(raw["questions"])
    extra = list(survey_config.questions) if survey_config is not None else []
    for i, q in enumerate(extra):
        if not isinstance(q, dict):
            raise ConfigError(f"client.yml: `survey.questions[{i}]` must be a mapping with id, dimension, text_en, text_es.")
        missing = [k for k in ("id", "dimension", "text_en", "text_es") if not str(q.get(k) or "").strip()]
        if missing:
            raise ConfigError(f"client.yml: `survey.questions[{i}]` lacks {', '.join(missing)} "
                              "(each question needs id, dimension, text_en and text_es).")
        unknown = sorted(set(q) - {"id", "dimension", "text_en", "text_es", "label_en", "label_es",
                                   "notebook", "action_en", "action_es"})
        if unknown:
            raise ConfigError(f"client.yml: `survey.questions[{i}]` has unknown key(s) {', '.join(unknown)}.")
        q = {k: (str(v).strip() if v is not None else v) for k, v in q.items()}
        if q.get("notebook") and q["notebook"] not in NOTEBOOKS:
            raise ConfigError(f"client.yml: `survey.questions[{i}].notebook` must be one of {', '.join(NOTEBOOKS)}.")
        questions = [x for x in questions if x["id"] != q["id"]] + [q]
        if q["dimension"] not in dims:
            dims = {**dims, q["dimension"]: {}}
        meta = {k: q[k] for k in ("label_en", "label_es", "notebook", "action_en", "action_es") if q.get(k)}
        if meta:
            dims = {**dims, q["dimension"]: {**dims[q["dimension"]], **meta}}
    if not questions:
        raise ConfigError("client.yml: `survey.replace: true` with no `survey.questions` leaves an empty questionnaire.")
    rows = []
    for order, q in enumerate(questions):
        d = dims.get(q["dimension"], {})
        rows.append({
            "id": str(q["id"]), "dimension": str(q["dimension"]), "text_en": q["text_en"], "text_es": q["text_es"],
            "label_en": d.get("label_en", q["dimension"]), "label_es": d.get("label_es", q["dimension"]),
            "notebook": d.get("notebook"), "action_en": d.get("action_en", ""), "action_es": d.get("action_es", ""),
            "order": order,
        })
    return pd.DataFrame(rows)


def dimensions(bank: pd.DataFrame) -> pd.DataFrame:
    """One row per dimension in questionnaire order: ``dimension, label_en, label_es, notebook,
    action_en, action_es, n_questions, order``."""
    g = bank.groupby("dimension", sort=False)
    out = g.agg(label_en=("label_en", "first"), label_es=("label_es", "first"), notebook=("notebook", "first"),
                action_en=("action_en", "first"), action_es=("action_es", "first"),
                n_questions=("id", "size"), order=("order", "min")).reset_index()
    return out.sort_values(["order", "dimension"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# 2. Cleaning (ledger)
# --------------------------------------------------------------------------------------------
def _survey_file(client) -> str:
    """The survey file as client.yml names it (what the loader writes in the ledger)."""
    tc = client.config.tables.get("survey")
    if tc is not None:
        return tc.file
    src = getattr(client, "sources", {}) or {}
    return str(src.get("survey", "survey"))


def _empty_answers() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in ANSWER_COLUMNS}).astype(
        {"answer": "int64", "_source_row": "int64"})


def clean_survey(client, bank: pd.DataFrame | None = None) -> pd.DataFrame:
    """Valid answers with their dimension: ``respondent, team, question_id, dimension, answer (int),
    answered_at, _source_row``.

    Set aside, each recorded once in ``client.ledger`` (calling this twice records nothing new):
    - ``unknown_question``: ``question_id`` not in the question bank;
    - ``out_of_range``: answer missing, not a whole number or outside 1–5;
    - ``duplicate_id``: the same respondent answered the same question again (first answer kept).
    A client without a survey table gives an empty frame.
    """
    bank = question_bank(client.config.survey) if bank is None else bank
    s = client.survey
    if s is None or len(s) == 0:
        return _empty_answers()
    s = s.copy()
    if "_source_row" not in s:
        s["_source_row"] = np.arange(2, len(s) + 2)
    if "answered_at" not in s:
        s["answered_at"] = pd.NaT
    file = _survey_file(client)
    done = client.ledger.to_frame()
    done = done[(done["table"] == "survey") & (done["action"] == SET_ASIDE)]
    seen = set(zip(done["source_row"].astype("float").tolist(), done["reason"]))

    tc = client.config.tables.get("survey")
    source_col = (lambda c: tc.columns.get(c, c)) if tc is not None else (lambda c: c)

    def record(rows: pd.DataFrame, column: str, reason: str, detail: str) -> None:
        """Ledger rows name the client's own column (as the loader does); the value comes from ours."""
        fresh = rows[[(float(r), reason) not in seen for r in rows["_source_row"]]]
        client.ledger.add_many("survey", file, fresh, source_col(column), reason, detail=detail, value_column=column)

    qid = s["question_id"].astype("object").where(s["question_id"].notna(), None).map(
        lambda v: None if v is None else str(v).strip())
    s["question_id"] = qid
    unknown = ~qid.isin(set(bank["id"]))
    record(s[unknown], "question_id", "unknown_question", "not in the question bank (smk/data/questions.yml + client.yml survey)")
    s = s[~unknown]
    ans = pd.to_numeric(s["answer"].astype("object"), errors="coerce").astype(float)
    bad = ~(ans.notna() & (ans == np.round(ans)) & ans.between(*LIKERT))
    record(s[bad], "answer", "out_of_range", "answers must be whole numbers from 1 to 5")
    s = s[~bad].assign(answer=ans[~bad].astype("int64"))
    dup = s.duplicated(["respondent", "question_id"], keep="first")
    record(s[dup], "question_id", "duplicate_id", "same respondent answered the same question again")
    s = s[~dup]
    s["team"] = s["team"].astype("object")
    s["respondent"] = s["respondent"].astype("object").map(str)
    s["dimension"] = s["question_id"].map(bank.set_index("id")["dimension"])
    return s[ANSWER_COLUMNS].reset_index(drop=True)
