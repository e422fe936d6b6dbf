"""smk.report, smk.views.html, smk.views.quality and smk.views.theme on a hand-made client (no
loader, no demo data needed)."""
from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

from smk import report, texts
from smk.analyses import quality
from smk.client import Client
from smk.client.capabilities import CAPABILITIES
from smk.io.config import parse_config
from smk.io.ledger import CLEARED, Ledger
from smk.views import fmt, html, theme
from smk.views import quality as quality_views


def make_client(show_pii: bool = False, currency: str = "EUR", lang: str = "es") -> Client:
    cfg = parse_config({
        "name": "Acme", "currency": currency, "lang": lang, "timezone": "Europe/Madrid",
        "report": {"show_pii": show_pii},
        "tables": {"leads": {"file": "leads.csv"}, "deals": {"file": "deals.csv"}},
    })
    tz = "Europe/Madrid"
    leads = pd.DataFrame({
        "lead_id": ["L1", "L2", "L3"],
        "created_at": pd.to_datetime(["2026-01-05", "2026-02-10", "2026-03-01"]).tz_localize(tz),
        "owner": ["ana", "luis", "ana"],
        "email": ["a@x.com", "b@y.org", None],
        "_source_row": [2, 3, 5],
    })
    ledger = Ledger()
    ledger.add("leads", "exports/leads.csv", 4, "lead_id", "L2", "duplicate_id")
    ledger.add("leads", "exports/leads.csv", 6, "lead_id", "L3", "duplicate_id")
    ledger.add("leads", "exports/leads.csv", 3, "email", "bad@@x.com", "bad_date", action=CLEARED)
    ledger.add("deals", "exports/deals.csv", 2, "amount", "-5", "negative_amount")
    return Client(config=cfg, tables={"leads": leads}, ledger=ledger, rows_in={"leads": 5, "deals": 10},
                  data_end=pd.Timestamp("2026-03-15 12:00", tz=tz))


CAPS = {"leads": True, "outcomes": True, "revenue": False, "web_traffic": False}


@pytest.fixture
def ctx(tmp_path, monkeypatch):
    monkeypatch.setattr(report.context, "capabilities", lambda client: dict(CAPS))
    return report.setup(client_dir="data/demo", period="", lang="", output_dir=str(tmp_path / "out"),
                        client=make_client(), apply_theme=False)


# --- setup ------------------------------------------------------------------------------------

def test_setup_defaults_come_from_client(ctx, tmp_path):
    # data_end 2026-03-15 is before the end of March, so the last complete month is 2026-02
    assert ctx.period == pd.Period("2026-02", freq="M")
    assert ctx.lang == "es"  # from client.yml
    assert ctx.currency == "EUR"
    assert ctx.output_dir == tmp_path / "out" and ctx.output_dir.is_dir()
    assert ctx.client_dir == report.PROJECT_ROOT / "data" / "demo"


def test_setup_flags_override_and_relative_output_from_project_root(tmp_path, monkeypatch):
    c = make_client()
    ctx = report.setup(client_dir="data/demo", period="2026-01", lang="en",
                       output_dir=str(tmp_path / "x"), client=c, apply_theme=False)
    assert (str(ctx.period), ctx.lang) == ("2026-01", "en")
    assert report.resolve("reports/demo/2026-01") == report.PROJECT_ROOT / "reports" / "demo" / "2026-01"
    assert report.default_output_dir("data/demo", "2026-01") == report.PROJECT_ROOT / "reports" / "demo" / "2026-01"
    with pytest.raises(Exception, match="YYYY-MM"):
        report.setup(client_dir="data/demo", period="2026-13", lang="en", output_dir=str(tmp_path), client=c,
                     apply_theme=False)


def test_interactive_false_in_batch_and_outside_a_kernel(monkeypatch, tmp_path):
    monkeypatch.setenv(report.BATCH_ENV, "1")
    assert report.is_batch()
    monkeypatch.delenv(report.BATCH_ENV)
    assert report.is_batch()  # plain python / pytest: no IPython kernel
    ctx = report.setup(client_dir="data/demo", period="2026-01", lang="en", output_dir=str(tmp_path),
                       client=make_client(), apply_theme=False)
    assert ctx.interactive is False


# --- tables -----------------------------------------------------------------------------------

