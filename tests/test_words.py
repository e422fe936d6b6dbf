"""One term per concept, the guide's, in the words a client reads (issue 21, items 2–4).

1. The Spanish catalogue uses the glossary's terms (`glossary` in smk/texts/{en,es}.yml): ANS, never SLA;
   vendedor, never comercial; calificado, never cualificado; negocios; ciclo de ventas; días
   calendario / hábiles, never naturales / laborables; completado, never rellenado; en vivo; "Al 31
   oct"; multiplicador, frente a, combinación, páginas de destino, cálculo simple; costo.
2. Client text in both languages carries no client.yml key and no statistical name: those live in a
   section's method note (``<…>.method``: the small "Method" box; statistical names allowed) or in a
   note for the analyst (``<…>.analyst``, ``explorer``, ``live``: shown in JupyterLab only; client.yml
   keys allowed). Command-line namespaces (run, io, ledger) speak to the consultant and are exempt.
3. What a reader sees of notebooks 01, 04 and 05 on the demo client, in both languages (every
   section run in-process through ``ctx.show`` as tests/test_notebooks.py does, the charts' texts
   included), holds no canonical code (``organic_search``, ``demo_request``…) and no client.yml key.

Namespaces whose owners are still editing them keep their variants for now: :data:`PENDING` lists
exactly which namespace still has which variant. A new variant anywhere fails
:func:`test_no_new_rejected_variant`; a variant fixed without removing it from :data:`PENDING` fails
:func:`test_pending_list_is_exact` (remove the entry: the list only shrinks).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest
import yaml
from conftest import run_notebook_cells

from smk import texts

ROOT = Path(__file__).resolve().parents[1]

#: Spanish variants the guide's vocabulary rejects: name → (pattern, the term to use instead).
#: Patterns run on catalogue values with ``{placeholders}`` removed.
SPANISH_RULES: dict[str, tuple[str, str]] = {
    "SLA": (r"\bSLAs?\b", "ANS (acuerdo de nivel de servicios)"),
    "comercial": (r"\b[Cc]omercial(es)?\b", "vendedor / ejecutivo de ventas"),
    "cualificado": (r"\b[Cc]ualific\w*", "calificado"),
    "oportunidades/tratos": (r"\b[Oo]portunidades\b|\b[Tt]ratos?\b", "negocios"),
    "ciclo de venta": (r"\b[Cc]iclos? de venta\b", "ciclo de ventas"),
    "días naturales": (r"\b([Dd][ií]as?|[Mm]es(es)?|[Ss]emanas?) naturale?s?\b", "días calendario / mes calendario"),
    "laborables": (r"\b[Ll]aborables?\b", "hábiles"),
    "rellenado": (r"\b[Rr]ellen\w*", "completado"),
    "en directo": (r"\b[Ee]n directo\b", "en vivo"),
    "A {fecha}": (r"(^|[.:;]\s+)A \d|\b[Aa] fecha de\b|\bA \{(date|as_of|day)\}", "Al 31 oct"),
    "lift": (r"(?i)\blift\b", "multiplicador"),
    "vs": (r"\bvs\b\.?", "frente a"),
    "mix": (r"(?i)\bmix\b", "combinación"),
    "landing pages": (r"(?i)\blanding(s| pages?)?\b", "páginas de destino"),
    "ingenuo": (r"(?i)\bingenu[oa]s?\b", "cálculo simple"),
    "coste": (r"\b[Cc]ostes?\b", "costo"),
    "vosotros": (r"\b[Vv]osotros\b|\b[Vv]uestr[oa]s?\b", "usted / ustedes"),
}

#: Client text in either language: no configuration, no statistical names (name → pattern, where they go).
CLIENT_RULES: dict[str, tuple[str, str]] = {
    "client.yml key": (r"\bclient\.yml\b|\b(analysis|sla|marketing|costs|survey|report|tables|scoring|attempts)"
                       r"\.[a-z][a-z_]{2,}\b", "a note for the analyst (<…>.analyst)"),
    "statistical name": (r"(?i)\b(Mann[–-]Whitney|Benjamini[–-]Hochberg|Aalen[–-]Johansen|Kaplan[–-]Meier|Wilson|"
                         r"Fisher|bootstrap|log-odds|t de Student|Student's t|semilla|seed)\b",
                         "the section's method note (<…>.method)"),
}

#: Key segments whose text is not the client's: the method box may name statistics, notes for the
#: analyst (and JupyterLab-only widgets) may name configuration.
METHOD_SEGMENTS = {"method"}
ANALYST_SEGMENTS = {"analyst", "explorer", "live"}
#: Namespaces that speak to the consultant on the command line, never to the client.
CONSULTANT_NAMESPACES = {"run", "io", "ledger"}

#: Namespaces whose owners have not yet adopted the glossary, and exactly which rules their texts
#: still break. Remove an entry when its namespace is fixed (the test says so); never add one.
PENDING: dict[str, set[str]] = {
    # pending: closerate.yml (notebook 03)
    "closerate": {"vs", "landing pages", "ciclo de venta", "client.yml key", "statistical name"},
    # pending: dashboard.yml (the daily dashboard)
    "dashboard": {"client.yml key"},
    # pending: monthly.yml (notebook 06)
    "monthly": {"vs", "ciclo de venta", "días naturales", "comercial", "client.yml key", "statistical name"},
    # pending: quality.yml (notebook 00)
    "quality": {"client.yml key"},
    # pending: scoring.yml (notebook 02)
    "scoring": {"lift", "vs", "comercial", "client.yml key", "statistical name"},
}

_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_QUOTED = re.compile(r"«[^»]*»")


def values_of(entry) -> list[str]:
    return list(entry.values()) if isinstance(entry, dict) else [entry]


def rules_for(key: str, lang: str) -> dict[str, str]:
    """The rules a catalogue key must follow in ``lang`` (name → pattern)."""
    ns, *rest = key.split(".")
    segments = set(rest)
    out: dict[str, str] = {}
    if lang == "es":
        out.update({name: rx for name, (rx, _) in SPANISH_RULES.items()})
    if ns not in CONSULTANT_NAMESPACES and not segments & ANALYST_SEGMENTS:
        out["client.yml key"] = CLIENT_RULES["client.yml key"][0]
        if not segments & METHOD_SEGMENTS:
            out["statistical name"] = CLIENT_RULES["statistical name"][0]
    return out


def text_to_check(key: str, text: str) -> str:
    """A catalogue value as the rules read it: placeholders removed; in the glossary's definitions the
    rejected variants it names between «» are quotes, not uses."""
    text = _PLACEHOLDER.sub(" ", text)
    if key.startswith("glossary.") and key.endswith(".definition"):
        text = _QUOTED.sub(" ", text)
    return text


@lru_cache(maxsize=None)
def findings() -> dict[str, dict[str, list[str]]]:
    """``{namespace: {rule: ["lang key: 'match'", …]}}`` over both catalogues."""
    out: dict[str, dict[str, list[str]]] = {}
    for lang in texts.LANGS:
        for key, entry in texts.catalogue(lang).items():
            rules = rules_for(key, lang)
            for text in values_of(entry):
                text = text_to_check(key, text)
                for name, rx in rules.items():
                    for m in re.finditer(rx, text):
                        out.setdefault(key.split(".")[0], {}).setdefault(name, []).append(
                            f"{lang} {key}: {m.group(0).strip()!r}")
    return out


def test_the_rules_catch_the_variants_and_spare_the_terms():
    def hits(text, lang="es", key="x.y"):
        return {name for name, rx in rules_for(key, lang).items() if re.search(rx, text_to_check(key, text))}

    assert hits("El SLA de ventas de client.yml") == {"SLA", "client.yml key"}
    assert hits("por comercial; leads cualificados; días naturales o laborables; el acuerdo rellenado") == {
        "comercial", "cualificado", "días naturales", "laborables", "rellenado"}
    assert hits("Lift de 2,1 vs el mix; landing pages; Ingenuo; el coste") == {
        "lift", "vs", "mix", "landing pages", "ingenuo", "coste"}
    assert hits("A 31 oct, 3 leads") == {"A {fecha}"} and hits("Al 31 oct, 3 leads") == set()
    assert hits("ganados en analysis.close_window_days; prueba de Mann–Whitney") == {"client.yml key", "statistical name"}
    # the guide's terms pass; placeholders are not words; method and analyst notes have their own freedom
    assert hits("El ANS de ventas: el vendedor hace 8 intentos en 14 días calendario (hábiles), ciclo de ventas, "
                "negocios calificados, el acuerdo completado, en vivo, multiplicador, frente a, combinación, "
                "páginas de destino, cálculo simple, costo {lift} {mix}") == set()
    assert hits("Intervalos de Wilson del 95 %", key="sla.value.method") == set()
    assert hits("sla.max_attempts_per_day de client.yml", key="sla.attempts.analyst") == set()
    assert hits("sla.max_attempts_per_day de client.yml", key="sla.attempts.method") == {"client.yml key"}
    assert hits("Wilson", lang="en") == {"statistical name"} and hits("SLA", lang="en") == set()
    assert hits("Nunca «SLA».", key="glossary.sla.definition") == set()
    assert hits("SLA", key="glossary.sla.term") == {"SLA"}


def test_no_new_rejected_variant():
    """Every namespace follows the glossary, except the variants :data:`PENDING` still allows."""
    new = {ns: {rule: found[rule] for rule in sorted(set(found) - PENDING.get(ns, set()))}
           for ns, found in findings().items()}
    new = {ns: rules for ns, rules in new.items() if rules}
    hint = {rule: (SPANISH_RULES | CLIENT_RULES)[rule][1] for rules in new.values() for rule in rules}
    assert new == {}, f"use instead: {hint}"


def test_pending_list_is_exact():
    """:data:`PENDING` names only variants still there: remove what an owner has fixed."""
    stale = {ns: sorted(rules - set(findings().get(ns, {}))) for ns, rules in PENDING.items()}
    assert {ns: rules for ns, rules in stale.items() if rules} == {}


def test_the_namespaces_done_have_no_pending_variant():
    done = {"common", "alignment", "attempts", "sla", "values", "glossary", "report", "run", "io", "ledger"}
    assert not done & set(PENDING)
    assert not done & set(findings())


def test_glossary_has_the_same_terms_in_both_languages():
    en, es = (yaml.safe_load((ROOT / "smk" / "texts" / f"{lang}.yml").read_text(encoding="utf-8"))["glossary"]
              for lang in ("en", "es"))
    assert en.keys() == es.keys() and len(es) >= 20
    for concept in es:
        assert set(en[concept]) == set(es[concept]) == {"term", "definition"}, concept
        assert es[concept]["term"] and es[concept]["definition"].endswith("."), concept
    assert es["sla"]["term"] == "ANS (acuerdo de nivel de servicios)"
    # every rejected variant has its glossary term, said in a definition
    for name in ("SLA", "comercial", "cualificado", "días naturales", "laborables", "lift", "mix", "landing pages",
                 "ingenuo", "ciclo de venta"):
        rx = SPANISH_RULES[name][0]
        assert any(re.search(rx, " ".join(_QUOTED.findall(e["definition"]))) for e in es.values()), name


# --------------------------------------------------------------------------------------------
# what a reader of 01, 04 and 05 sees, on the demo client
# --------------------------------------------------------------------------------------------
NOTEBOOKS = {"01": "01_alignment_audit.ipynb", "04": "04_sla.ipynb", "05": "05_contact_attempts.ipynb"}


def canonical_codes() -> set[str]:
    """The data model's codes a reader must never see: every value code of values.yml written as a
    code (snake_case), and the playbook's group codes."""
    codes = {k.split(".")[-1] for k in texts.keys("values", "en") if "_" in k.split(".")[-1]}
    return codes | {"(missing)", "(mix)", "(all)"}


