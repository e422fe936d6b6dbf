"""The alignment questionnaire as data: the question bank (``data/questions.yml`` beside this
module, plus the client's own questions from client.yml), the cleaning of survey answers into the
ledger (unknown questions, answers outside 1–5, repeated answers) and the writing of new answers to
the client's survey file (the live questionnaire of notebook 01).

The bank here is structure (ids, dimensions, the notebook that works on each dimension). The words
people read are catalogue texts (``alignment.questions.<id>``, ``alignment.dimensions.<dim>.label``
and ``.action`` in smk/texts); a client's own questions bring their words from client.yml, returned
by :func:`client_texts` under the same keys.
"""
from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from smk.errors import ConfigError
from smk.io.ledger import SET_ASIDE
from smk.io.schema import SURVEY_TEAMS
from smk.texts import LANGS

BANK_PATH = Path(__file__).resolve().parent / "data" / "questions.yml"
LIKERT = (1, 5)
ANSWER_COLUMNS = ["respondent", "team", "question_id", "dimension", "answer", "answered_at", "_source_row"]

#: Notebooks a priority can point to.
NOTEBOOKS: tuple[str, ...] = ("02", "03", "04", "05", "06")

#: Words a client question may bring (``<field>_<lang>`` in client.yml) and the catalogue key they fill.
CLIENT_TEXTS: dict[str, str] = {
    "text": "alignment.questions.{id}",
    "label": "alignment.dimensions.{dimension}.label",
    "action": "alignment.dimensions.{dimension}.action",
}
_REQUIRED = ("id", "dimension", *(f"text_{lang}" for lang in LANGS))
_ALLOWED = {"id", "dimension", "notebook", *(f"{f}_{lang}" for f in CLIENT_TEXTS for lang in LANGS)}


# --------------------------------------------------------------------------------------------
# 1. Question bank
# --------------------------------------------------------------------------------------------
def _read_bank(path: Path = BANK_PATH) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _merged(survey_config: Any, path: Path) -> tuple[list[dict], dict[str, dict], dict[str, dict[str, str]]]:
    """Questions in order, dimensions (``{dim: {notebook}}``) and the client's own words, after
    applying client.yml's ``survey:`` to the default bank."""
    raw = _read_bank(path)
    dims: dict[str, dict] = {d: dict(v or {}) for d, v in raw["dimensions"].items()}
    questions: list[dict] = [] if (survey_config is not None and survey_config.replace) else list(raw["questions"])
    words: dict[str, dict[str, str]] = {}
    extra = list(survey_config.questions) if survey_config is not None else []
    for i, q in enumerate(extra):
        if not isinstance(q, dict):
            raise ConfigError(f"client.yml: `survey.questions[{i}]` must be a mapping with {', '.join(_REQUIRED)}.")
        missing = [k for k in _REQUIRED if not str(q.get(k) or "").strip()]
        if missing:
            raise ConfigError(f"client.yml: `survey.questions[{i}]` lacks {', '.join(missing)} "
                              f"(each question needs {', '.join(_REQUIRED[:-1])} and {_REQUIRED[-1]}).")
        unknown = sorted(set(q) - _ALLOWED)
        if unknown:
            raise ConfigError(f"client.yml: `survey.questions[{i}]` has unknown key(s) {', '.join(unknown)}.")
        q = {k: (str(v).strip() if v is not None else v) for k, v in q.items()}
        if q.get("notebook") and q["notebook"] not in NOTEBOOKS:
            raise ConfigError(f"client.yml: `survey.questions[{i}].notebook` must be one of {', '.join(NOTEBOOKS)}.")
        questions = [x for x in questions if x["id"] != q["id"]] + [{"id": q["id"], "dimension": q["dimension"]}]
        dim = dims.setdefault(q["dimension"], {})
        if q.get("notebook"):
            dim["notebook"] = q["notebook"]
        for field_, template in CLIENT_TEXTS.items():
            given = {lang: q[f"{field_}_{lang}"] for lang in LANGS if q.get(f"{field_}_{lang}")}
            if given:
                key = template.format(id=q["id"], dimension=q["dimension"])
                words[key] = {**words.get(key, {}), **given}
    if not questions:
        raise ConfigError("client.yml: `survey.replace: true` with no `survey.questions` leaves an empty questionnaire.")
    return questions, dims, words