def test_format_table_spanish_formats_and_ci_from_low_high():
    df = pd.DataFrame({"channel": ["email", "paid"], "rate": [0.1234, 0.5], "ci_low": [0.1, 0.4],
                       "ci_high": [0.2, 0.6], "revenue": [1600.0, 1234567.0], "n": pd.array([1234, 7], dtype="Int64"),
                       "day": pd.to_datetime(["2026-03-05", "2026-12-31"])})
    out = html.format_table(df, lang="es", currency="EUR",
                              formats={"rate": "pct", "ci": "ci", "revenue": "money", "n": "int"},
                              labels={"rate": {"en": "Close rate", "es": "Tasa de cierre"}, "ci": "IC 95 %"})
    # 0.1234 → 12,3 %; ci 0.1/0.2 → [10,0 %; 20,0 %] (a semicolon where the decimal mark is a comma); 1600 EUR → €1.600; 1234 → 1.234; 5 Mar → 5 mar 2026
    for piece in ("12,3 %", "[10,0 %; 20,0 %]", "€1.600", "€1.234.567", "1.234", "5 mar 2026", "31 dic 2026",
                  "Tasa de cierre", "IC 95 %"):
        assert piece in out.html, piece
    assert "ci_low" not in out.html and "ci_high" not in out.html
    lines = repr(out).splitlines()
    assert lines[0] == "channel | Tasa de cierre | IC 95 % | revenue | n | day"
    assert lines[1] == "email | 12,3 % | [10,0 %; 20,0 %] | €1.600 | 1.234 | 5 mar 2026"
    # identical input → identical HTML (nbval compares it)
    assert out.html == html.format_table(df, lang="es", currency="EUR",
                                           formats={"rate": "pct", "ci": "ci", "revenue": "money", "n": "int"},
                                           labels={"rate": {"en": "Close rate", "es": "Tasa de cierre"},
                                                   "ci": "IC 95 %"}).html


def test_format_table_module_labels_missing_values_and_row_limit():
    df = pd.DataFrame({"share": [0.5, None, 0.25], "won": [True, False, True]})
    labels = {"en": {"share": "Share"}, "es": {"share": "Proporción"}}
    out = html.format_table(df, lang="en", formats={"share": "pct:0"}, labels=labels, max_rows=2)
    assert "<th class=\"num\">Share</th>" in out.html
    assert "50 %" in out.html and fmt.MISSING in out.html and "yes" in out.html
    assert "25 %" not in out.html  # third row cut
    assert "Showing the first 2 of 3 rows." in out.html
    with pytest.raises(ValueError, match="unknown format"):
        html.format_table(df, formats={"share": "percent"})


def test_ctx_table_hides_pii_unless_allowed(ctx, tmp_path):
    leads = ctx.client.leads
    out = ctx.table(leads[["lead_id", "owner", "email"]])
    assert "a@x.com" not in out.html and "email" not in out.html
    assert "L1" in out.html and "ana" in out.html
    c = make_client(show_pii=True)
    ctx2 = report.setup(client_dir="data/demo", period="2026-01", lang="en", output_dir=str(tmp_path),
                        client=c, apply_theme=False)
    assert "a@x.com" in ctx2.table(c.leads[["lead_id", "email"]]).html


def test_mask_pii_drops_columns_masks_ledger_values_and_emails_in_text():
    df = pd.DataFrame({
        "lead_id": ["L1", "L2"], "Phone Number": ["+34 600 000 000", None], "telefono": ["1", "2"],
        "correo": ["x@y.com", "z@w.com"], "column": ["email", "amount"], "value": ["c@d.com", "-5"],
        "note": ["write to e.f@g.co please", "no email here"],
    })
    out = html.mask_pii(df, lang="en")
    assert list(out.columns) == ["lead_id", "column", "value", "note"]
    assert out["value"].tolist() == ["[hidden]", "-5"]  # email column of a ledger row hidden, amount kept
    assert out["note"].tolist() == ["write to [hidden] please", "no email here"]
    assert html.mask_pii(df, show_pii=True).equals(df)
    names = ["E-mail Address", "Work Phone", "Mobile Phone Number", "Teléfono", "contact_email", "n_email_open",
             "email_click", "owner", "mailing_list_size"]
    assert [html.is_pii_column(n) for n in names] == [True, True, True, True, True, False, False, False, False]
    assert html.mask_pii(df, lang="es")["value"].iloc[0] == "[oculto]"


