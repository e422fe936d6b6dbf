"""Personal contact data is recognised by column name in the io layer (issue 17 item 2), so scoring can
refuse to offer it as a feature and every view can mask it with the same rule."""
from __future__ import annotations

import pytest

from smk.io.pii import EMAIL_RE, SCHEMA_PII_COLUMNS, is_pii_column, pii_columns
from smk.io.schema import LEAD_COUNTERS


@pytest.mark.parametrize("name", ["email", "phone", "E-mail Address", "Work Phone", "Mobile Phone Number", "Teléfono",
                                  "Teléfono móvil", "correo_electronico", "Correo electrónico", "contact_email",
                                  "WhatsApp", "Phone 2", "Tel. fijo", "celular", "Fax"])
def test_contact_columns_are_pii(name):
    assert is_pii_column(name)


@pytest.mark.parametrize("name", ["n_email_open", "email_click", "owner", "mailing_list_size", "email_opt_out",
                                  "telemarketing", "Hotel", "company", "n_attempts", "job_title"])
def test_behaviour_and_other_columns_are_not(name):
    assert not is_pii_column(name)


def test_schema_pii_columns_and_counters():
    assert SCHEMA_PII_COLUMNS == {"email", "phone"}
    assert not any(is_pii_column(c) for c in LEAD_COUNTERS)  # n_email_open, n_email_click ... are behaviour
    assert pii_columns(["lead_id", "Mobile", "channel", "Email"]) == ["Mobile", "Email"]


def test_email_pattern():
    assert EMAIL_RE.search("write to ana.perez+crm@mail.example.es today")
    assert not EMAIL_RE.search("no address @ here")