def question_bank(survey_config: Any = None, *, path: Path = BANK_PATH) -> pd.DataFrame:
    """The questionnaire: one row per question, ``id, dimension, notebook, order``.

    ``survey_config`` is ``client.config.survey`` (``replace: bool``, ``questions: [{id,
    dimension, text_en, text_es}]``) or None. Client questions with an existing id replace that
    question (and move to the end); new ids are added; ``replace: true`` drops the default bank
    first. A client question may use a new dimension (optional ``notebook``; ``label_en``,
    ``label_es``, ``action_en``, ``action_es`` word it, see :func:`client_texts`). A dimension
    without a notebook points to none (None).
    """
    questions, dims, _ = _merged(survey_config, path)
    return pd.DataFrame([{"id": str(q["id"]), "dimension": str(q["dimension"]),
                          "notebook": dims.get(q["dimension"], {}).get("notebook"), "order": order}
                         for order, q in enumerate(questions)], columns=["id", "dimension", "notebook", "order"])


def client_texts(survey_config: Any = None, *, path: Path = BANK_PATH) -> dict[str, dict[str, str]]:
    """The client's own words from client.yml, by the catalogue key they replace:
    ``{"alignment.questions.<id>": {"en": ..., "es": ...}, "alignment.dimensions.<dim>.label": {...}}``
    (only what the client wrote; everything else comes from the catalogue)."""
    return _merged(survey_config, path)[2]


def dimensions(bank: pd.DataFrame) -> pd.DataFrame:
    """One row per dimension in questionnaire order: ``dimension, notebook, n_questions, order``."""
    g = bank.groupby("dimension", sort=False)
    out = g.agg(notebook=("notebook", "first"), n_questions=("id", "size"), order=("order", "min")).reset_index()
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
    record(s[unknown], "question_id", "unknown_question", "not in the question bank (smk/io/data/questions.yml + client.yml survey)")
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


# --------------------------------------------------------------------------------------------
# 3. Writing answers (the live questionnaire's back end; testable without widgets)
# --------------------------------------------------------------------------------------------
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe_cell(v: Any) -> str:
    """Text a spreadsheet will not run as a formula (OWASP CSV injection: prefix with ')."""
    s = "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
    if s and s[0] in _FORMULA_START and not _is_number(s):
        return "'" + s
    return s


