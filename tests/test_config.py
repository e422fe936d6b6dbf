"""client.yml validation: unknown keys, bad values and missing pieces are errors that say what to do."""
import pytest

from smk.io.config import parse_config
from smk.errors import ConfigError

BASE = {"name": "X", "tables": {"leads": {"file": "l.csv"}}}


def cfg(**over):
    data = {**BASE, **over}
    return parse_config(data, source="client.yml")


def test_defaults_are_documented_values():
    c = cfg()
    assert (c.lang, c.timezone, c.currency) == ("en", "UTC", "USD")
    assert (c.sla.first_contact_hours, c.sla.attempts, c.sla.attempts_within_days) == (4.0, 8, 14)  # seed: 4 h, 8 in 14 days
    assert c.analysis.close_window_days == 90 and c.costs.rep_hourly_cost / c.costs.attempts_per_hour == pytest.approx(40 / 6)


@pytest.mark.parametrize("over, message", [
    ({"langauge": "es"}, "unknown key(s) 'langauge'"),
    ({"lang": "fr"}, "`lang` must be 'es' or 'en'"),
    ({"timezone": "Mars/Olympus"}, "unknown `timezone` 'Mars/Olympus'"),
    ({"period": "2026-13"}, "`period` must be YYYY-MM"),
    ({"sla": {"first_contact_hour": 4}}, "unknown key(s) 'first_contact_hour' in `sla`"),
    ({"marketing": {"quota_share": 1.5}}, "quota_share` must be between 0 and 1"),
    ({"tables": {"lead": {"file": "x.csv"}}}, "unknown table(s) 'lead'"),
    ({"tables": {"deals": {"file": "d.csv"}}}, "`tables.leads` is required"),
    ({"tables": {"leads": {"columns": {}}}}, "`tables.leads` needs `file:`"),
    ({"tables": {"leads": {"file": "l.csv", "columns": {"lead": "Id"}}}}, "unknown canonical column(s) 'lead'"),
])
def test_errors_say_what_was_expected(over, message):
    with pytest.raises(ConfigError) as exc:
        cfg(**over)
    assert message in str(exc.value)


def test_name_required():
    with pytest.raises(ConfigError, match="`name` is required"):
        parse_config({"tables": {"leads": {"file": "l.csv"}}})