def visible_texts(shown) -> list[str]:
    """Every text a reader sees of what a notebook displayed: HTML without tags, markdown, and the
    texts drawn in the charts (titles, axes, ticks, legends)."""
    import html as _html

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    out = []
    for item in shown:
        if hasattr(item, "savefig"):
            FigureCanvasAgg(item).draw()  # the context closed it: a new canvas writes its tick labels
            out += [t.get_text() for t in item.findobj(Text) if t.get_text()]
        elif hasattr(item, "html"):
            out.append(_html.unescape(re.sub(r"<[^>]+>", " ", item.html)))
        elif hasattr(item, "data"):  # IPython Markdown
            out.append(str(item.data))
        else:
            out.append(repr(item))
    return out


@pytest.fixture(scope="module")
def demo():
    import smk

    return smk.load_client(ROOT / "data" / "demo")


def run_notebook(nb: str, client, lang: str, tmp_path, monkeypatch) -> list:
    """The notebook's code cells in-process on ``client`` (smk.report.setup patched to use it), as a
    kernel in a report run would (interactive cells left out); the texts of what the context displayed."""
    return visible_texts(displayed(nb, client, lang, tmp_path, monkeypatch))


def displayed(nb: str, client, lang: str, tmp_path, monkeypatch) -> list:
    """What the context displayed (Html, Markdown, Figures) running the notebook's cells."""
    ns = run_notebook_cells(NOTEBOOKS[nb], client, monkeypatch, period="2026-10", lang=lang, output_dir=tmp_path / "out")
    return list(ns["ctx"].shown)


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("nb", sorted(NOTEBOOKS))
def test_what_a_reader_sees_has_no_code_and_no_configuration(nb, lang, demo, tmp_path, monkeypatch):
    shown = run_notebook(nb, demo, lang, tmp_path, monkeypatch)
    text = "\n".join(shown)
    assert len(text) > 2000  # the whole page, not a "not enough data" box
    codes = sorted(c for c in canonical_codes() if re.search(rf"(?<![\w(]){re.escape(c)}(?![\w)])", text)
                   or (c.startswith("(") and c in text))
    assert codes == []
    config = sorted({m.group(0) for m in re.finditer(CLIENT_RULES["client.yml key"][0], text)})
    assert config == []
    if lang == "es":
        variants = sorted({name for name, (rx, _) in SPANISH_RULES.items() if re.search(rx, text)})
        assert variants == []
    # the statistics are named only inside the method boxes
    boxes = {"en": "Method:", "es": "Método:"}[lang]
    outside = [t for t in shown if re.search(CLIENT_RULES["statistical name"][0], t) and not t.strip().startswith(boxes)]
    assert outside == []