def _is_number(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def _stamp(v: Any, config, tc) -> str:
    """``answered_at`` as the file expects it: the table's ``date_formats.answered_at`` or
    ``date_format`` from client.yml (default ``%Y-%m-%d %H:%M``), tz-aware values first converted to
    the client's timezone (naive values are taken as already in it, as the loader reads them)."""
    if v is None or (not isinstance(v, str) and pd.isna(v)) or (isinstance(v, str) and not v.strip()):
        return ""
    t = pd.Timestamp(v)
    if t.tzinfo is not None:
        t = t.tz_convert(config.tz).tz_localize(None)
    return t.strftime(tc.date_formats.get("answered_at") or tc.date_format or "%Y-%m-%d %H:%M")


def save_answers(config, answers: pd.DataFrame | list[dict], *, client_dir: str | Path | None = None,
                 bank: pd.DataFrame | None = None) -> Path:
    """Append questionnaire answers to the client's survey CSV (``tables.survey.file`` in client.yml).

    ``answers``: rows with ``respondent, team, question_id, answer`` and optionally ``answered_at``
    (pass it explicitly: the library never reads the clock). Columns are written under the
    client's own names (``tables.survey.columns`` maps canonical → source) and team values in the
    client's own vocabulary (reverse of ``tables.survey.values.team``); an existing file keeps its
    header, delimiter and encoding. Every answer is validated first (known question, team in
    sales/marketing/management, whole number 1–5): nothing is written if one is wrong
    (ValueError naming the row). Returns the file path.
    """
    tc = config.tables.get("survey")
    if tc is None:
        raise ConfigError("client.yml has no `tables.survey`: add e.g. `survey: {file: survey.csv}` under `tables:` "
                          "so answers have a file to go to.")
    if client_dir is not None:
        base = Path(client_dir)
        base = base.parent if base.is_file() else base
    else:
        base = config.path.parent if config.path else Path(".")
    path = base / tc.file
    if path.suffix.lower() not in (".csv", ".txt", ""):
        raise ConfigError(f"{path}: answers can only be appended to a CSV file; point `tables.survey.file` to a .csv.")
    df = pd.DataFrame(answers).copy()
    bank = question_bank(config.survey) if bank is None else bank
    need = ["respondent", "team", "question_id", "answer"]
    missing = [c for c in need if c not in df]
    if missing:
        raise ValueError(f"answers lack column(s): {', '.join(missing)}")
    if "answered_at" not in df:
        df["answered_at"] = None
    for i, r in df.reset_index(drop=True).iterrows():
        if not str(r["respondent"] or "").strip():
            raise ValueError(f"answer {i + 1}: the respondent is empty")
        if r["team"] not in SURVEY_TEAMS:
            raise ValueError(f"answer {i + 1}: team must be one of {', '.join(SURVEY_TEAMS)}, got {r['team']!r}")
        if r["question_id"] not in set(bank["id"]):
            raise ValueError(f"answer {i + 1}: unknown question {r['question_id']!r}")
        a = r["answer"]
        if isinstance(a, bool) or not _is_number(str(a)) or float(a) != round(float(a)) or not LIKERT[0] <= float(a) <= LIKERT[1]:
            raise ValueError(f"answer {i + 1}: answers are whole numbers from 1 to 5, got {a!r}")
    src_name = {c: tc.columns.get(c, c) for c in ("respondent", "team", "question_id", "answer", "answered_at")}
    team_map = tc.values.get("team", {})
    reverse_team: dict[str, str] = {}
    for source_value, canonical in team_map.items():
        reverse_team.setdefault(canonical, source_value)
    encoding = tc.encoding or "utf-8"
    delimiter = tc.delimiter
    header: list[str] | None = None
    if path.exists() and path.stat().st_size > 0:
        with open(path, encoding=encoding if encoding != "utf-8" else "utf-8-sig", newline="") as fh:
            first = fh.readline()
        if delimiter is None:
            try:
                delimiter = csv.Sniffer().sniff(first, delimiters=",;\t|").delimiter
            except csv.Error:
                delimiter = ","
        header = next(csv.reader(io.StringIO(first), delimiter=delimiter))
        header = [h.strip() for h in header]
    delimiter = delimiter or ","
    if header is None:
        header = [src_name[c] for c in ("respondent", "team", "question_id", "answer", "answered_at")]
    canonical_by_source = {v: k for k, v in src_name.items()}
    absent = [src_name[c] for c in need if src_name[c] not in header]
    if absent:
        raise ConfigError(f"{path}: the header lacks column(s) {', '.join(absent)} (as mapped in client.yml); "
                          "answers cannot be appended safely.")
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    for _, r in df.iterrows():
        values = {"respondent": str(r["respondent"]).strip(), "team": reverse_team.get(r["team"], r["team"]),
                  "question_id": r["question_id"], "answer": int(float(r["answer"])),
                  "answered_at": _stamp(r["answered_at"], config, tc)}
        w.writerow([_safe_cell(values.get(canonical_by_source.get(h, ""), "")) for h in header])
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists() or path.stat().st_size == 0
    needs_newline = False
    if not new:
        with open(path, "rb") as fh:
            fh.seek(-1, 2)
            needs_newline = fh.read(1) not in (b"\n", b"\r")
    with open(path, "a", encoding=encoding, newline="") as fh:
        if new:
            csv.writer(fh, delimiter=delimiter, lineterminator="\n").writerow(header)
        elif needs_newline:
            fh.write("\n")
        fh.write(buf.getvalue())
    return path