# --- notes and needs --------------------------------------------------------------------------

def test_needs_shows_not_enough_data_in_report_language(ctx):
    assert ctx.needs("leads", "outcomes") is True
    assert ctx.shown == []
    assert ctx.needs("leads", "web_traffic", "revenue") is False
    note = ctx.shown[-1]
    assert "No hay datos suficientes" in note.html  # ctx.lang == "es"
    assert "tráfico web por canal" in note.html and "ingresos" in note.html
    assert "this needs" not in note.html
    en = html.not_enough_data(["web_traffic"], "en")
    assert "Not enough data" in en.html and "this analysis needs web traffic by channel." in en.text


def test_note_text_and_paragraphs_come_from_the_catalogue(ctx):
    n = ctx.note_text("quality.allows.note")  # ctx.lang == "es"
    assert n.html == ('<div class="smk-note smk-note"><p><strong>Nota:</strong> Los análisis sin los datos necesarios '
                      "muestran una nota de &#x27;no hay datos suficientes&#x27; en lugar de cifras; añada la exportación "
                      "a client.yml para activarlos.</p></div>")
    assert ctx.para("report.index.heading", client="<b>Acme</b> & co").html == \
        "<p>Informe de alineación ventas–marketing: &lt;b&gt;Acme&lt;/b&gt; &amp; co</p>"


def test_text_values_with_contact_data_are_masked_unless_allowed(ctx, tmp_path):
    # ctx.lang == "es": the hidden value reads "[oculto]"
    assert ctx.text("report.index.heading", client="Ana, +34 600 111 222") == \
        "Informe de alineación ventas–marketing: Ana, [oculto]"
    allowed = report.setup(client_dir="data/demo", period="2026-01", lang="en", output_dir=str(tmp_path),
                           client=make_client(show_pii=True), apply_theme=False)
    assert allowed.text("report.index.heading", client="ana@x.com") == "Sales–marketing alignment report: ana@x.com"


# --- headlines --------------------------------------------------------------------------------

def test_save_headlines_writes_json_with_display(ctx):
    ctx.save_headlines("03", [
        ctx.headline("quality.headline.share_set_aside", 0.25, "pct"),
        ctx.headline("quality.headline.rows_set_aside", 1600, "int", display="€1.600"),
        ctx.headline("quality.headline.leads_read", float("nan"), "number"),
    ])
    data = json.loads((ctx.output_dir / "03.headlines.json").read_text(encoding="utf-8"))
    assert data["notebook"] == "03" and data["period"] == "2026-02" and data["lang"] == "es"
    # 0.25 in Spanish with 1 decimal → "25,0 %"
    assert data["items"][0] == {"key": "quality.headline.share_set_aside", "label": "Proporción de filas apartadas",
                                "value": 0.25, "display": "25,0 %"}
    assert data["items"][1]["display"] == "€1.600"
    assert data["items"][2]["value"] is None and data["items"][2]["display"] == fmt.MISSING
    assert report.read_headlines(ctx.output_dir, "03") == data
    with pytest.raises(ValueError, match="two-digit"):
        ctx.save_headlines("3", [])
    with pytest.raises(ValueError, match="label"):
        ctx.save_headlines("04", [{"value": 1}])


def test_headline_labels_and_displays_are_filled_in_the_report_language(ctx):
    from smk.analyses.base import Headline

    item = ctx.headline_item(Headline("report.index.heading", 0.5, "pct:0", display="quality.headline.requirements_display",
                                      params={"met": 3, "total": 1234}, label_params={"client": 0.125},
                                      formats={"client": "pct:1", "total": "int"}))
    # Spanish: 0.125 → "12,5 %", 1234 → "1.234"
    assert item == {"key": "report.index.heading", "label": "Informe de alineación ventas–marketing: 12,5 %",
                    "value": 0.5, "display": "3 / 1.234"}


