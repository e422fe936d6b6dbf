"""smk.report and smk.views.theme on a hand-made client (no loader, no demo data needed)."""
from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

from smk import report
from smk.views import theme
from smk.client import Client
from smk.io.config import parse_config
from smk.io.ledger import CLEARED, Ledger


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
    out = report.format_table(df, lang="es", currency="EUR",
                              formats={"rate": "pct", "ci": "ci", "revenue": "money", "n": "int"},
                              labels={"rate": {"en": "Close rate", "es": "Tasa de cierre"}, "ci": "IC 95 %"})
    # 0.1234 → 12,3 %; ci 0.1/0.2 → [10,0 %, 20,0 %]; 1600 EUR → €1.600; 1234 → 1.234; 5 Mar → 5 mar 2026
    for piece in ("12,3 %", "[10,0 %, 20,0 %]", "€1.600", "€1.234.567", "1.234", "5 mar 2026", "31 dic 2026",
                  "Tasa de cierre", "IC 95 %"):
        assert piece in out.html, piece
    assert "ci_low" not in out.html and "ci_high" not in out.html
    lines = repr(out).splitlines()
    assert lines[0] == "channel | Tasa de cierre | IC 95 % | revenue | n | day"
    assert lines[1] == "email | 12,3 % | [10,0 %, 20,0 %] | €1.600 | 1.234 | 5 mar 2026"
    # identical input → identical HTML (nbval compares it)
    assert out.html == report.format_table(df, lang="es", currency="EUR",
                                           formats={"rate": "pct", "ci": "ci", "revenue": "money", "n": "int"},
                                           labels={"rate": {"en": "Close rate", "es": "Tasa de cierre"},
                                                   "ci": "IC 95 %"}).html


def test_format_table_module_labels_missing_values_and_row_limit():
    df = pd.DataFrame({"share": [0.5, None, 0.25], "won": [True, False, True]})
    labels = {"en": {"share": "Share"}, "es": {"share": "Proporción"}}
    out = report.format_table(df, lang="en", formats={"share": "pct:0"}, labels=labels, max_rows=2)
    assert "<th class=\"num\">Share</th>" in out.html
    assert "50 %" in out.html and report.fmt.MISSING in out.html and "yes" in out.html
    assert "25 %" not in out.html  # third row cut
    assert "Showing the first 2 of 3 rows." in out.html
    with pytest.raises(ValueError, match="unknown format"):
        report.format_table(df, formats={"share": "percent"})


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
    out = report.mask_pii(df, lang="en")
    assert list(out.columns) == ["lead_id", "column", "value", "note"]
    assert out["value"].tolist() == ["[hidden]", "-5"]  # email column of a ledger row hidden, amount kept
    assert out["note"].tolist() == ["write to [hidden] please", "no email here"]
    assert report.mask_pii(df, show_pii=True).equals(df)
    names = ["E-mail Address", "Work Phone", "Mobile Phone Number", "Teléfono", "contact_email", "n_email_open",
             "email_click", "owner", "mailing_list_size"]
    assert [report.is_pii_column(n) for n in names] == [True, True, True, True, True, False, False, False, False]
    assert report.mask_pii(df, lang="es")["value"].iloc[0] == "[oculto]"


# --- notes and needs --------------------------------------------------------------------------

def test_needs_shows_not_enough_data_in_report_language(ctx):
    assert ctx.needs("leads", "outcomes") is True
    assert ctx.shown == []
    assert ctx.needs("leads", "web_traffic", "revenue") is False
    note = ctx.shown[-1]
    assert "No hay datos suficientes" in note.html  # ctx.lang == "es"
    assert "tráfico web por canal" in note.html and "ingresos" in note.html
    assert "this needs" not in note.html
    en = report.not_enough_data(["web_traffic"], "en")
    assert "Not enough data" in en.html and "this analysis needs web traffic by channel." in en.text


def test_note_picks_language(ctx):
    n = ctx.note(en="Small groups", es="Grupos pequeños")
    assert "Grupos pequeños" in n.html and "Small groups" not in n.html
    assert 'class="smk-note smk-note"' in n.html