def tick_labels(fig) -> list[list[str]]:
    """Per axis of every Axes of ``fig``: the labels of the ticks inside the view."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig).draw()
    out = []
    for ax in fig.axes:
        for axis, (lo, hi) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            lo, hi = min(lo, hi), max(lo, hi)
            labels = [t.label1.get_text() for t in axis.get_major_ticks()
                      if t.label1.get_visible() and t.label1.get_text() and lo - 1e-9 <= t.get_loc() <= hi + 1e-9]
            out.append(labels)
    return out


@pytest.mark.parametrize("nb", sorted(NOTEBOOKS))
def test_chart_ticks_read_like_the_tables(nb, demo, tmp_path, monkeypatch):
    """Spanish charts of 01, 04, 05: numbers with the decimal comma and the thousands dot ("2.250",
    never "2250" beside a table's "2.215,9"), no tick written twice on one axis ("0 0 1 2 2 2"),
    dates in Spanish."""
    figs = [x for x in displayed(nb, demo, "es", tmp_path, monkeypatch) if hasattr(x, "savefig")]
    assert figs
    numeric = re.compile(r"^[−+]?[€$]?[\d.,]+( %| h)?$")
    for fig in figs:
        title = next((ax.get_title(loc) for ax in fig.axes for loc in ("left", "center") if ax.get_title(loc)), "")
        assert title, "every chart has a title (its alt text)"
        for labels in tick_labels(fig):
            nums = [s for s in labels if numeric.match(s)]
            assert len(nums) == len(set(nums)), (title, labels)
            assert not [s for s in nums if re.search(r"\d{4}", s) or re.search(r"\d\.\d{1,2}( %)?$", s)], (title, labels)
            assert not [s for s in labels if "-" in s and s[:1] == "-"], (title, labels)  # U+2212, never a hyphen
            assert not re.search(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b", " ".join(labels)), labels


# --------------------------------------------------------------------------------------------
# smk.views.labels: codes as the reader's words
# --------------------------------------------------------------------------------------------
def test_value_labels_in_the_reports_language():
    import pandas as pd

    from smk.views import labels

    assert labels.value_label("channel", "organic_search", "es") == "Búsqueda orgánica"
    assert labels.value_label("channel", "organic_search", "en") == "Organic search"
    assert labels.value_label("offer", "demo_request", "es") == "Solicitud de demo"
    assert labels.value_label("lead_type", "demo_request", "es") == "Solicitud de demo"  # the offer by default
    assert labels.value_label("outcome", "no_answer", "es") == "No contesta"
    assert labels.value_label("table", "contact_attempts", "es") == "Intentos de contacto"
    assert labels.value_label("team", "management", "es") == "Dirección"
    assert labels.value_label("offer", "(missing)", "es") == "(sin dato)"
    # unknown codes: as the client wrote them (client.yml values read backwards), else as words
    own = {"offer": {"partner_webinar": "Webinar: Partners 2026"}}
    assert labels.value_label("offer", "partner_webinar", "es", own) == "Webinar: Partners 2026"
    assert labels.value_label("offer", "partner_webinar", "en") == "Partner webinar"
    # values that are not codes, and missing values, come back unchanged
    assert labels.value_label("team", "Atlas", "es") == "Atlas"
    assert labels.value_label("offer", None, "es") is None
    assert labels.humanize("free_trial") == "Free trial" and labels.humanize("Free Trial") == "Free Trial"
    df = pd.DataFrame({"channel": ["organic_search", "OFFLINE", None], "n": [1, 2, 3]})
    out = labels.relabel(df, "channel", "es")
    assert out["channel"].tolist()[:2] == ["Búsqueda orgánica", "OFFLINE"] and df["channel"][0] == "organic_search"
    assert labels.relabel(df, "offer", "es").equals(df)
    with pytest.raises(ValueError):
        labels.value_label("channel", "email", "fr")


def test_client_values_read_backwards_from_client_yml(demo):
    from smk.views import labels

    own = labels.client_values(demo)
    assert own["channel"]["events"] == "OFFLINE" and own["offer"]["checklist"] == "Checklist: SLA Template"
    assert own["outcome"]["voicemail"] == "Left Voicemail"
    assert labels.client_values(None) == {}
    # the catalogue's label first, the client's spelling for a code it does not know
    assert labels.value_label("channel", "events", "es", demo) == "Eventos"


def test_method_and_analyst_notes(demo, tmp_path):
    import smk.report
    from smk.views import labels

    ctx = smk.report.setup(client_dir=tmp_path, lang="es", output_dir=tmp_path, client=demo, apply_theme=False)
    box = labels.method_note(ctx, "sla.first_contact.method")
    assert repr(box).startswith("Método: Intervalos de Wilson del 95 %")
    assert 'class="smk-note smk-method"' in box.html
    # the client never reads a note for the analyst; the consultant does, in JupyterLab
    assert labels.analyst_note(ctx, "sla.attempts.analyst") == []
    ctx.interactive = True
    (note,) = labels.analyst_note(ctx, "sla.agreement.analyst", file="<sla_agreement_es.md>")
    assert repr(note) == "Para el analista: El acuerdo también se guarda como <sla_agreement_es.md> junto a este informe."
    assert "&lt;sla_agreement_es.md&gt;" in note.html and "<sla_agreement" not in note.html