def test_quality_result_headlines_and_tables(ctx):
    res = quality.analyse(ctx.client, caps=CAPS)
    ctx.save_headlines("00", res)
    by = {i["key"]: i for i in report.read_headlines(ctx.output_dir, "00")["items"]}
    assert by["quality.headline.leads_read"]["value"] == 5 and by["quality.headline.leads_read"]["display"] == "5"
    assert by["quality.headline.leads_read"]["label"] == "Leads leídos"
    # rows set aside: 2 duplicate leads + 1 negative deal = 3 (the cleared value is not a row);
    # rows read: 5 leads + 10 deals = 15 → 3 / 15 = 20,00 % (2 decimals: real shares are tiny)
    assert by["quality.headline.rows_set_aside"]["value"] == 3
    assert by["quality.headline.share_set_aside"]["display"] == "20,00 %"
    # CAPS has 2 of 4 capabilities available
    assert by["quality.headline.requirements_met"]["display"] == "2 / 4"
    assert (res.rows_read, res.rows_set_aside, res.values_cleared) == (15, 3, 1)

    assert res.reasons.to_dict("records") == [
        {"table": "deals", "reason": "negative_amount", "action": "row_set_aside", "rows": 1},
        {"table": "leads", "reason": "duplicate_id", "action": "row_set_aside", "rows": 2},
        {"table": "leads", "reason": "bad_date", "action": "value_cleared", "rows": 1},
    ]
    assert quality_views.reasons_table(res.reasons, "en").to_dict("records") == [
        {"table": "deals", "meaning": "negative amount", "action": "row set aside", "rows": 1},
        {"table": "leads", "meaning": "the id appears more than once (first occurrence kept)", "action": "row set aside", "rows": 2},
        {"table": "leads", "meaning": "not a readable date", "action": "value cleared", "rows": 1},
    ]
    rows = res.examples
    assert rows["file"].tolist() == ["deals.csv", "leads.csv", "leads.csv", "leads.csv"]  # folder not shown
    assert rows["source_row"].tolist() == [2, 3, 4, 6]
    shown = quality_views.examples_table(rows, "es")
    assert shown["action"].iloc[1] == "valor vaciado"
    # the email column's value of the ledger row is hidden when the table is shown
    table = ctx.table(shown, labels=quality_views.COLUMNS)
    assert "bad@@x.com" not in table.html and "[oculto]" in table.html and "Fila en el archivo" in table.html


def test_quality_sections_show_in_order_and_say_when_nothing_was_set_aside(ctx):
    res = quality.analyse(ctx.client, caps=CAPS)
    ctx.show(res, "reasons")
    ctx.show(res, "examples")
    ctx.show(res, "capabilities")
    texts_shown = [repr(x) for x in ctx.shown]
    assert texts_shown[1] == ("Las primeras filas del registro, como ejemplo (el CSV las tiene todas). "
                              "Los datos de contacto se ocultan.")
    assert texts_shown[-1].startswith("Nota: Los análisis sin los datos necesarios")
    empty = make_client()
    empty.ledger._rows.clear()
    res = quality.analyse(empty, caps=CAPS)
    ctx.shown.clear()
    ctx.show(res, "reasons")
    ctx.show(res, "examples")
    assert [repr(x) for x in ctx.shown] == ["No se apartó ninguna fila ni se vació ningún valor."]


def test_capability_table_order_and_language():
    t = quality_views.capability_table(quality.capability_frame({"zeta": True, "web_traffic": False, "leads": True}), "es")
    assert t["capability"].tolist() == ["una tabla de leads", "tráfico web por canal", "zeta"]
    assert t["available"].tolist() == [True, False, True]


def test_every_capability_is_explained_in_every_language():
    for lang in texts.LANGS:
        assert set(texts.labels("report.capabilities", lang)) == set(CAPABILITIES)


# --- theme ------------------------------------------------------------------------------------

def test_theme_formatters_follow_language_and_currency():
    assert theme.formatter("pct", "es")(0.25, 0) == "25 %"
    assert theme.formatter("money", "en", "USD")(1600, 0) == "$1,600"
    assert theme.formatter("money", "es", "EUR")(1600, 0) == "€1.600"
    assert theme.formatter("number", "es", decimals=1)(1234.5, 0) == "1.234,5"
    assert theme.palette(10)[8] == theme.PALETTE[0]
    with pytest.raises(ValueError):
        theme.formatter("percent")
    theme.apply()
    assert tuple(matplotlib.rcParams["figure.figsize"]) == theme.FIGSIZE["normal"]