# --- headlines --------------------------------------------------------------------------------

def test_save_headlines_writes_json_with_display(ctx):
    ctx.save_headlines("03", [
        {"label_en": "Close rate", "label_es": "Tasa de cierre", "value": 0.25, "kind": "pct"},
        {"label_en": "Revenue", "label_es": "Ingresos", "value": 1600, "display": "€1.600"},
        {"label_en": "Missing", "label_es": "Falta", "value": float("nan"), "kind": "number"},
    ])
    data = json.loads((ctx.output_dir / "03.headlines.json").read_text(encoding="utf-8"))
    assert data["notebook"] == "03" and data["period"] == "2026-02" and data["lang"] == "es"
    # 0.25 in Spanish with 1 decimal → "25,0 %"
    assert data["items"][0] == {"label_en": "Close rate", "label_es": "Tasa de cierre", "value": 0.25,
                                "display": "25,0 %"}
    assert data["items"][1]["display"] == "€1.600"
    assert data["items"][2]["value"] is None and data["items"][2]["display"] == report.fmt.MISSING
    assert report.read_headlines(ctx.output_dir, "03") == data
    with pytest.raises(ValueError, match="two-digit"):
        ctx.save_headlines("3", [])
    with pytest.raises(ValueError, match="label_es"):
        ctx.save_headlines("04", [{"label_en": "x", "value": 1}])


def test_quality_headlines_and_ledger_tables(ctx):
    items = report.quality_headlines(ctx)
    by = {i["label_en"]: i for i in items}
    assert by["Leads read"]["value"] == 5 and by["Leads read"]["display"] == "5"
    # rows set aside: 2 duplicate leads + 1 negative deal = 3 (the cleared value is not a row);
    # rows read: 5 leads + 10 deals = 15 → 3 / 15 = 20,00 % (2 decimals: real shares are tiny)
    assert by["Rows set aside"]["value"] == 3
    assert by["Share of rows set aside"]["display"] == "20,00 %"
    # CAPS has 2 of 4 capabilities available
    assert by["Data requirements met"]["display"] == "2 / 4"

    counts = report.ledger_counts(ctx.client, "en")
    assert counts.to_dict("records") == [
        {"table": "deals", "meaning": "negative amount", "action": "row set aside", "rows": 1},
        {"table": "leads", "meaning": "the id appears more than once (first occurrence kept)", "action": "row set aside", "rows": 2},
        {"table": "leads", "meaning": "not a readable date", "action": "value cleared", "rows": 1},
    ]
    rows = report.ledger_rows(ctx.client, "es", n=None)
    assert rows["file"].tolist() == ["deals.csv", "leads.csv", "leads.csv", "leads.csv"]  # folder not shown
    assert rows["source_row"].tolist() == [2, 3, 4, 6]
    assert rows.loc[rows["column"] == "email", "value"].tolist() == ["[oculto]"]
    assert rows["action"].iloc[1] == "valor vaciado"


def test_capability_table_order_and_language():
    t = report.capability_table({"zeta": True, "web_traffic": False, "leads": True}, "es")
    assert t["capability"].tolist() == ["una tabla de leads", "tráfico web por canal", "zeta"]
    assert t["available"].tolist() == [True, False, True]


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
    ax = report.plot_quality(summary, lang="es")
    assert [p.get_width() for p in ax.patches] == [2.0, 1.0]
    # 2 / 5 = 40,00 %; 1 / 400 = 0,25 %
    assert [t.get_text() for t in ax.texts] == ["2 (40,00 %)", "1 (0,25 %)"]
    assert "Filas apartadas por tabla" in ax.get_title("left") + ax.get_title("center")  # theme titles left
    plt.close(ax.figure)


def test_tables_format_object_columns_of_timestamps_as_dates():
    # table_summary mixes tz-aware first dates with naive months → object dtype
    df = pd.DataFrame({"first": pd.Series([pd.Timestamp("2025-05-01 04:04", tz="Europe/Madrid"),
                                           pd.Timestamp("2025-05-01")], dtype="object")})
    assert repr(report.format_table(df, lang="en")).splitlines()[1:] == ["1 May 2025", "1 May 2025"]
