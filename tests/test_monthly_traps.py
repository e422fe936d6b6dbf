"""Notebook 06 on exports that set traps for the monthly report (issue 16 items 4, 6, 7, 11): no invented
result. What each section *says*, in both languages, and the index tile's JSON.

Clients: tests/adversarial.py (no_contact_data, partial_outcome_coverage, stale_open_deals, no_lost_deals,
undated) and one written here (a month of 1,303 MQLs against a goal of 1,200, then a month without leads but
with customers; deals open at a month end that closed later, a won deal without a close date).
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import smk
import smk.report
from smk.analyses import monthly as mo
from smk.views import fmt
from smk.views import monthly as vm

sys.path.insert(0, str(Path(__file__).resolve().parent))
from adversarial import build  # noqa: E402

LANGS = ("en", "es")


def report(folder: Path, tmp: Path, period: str | None = None) -> dict:
    """Every section of 06 rendered through the notebook's calls in both languages, and the tile's JSON."""
    import matplotlib

    matplotlib.use("Agg")
    client = smk.load_client(folder)
    out = {"client": client}
    for lang in LANGS:
        ctx = smk.report.setup(client_dir=folder, lang=lang, output_dir=tmp / lang, client=client, apply_theme=False,
                               **({"period": period} if period else {}))
        res = ctx.analyse(mo.analyse)
        shown = {}
        for name in mo.SECTIONS:
            before = len(ctx.shown)
            ctx.show(res, name)
            shown[name] = "\n".join(repr(x) for x in ctx.shown[before:] if not hasattr(x, "savefig"))
        ctx.save_headlines("06", res)
        items = json.loads((tmp / lang / "06.headlines.json").read_text(encoding="utf-8"))["items"]
        out[lang] = {"sections": shown, "headlines": {i["key"]: i for i in items}}
        out["res"] = res
    return out


# --------------------------------------------------------------------------------------------
# no contact data: the sales half says what it needs
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def no_contacts(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("no_contacts")
    return report(build("no_contact_data", tmp), tmp)


def test_no_contact_data_invents_no_compliance(no_contacts):
    res = no_contacts["res"]
    assert np.isnan(res.kpi("first_contact_compliance"))
    tile = no_contacts["en"]["headlines"]["monthly.headline.sla_compliance"]
    assert tile["value"] is None and tile["display"] == "not measured (no contact data)"
    assert no_contacts["es"]["headlines"]["monthly.headline.sla_compliance"]["display"] == "no medido (sin datos de contacto)"
    en, es = no_contacts["en"]["sections"], no_contacts["es"]["sections"]
    everything = " ".join(en.values())
    assert not re.search(r"(?<![\d.,])0[.,]0 %", everything), "a 0.0 % that no check earned"
    assert "behind" not in everything and "first contacted in time" not in everything
    assert en["compliance"].startswith("Not enough data: The data record no sales contacts")
    assert en["commitments"].endswith("Marketing: 0 of 2 commitments met; Sales: none of the 2 commitments can be judged.")
    assert es["commitments"].endswith("Marketing: 0 de 2 compromisos cumplidos; Ventas: ninguno de los 2 compromisos "
                                      "se puede juzgar.")


# --------------------------------------------------------------------------------------------
# outcomes covering only the later half
# --------------------------------------------------------------------------------------------
def test_a_month_before_the_outcome_data_start_shows_no_zero_sales(tmp_path):
    folder = build("partial_outcome_coverage", tmp_path)
    out = report(folder, tmp_path, period="2025-10")
    res = out["res"]
    assert res.outcomes_start == pd.Timestamp("2026-01-01") and "outcomes_start" in res.notes
    assert all(np.isnan(res.kpi(k)) for k in ("customers", "revenue", "pct_quota"))
    assert res.kpi("leads") > 0  # the leads are there; only their outcomes are not
    for name in ("pipeline", "cycle"):
        assert res.is_missing(name).reason == "monthly.missing.not_covered"
    # this export has no quota either: that reason comes first (both are true)
    assert res.is_missing("quota").reason in ("monthly.missing.no_quota", "monthly.missing.not_covered")
    en, es = out["en"]["sections"], out["es"]["sections"]
    assert ("Note: The outcome data (deals and wins) start in January 2026: customers, revenue and % of quota of "
            "earlier months are not in the export, so they are shown as missing, not as zero.") in en["notes"]
    assert (f"Nota: Los datos de resultados (negocios y ventas) empiezan en {fmt.month('2026-01', 'es')}: los clientes, "
            "los ingresos y el % de la cuota de los meses anteriores no están en la exportación") in es["notes"]
    assert "Customers: – (– vs previous month; – vs last year)" in en["tiles"]
    assert "No customer was won this month" not in en["cycle"] and "Not enough data: The outcome data" in en["cycle"]
    # sources: leads by channel, customers unknown, not zero
    assert en["sources"].endswith("the outcome data do not reach this month, so its customers are not known. There is "
                                  "no web-traffic export, so visits and visit-to-lead rates are not shown.")
    # the close-rate dispute of a cohort the outcomes do not reach is not judged, and the agenda says so
    assert res.disputes.attrs["close_rate_skipped"] == "not_covered"
    assert ("Dispute: lead quality | The close rate of the latest cohort old enough to judge cannot be compared with "
            "earlier months: the outcome data do not reach that cohort.") in en["monthly_agenda"]
    # the trend shows no bar at 0 for the months before January 2026
    assert res.series.set_index("month").loc["2025-10", ["customers", "won_deals", "revenue"]].isna().all()


def test_the_first_covered_month_has_no_movement_from_an_invented_zero(tmp_path):
    res = mo.analyse(smk.load_client(build("partial_outcome_coverage", tmp_path)), "2026-01")
    k = res.kpis.set_index("kpi")
    assert k.loc["customers", "value"] > 0 and np.isnan(k.loc["customers", "previous"])
    assert "customers" not in set(res.movements()["kpi"]) and "revenue" not in set(res.movements()["kpi"])
    assert "outcomes_start" in res.notes


# --------------------------------------------------------------------------------------------
# stale open deals, no lost deals, undated
# --------------------------------------------------------------------------------------------
def test_stale_open_deals_pipeline_as_of_the_month_end(tmp_path):
    out = report(build("stale_open_deals", tmp_path), tmp_path)
    p = out["res"].pipeline.set_index("pipeline_stage")
    # no deal is listed under a final stage (won, lost) it had not reached at the end of June 2026
    assert set(p.index) <= {"open", mo.CLOSED_LATER}
    deals = pd.read_csv(out["client"].path / "deals.csv", parse_dates=["created_at", "closed_at"])
    end = pd.Timestamp("2026-07-01")
    created = deals["created_at"] < end
    assert p.loc["open", "deals"] == int((created & (deals["stage"] == "open")).sum())
    assert p.loc[mo.CLOSED_LATER, "deals"] == int((created & (deals["stage"] != "open") & (deals["closed_at"] >= end)).sum())
    n = int(p["deals"].sum())
    assert out["en"]["sections"]["pipeline"].splitlines()[-1].startswith(
        f"{n} open deals worth {fmt.money(p['amount'].sum(), 'EUR', 'en')} at the end of June 2026 (stages as exported). "
        f"{p.loc[mo.CLOSED_LATER, 'deals']} of them have been won or lost since")


def test_no_lost_deals_and_undated_render(tmp_path):
    out = report(build("no_lost_deals", tmp_path / "a"), tmp_path / "a")
    assert "won ÷ (won + lost)" not in " ".join(out["en"]["sections"].values())
    und = report(build("undated", tmp_path / "b"), tmp_path / "b")
    shown = [s for s in und["en"]["sections"].values() if s]
    assert len(shown) == 1 and shown[0].startswith("Not enough data")
    assert und["en"]["headlines"] == {}


def test_the_sources_sentence_never_contradicts_the_tile(tmp_path):
    """"No leads" only beside a tile without leads: every month of every adversarial client."""
    for kind in ("no_contact_data", "partial_outcome_coverage", "stale_open_deals", "no_lost_deals"):
        client = smk.load_client(build(kind, tmp_path / kind))
        for period in pd.period_range("2025-06", "2026-07", freq="M"):
            s = mo.summary(client, str(period))  # the tile's figures; the sentence's own table beside them
            res = SimpleNamespace(sources=mo.by_source(client, str(period), months=1), month=s.month, kpi=s.kpi,
                                  has_spend=False, has_traffic=False)
            text = vm.sources_text(res, "en", "EUR")
            assert text.startswith("No leads") == (res.kpi("leads") == 0), (kind, period, text)


# --------------------------------------------------------------------------------------------
# a client written here: formats, a month without leads, the pipeline as of a month end
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """1,303 MQLs in May 2026 against marketing.mql_goal 1,200; 200 leads in April; none in June, when 3 April
    leads are won (deals D1–D3). At the end of May: D1 (created 10 May) open then, won on 10 June; D4 open
    ("Proposal"); D5 won with no close date."""
    folder = tmp_path_factory.mktemp("small")
    may = pd.Timestamp("2026-05-01 09:00") + pd.to_timedelta(np.arange(1303) * 30, unit="min")
    apr = pd.Timestamp("2026-04-01 09:00") + pd.to_timedelta(np.arange(200) * 3, unit="h")
    created = pd.Series(list(apr) + list(may))
    leads = pd.DataFrame({"lead_id": [f"L{i:04d}" for i in range(len(created))], "created_at": created,
                          "mql_at": created + pd.Timedelta(hours=1),
                          "channel": np.where(np.arange(len(created)) % 3 == 0, "email", "web")})
    deals = pd.DataFrame({"deal_id": ["D1", "D2", "D3", "D4", "D5"],
                          "lead_id": ["L0001", "L0002", "L0003", "L0004", "L0005"],
                          "stage": ["won", "won", "won", "open", "won"], "pipeline_stage": [None, None, None, "Proposal", None],
                          "amount": [1000.0, 2000.0, 3000.0, 4000.0, 500.0],
                          "created_at": pd.to_datetime(["2026-05-10", "2026-04-20", "2026-04-21", "2026-05-12",
                                                        "2026-05-15"]),
                          "closed_at": pd.to_datetime(["2026-06-10", "2026-06-11", "2026-06-12", None, None])})
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in (("leads", leads), ("deals", deals)):
        df.to_csv(folder / f"{name}.csv", index=False, date_format="%Y-%m-%d %H:%M")
    (folder / "client.yml").write_text(
        "name: Small\ncurrency: EUR\nlang: en\ntimezone: UTC\nmarketing:\n  mql_goal: 1200\ntables:\n"
        "  leads:\n    file: leads.csv\n  deals:\n    file: deals.csv\n", encoding="utf-8")
    return folder


def test_tile_numbers_are_formatted_in_the_report_language(small, tmp_path):
    out = report(small, tmp_path, period="2026-05")
    assert out["res"].kpi("mqls") == 1303 and out["res"].goal == 1200
    assert out["en"]["headlines"]["monthly.headline.mqls_vs_goal"]["display"] == "1,303 / 1,200"
    assert out["es"]["headlines"]["monthly.headline.mqls_vs_goal"]["display"] == "1.303 / 1.200"
    assert out["en"]["headlines"]["monthly.headline.pct_quota"]["display"] == "no quota set"


def test_pipeline_uses_the_state_at_the_month_end(small, tmp_path):
    out = report(small, tmp_path, period="2026-05")
    p = out["res"].pipeline
    # D1 was open on 31 May (won 10 June): its stage then is unknown; D4 open; D5 (won, no date) left out;
    # D2, D3 (April deals won in June) were open too
    assert p.set_index("pipeline_stage")["deals"].to_dict() == {"Proposal": 1, mo.CLOSED_LATER: 3}
    assert p.attrs["undated_closed"] == 1
    assert out["en"]["sections"]["pipeline"] == (
        "Pipeline stage | Deals | Amount\nProposal | 1 | €4,000\nclosed since (stage at the month end not in the export) "
        "| 3 | €6,000\n4 open deals worth €10,000 at the end of May 2026 (stages as exported). 3 of them have been won "
        "or lost since: the export keeps only their final stage, so their stage at the end of the month is not known "
        "and they are listed as such. 1 won or lost deal has no close date: whether it was still open at the end of "
        "the month is not known, so it is left out.")
    es = out["es"]["sections"]["pipeline"]
    assert "cerrado después (etapa al cierre del mes no exportada) | 3 | 6.000 €" in es or \
           "cerrado después (etapa al cierre del mes no exportada) | 3 | €6.000" in es
    assert es.endswith("1 negocio ganado o perdido no tiene fecha de cierre: no se sabe si seguía abierto al cierre "
                       "del mes, así que queda fuera.")


def test_a_month_without_leads_but_with_customers(small, tmp_path):
    out = report(small, tmp_path, period="2026-06")
    res = out["res"]
    assert res.kpi("leads") == 0 and res.kpi("customers") == 3
    assert out["en"]["sections"]["sources"].splitlines()[-1].startswith(
        "No leads were created this month; web brought the most customers (2).")
    assert out["es"]["sections"]["sources"].splitlines()[-1].startswith(
        "No se creó ningún lead este mes; web trajo más clientes (2).")