def test_plot_quality_bars_are_rows_set_aside_with_share():
    import matplotlib.pyplot as plt

    summary = pd.DataFrame({"table": ["leads", "deals"], "rows_in": [5, 400], "rows_set_aside": [2, 1]})
    ax = quality_views.plot_quality(summary, lang="es")
    assert [p.get_width() for p in ax.patches] == [2.0, 1.0]
    # 2 / 5 = 40,00 %; 1 / 400 = 0,25 %
    assert [t.get_text() for t in ax.texts] == ["2 (40,00 %)", "1 (0,25 %)"]
    assert "Filas apartadas por tabla" in ax.get_title("left") + ax.get_title("center")  # theme titles left
    plt.close(ax.figure)


def test_tables_format_object_columns_of_timestamps_as_dates():
    # table_summary mixes tz-aware first dates with naive months → object dtype
    df = pd.DataFrame({"first": pd.Series([pd.Timestamp("2025-05-01 04:04", tz="Europe/Madrid"),
                                           pd.Timestamp("2025-05-01")], dtype="object")})
    assert repr(html.format_table(df, lang="en")).splitlines()[1:] == ["1 May 2025", "1 May 2025"]


# --- escaping, once ----------------------------------------------------------------------------

def test_a_cell_with_markup_characters_is_escaped_exactly_once():
    # the bug: the text of a `ci` cell that is not a (low, high) pair was escaped twice, so
    # `<1 % & more` read "&lt;1 % &amp; more" on the page (&amp;lt;… in the HTML)
    df = pd.DataFrame({"label": ["<1 % & more"], "ci": ["<1 % & more"]})
    out = html.format_table(df, formats={"ci": "ci"})
    assert out.html == ('<div class="smk-table-wrap"><table class="smk-table"><thead><tr><th class="txt">label</th>'
                        '<th class="num">ci</th></tr></thead><tbody><tr><td class="txt">&lt;1 % &amp; more</td>'
                        '<td class="num">&lt;1 % &amp; more</td></tr></tbody></table></div>')
    assert repr(out).splitlines()[1] == "<1 % & more | <1 % & more"  # plain text stays plain
    # a headline shown as that text keeps it as plain text (the index page escapes it)
    assert html.headline("x", "<1 % & more", "ci")["display"] == "<1 % & more"


def test_html_fragments_go_into_templates_unescaped_and_values_escaped():
    frag = html.text_html("a & b")
    assert html.render_string("{{ frag }}|{{ raw }}", frag=frag, raw="<i>&") == "<p>a &amp; b</p>|&lt;i&gt;&amp;"


# --- PII in text -------------------------------------------------------------------------------

PHONES = ["Mobile is +34 600 111 222", "(555) 123-4567", "call 555-123-4567 today", "555.123.4567",
          "+1-202-555-0143", "+44 (0)20 7946 0958", "+34600111222", "Tel: 600 123 456", "móvil 600123456",
          "WhatsApp 600-12-34-56"]
NOT_PHONES = ["€1,234,567.89", "1.234.567", "$1,234", "2026-03-05", "05/03/2026", "2026-03-05 10:00:00",
              "2026-03-05T10:00:00+01:00", "L-000123", "ID 1234567890", "0012345678", "order 600111222",
              "12:30:45", "+12,3 %", "+1.234.567", "+12.345.678", "−1.234 €", "[10,0 %, 20,0 %]", "3.14",
              "hotel 123456", "600 111 222 units"]


@pytest.mark.parametrize("text", PHONES)
def test_phone_numbers_inside_text_are_masked(text):
    masked = html.mask_text(text, "[hidden]")
    assert "[hidden]" in masked and not any(ch.isdigit() for ch in masked.replace("[hidden]", "")), masked
    out = html.mask_pii(pd.DataFrame({"note": [text]}), lang="en")
    assert out["note"].iloc[0] == masked


@pytest.mark.parametrize("text", NOT_PHONES)
def test_amounts_dates_and_ids_are_not_taken_for_phone_numbers(text):
    assert html.mask_text(text, "[hidden]") == text
    assert html.mask_pii(pd.DataFrame({"note": [text]}), lang="en")["note"].iloc[0] == text


def test_mask_text_keeps_the_words_around_and_masks_emails_too():
    assert html.mask_text("Tel: 600 123 456 or ana@x.com (ask for Ana)", "[X]") == "Tel: [X] or [X] (ask for Ana)"
    assert html.mask_pii(pd.DataFrame({"n": [1234567], "note": ["+34 600 111 222"]}), show_pii=True)["note"].iloc[0] \
        == "+34 600 111 222"
