"""`smk init`: recognises exports, proposes a client.yml that loads, never overwrites one silently."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

import smk
from smk.run import init as smk_init
from smk.cli import main
from smk.errors import ConfigError

from conftest import ROOT, require_dataset

AS_OF = "2026-11-01"  # after the demo's last date: the same rows count as "future" in both loads


def _yml(folder: Path) -> dict:
    return yaml.safe_load((folder / "client.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def demo_init(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo_init")
    for f in sorted((ROOT / "data" / "demo").glob("*.csv")):
        shutil.copy(f, folder / f.name)
    assert main(["init", str(folder), "--timezone", "Europe/Madrid", "--currency", "EUR"]) == 0
    return folder


def test_demo_raw_files_give_a_client_yml_that_loads_like_the_demo(demo_init):
    cfg = _yml(demo_init)
    files = {name: t["file"] for name, t in cfg["tables"].items()}
    # every demo export is recognised as its table, referenced relative to the client folder
    assert files == {"leads": "hubspot_contacts.csv", "activities": "hubspot_contact_activity.csv",
                     "contact_attempts": "salesforce_tasks.csv", "deals": "hubspot_deals.csv",
                     "web_traffic": "ga4_channels_daily.csv", "quotas": "sales_quotas.csv",
                     "survey": "alignment_survey.csv"}
    assert cfg["tables"]["leads"]["preset"] == "hubspot"
    assert cfg["tables"]["deals"]["delimiter"] == ";"
    assert cfg["tables"]["contact_attempts"]["encoding"] == "cp1252"
    # the tasks' dates are dd/mm/yyyy hh:mm (some days are over 12)
    assert cfg["tables"]["contact_attempts"]["date_format"] == "%d/%m/%Y %H:%M"
    # statuses the preset does not know are classified by keyword
    assert cfg["tables"]["leads"]["values"]["status"] == {"Closed Lost": "lost", "Customer": "won"}
    assert cfg["tables"]["quotas"]["columns"]["amount"] == "Quota (EUR)"

    proposed = smk.load_client(demo_init, as_of=AS_OF)
    reference = smk.load_client(ROOT / "data" / "demo", as_of=AS_OF)
    for table in reference.tables:
        assert len(proposed.tables[table]) == len(reference.tables[table]), table
        assert proposed.rows_in[table] == reference.rows_in[table], table
    assert (proposed.deals["stage"].value_counts().to_dict() == reference.deals["stage"].value_counts().to_dict())
    assert (proposed.leads["status"].value_counts().to_dict() == reference.leads["status"].value_counts().to_dict())
    # both read the tasks' day-first dates the same way
    pd.testing.assert_series_equal(proposed.contact_attempts["attempted_at"], reference.contact_attempts["attempted_at"])


def test_init_never_overwrites_without_force(demo_init, capsys):
    before = (demo_init / "client.yml").read_text(encoding="utf-8")
    (demo_init / "client.yml").write_text(before + "# edited by the consultant\n", encoding="utf-8")
    assert main(["init", str(demo_init)]) == 2
    err = capsys.readouterr().err
    assert "already exists; smk init never overwrites it. Use --force" in err
    assert (demo_init / "client.yml").read_text(encoding="utf-8").endswith("# edited by the consultant\n")
    assert main(["init", str(demo_init), "--force", "--timezone", "Europe/Madrid"]) == 0
    assert "edited by the consultant" not in (demo_init / "client.yml").read_text(encoding="utf-8")


def test_spanish_headers_keywords_and_an_ambiguous_date(tmp_path):
    leads = ("ID Lead;Fecha de creación;Origen;Convertido;Email\n"
             "L1;03/04/2025;Google;Sí;a@x.es\n"
             "L2;05/04/2025;Facebook;No;b@x.es\n"
             "L3;07/08/2025;Google;No;c@x.es\n")
    deals = ("ID Negocio;ID Lead;Etapa;Importe;Fecha de cierre\n"
             "N1;L1;Cerrado ganado;1.500,00;2025-05-01\n"
             "N2;L2;Perdido;900,00;2025-05-02\n"
             "N3;L3;Propuesta enviada;1.200,50;\n")
    client = tmp_path / "acme"
    client.mkdir()
    (client / "leads.csv").write_text(leads, encoding="utf-8")
    outside = tmp_path / "exports"
    outside.mkdir()
    (outside / "negocios.csv").write_text(deals, encoding="cp1252")
    proposal, path = smk_init.init_client(client, [client / "leads.csv", outside / "negocios.csv"], lang="es",
                                          timezone="Europe/Madrid", currency="EUR")
    text = path.read_text(encoding="utf-8")
    cfg = yaml.safe_load(text)
    lt, dt = cfg["tables"]["leads"], cfg["tables"]["deals"]
    assert lt["file"] == "leads.csv"  # inside the client folder: relative
    assert dt["file"] == str((outside / "negocios.csv").resolve())  # outside: absolute
    assert lt["columns"] == {"lead_id": "ID Lead", "created_at": "Fecha de creación", "channel": "Origen",
                             "email": "Email", "won": "Convertido"}
    assert dt["columns"]["deal_id"] == "ID Negocio" and dt["columns"]["stage"] == "Etapa"
    assert dt["columns"]["lead_id"] == "ID Lead" and dt["columns"]["amount"] == "Importe"
    assert dt["columns"]["closed_at"] == "Fecha de cierre"
    assert dt["values"]["stage"] == {"Cerrado ganado": "won", "Perdido": "lost", "Propuesta enviada": "open"}
    # no day over 12: day first is assumed, and the file says why
    assert lt["date_format"] == "%d/%m/%Y"
    assert "# CHECK: day/month order of 'Fecha de creación' is ambiguous: no value has a day over 12" in text
    assert "values of channel ('Origen'), for review" in text and "'Google': 2 rows" in text

    c = smk.load_client(client, as_of=AS_OF)
    assert c.leads.set_index("lead_id").loc["L1", "created_at"] == pd.Timestamp("2025-04-03", tz="Europe/Madrid")
    assert c.leads["won"].tolist() == [True, False, False]
    assert c.deals.set_index("deal_id")["stage"].to_dict() == {"N1": "won", "N2": "lost", "N3": "open"}
    assert c.deals["amount"].tolist() == [1500.0, 900.0, 1200.5]  # 1.500,00 is read with a decimal comma


def test_classify_value_keywords():
    stage = [smk_init.classify_value("deals", "stage", v) for v in
             ("Closed Won", "Cerrado ganado", "GANADA", "Closed Lost", "perdido", "Negociación", "Contract Sent")]
    assert stage == ["won", "won", "won", "lost", "lost", "open", "open"]
    status = [smk_init.classify_value("leads", "status", v) for v in
              ("Closed - Not Converted", "Closed - Converted", "Unqualified", "Cliente", "Working - Contacted")]
    assert status == ["lost", "open", "lost", "won", "open"]
    life = [smk_init.classify_value("leads", "lifecycle_stage", v) for v in
            ("Marketing Qualified Lead", "Sales Qualified Lead", "Lead", "Evangelist")]
    assert life == ["mql", "sql", "lead", "other"]


def test_no_leads_file_is_a_clear_error(tmp_path):
    (tmp_path / "traffic.csv").write_text("Date,Channel,Sessions\n2025-01-01,Email,3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="none of the files looks like a leads / contacts export"):
        smk_init.init_client(tmp_path / "client", [tmp_path / "traffic.csv"])
    assert not (tmp_path / "client" / "client.yml").exists()


def test_olist_files_outside_the_client_folder(tmp_path):
    olist = require_dataset("olist")
    files = [olist / "olist_marketing_qualified_leads_dataset.csv", olist / "olist_closed_deals_dataset.csv"]
    proposal, path = smk_init.init_client(tmp_path / "olist", files)
    cfg = yaml.safe_load(path.read_text(encoding="utf-8"))
    lt, dt = cfg["tables"]["leads"], cfg["tables"]["deals"]
    assert lt["file"] == str(files[0].resolve()) and dt["file"] == str(files[1].resolve())
    assert lt["columns"] == {"lead_id": "mql_id", "created_at": "first_contact_date", "channel": "origin"}
    assert lt["date_format"] == "%d-%m-%Y"  # first_contact_date was re-saved as dd-mm-yyyy
    assert dt["constants"] == {"stage": "won"}  # only won deals, said with a CHECK
    assert dt["columns"]["deal_id"] == "mql_id" and dt["columns"]["lead_id"] == "mql_id"
    assert dt["columns"]["closed_at"] == "won_date" and dt["columns"]["amount"] == "declared_monthly_revenue"
    c = smk.load_client(tmp_path / "olist", as_of=AS_OF)
    reference = smk.load_client(ROOT / "examples" / "olist", as_of=AS_OF)
    assert len(c.leads) == len(reference.leads) == 8000
    assert len(c.deals) == len(reference.deals) == 842
    assert (c.leads.set_index("lead_id")["created_at"].dt.date.sort_index()
            .equals(reference.leads.set_index("lead_id")["created_at"].dt.date.sort_index()))


def test_other_date_columns_settle_an_ambiguous_one_and_odd_values_are_flagged(tmp_path):
    # created: every day <= 12 (ambiguous alone); mql: '25/03/2025' settles day first for the file;
    # customer: month-first shape is impossible to tell, and 'soon' cannot be read
    leads = ("Lead ID,Created,MQL Date,Customer Date,Lead Source\n"
             "1,03/04/2025,25/03/2025,05/05/2025,Select\n"
             "2,04/04/2025,01/04/2025,soon,Web\n"
             "3,05/04/2025,02/04/2025,,Web\n")
    (tmp_path / "leads.csv").write_text(leads, encoding="utf-8")
    proposal, path = smk_init.init_client(tmp_path, [tmp_path / "leads.csv"])
    text = path.read_text(encoding="utf-8")
    tp = proposal.tables["leads"]
    assert tp.date_formats == {"created_at": "%d/%m/%Y", "mql_at": "%d/%m/%Y", "customer_at": "%d/%m/%Y"}
    assert "the other date columns of this file settle it (day first)" in text
    assert "1 value(s) of 'Customer Date' do not fit '%d/%m/%Y' (e.g. 'soon')" in text
    # 'Select' is a placeholder (the form left empty): not a channel to review
    assert tp.review["channel"] == [("Web", 2)]
    c = smk.load_client(tmp_path, as_of=AS_OF)
    assert c.leads["created_at"].dt.strftime("%Y-%m-%d").tolist() == ["2025-04-03", "2025-04-04", "2025-04-05"]
    assert c.leads["customer_at"].notna().sum() == 1  # 'soon' cleared and recorded in the ledger
    assert (c.ledger.to_frame()["reason"] == "bad_date").sum() == 1


def test_values_yaml_reads_as_line_breaks_are_written_so_the_file_loads(tmp_path):
    """Issue 17 item 11: a name or header holding U+0085 (NEL) or U+2028 wrote invalid YAML."""
    leads = "Lead ID,Created\u0085At,Source\u2028Name\nL1,2025-01-05,Web\nL2,2025-01-06,Fair\n"
    (tmp_path / "leads.csv").write_text(leads, encoding="utf-8")
    proposal, path = smk_init.init_client(tmp_path, [tmp_path / "leads.csv"], name="Acme\u0085Corp")
    cfg = smk.load_config(path)
    assert cfg.name == "Acme\u0085Corp"
    assert set(cfg.tables["leads"].columns.values()) >= {"Lead ID", "Created\u0085At"}
    assert smk.load_client(tmp_path, as_of=AS_OF).leads["lead_id"].tolist() == ["L1", "L2"]


def test_an_export_outside_the_client_folder_is_allowed_in_writing(tmp_path):
    """`file:` stays inside the client folder unless client.yml says allow_outside_paths: true."""
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "leads.csv").write_text("Lead ID,Created\nL1,2025-01-05\n", encoding="utf-8")
    proposal, path = smk_init.init_client(tmp_path / "acme", [tmp_path / "exports" / "leads.csv"])
    assert _yml(tmp_path / "acme")["allow_outside_paths"] is True
    assert len(smk.load_client(tmp_path / "acme", as_of=AS_OF).leads) == 1
