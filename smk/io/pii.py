"""Personal contact data: which columns hold it, by name.

One rule for every layer: the reports mask these columns (smk.views), scoring never offers them as
features, and the ledger masks their values. A column is personal contact data when the schema says
so (``pii=True``: ``email``, ``phone``) or when its name says so in English or Spanish (``Email``,
``Work Phone``, ``Teléfono móvil``, ``correo_electronico``, ``WhatsApp``); activity counters such as
``n_email_open`` or ``email_click`` are behaviour, not contact data, and are not matched.
"""
from __future__ import annotations

import re

from smk.io.schema import TABLES

#: Column names that hold personal contact data, applied to the name lower-cased with every run of
#: other characters as "_" (``"Work Phone"`` → ``work_phone``).
PII_NAME_RE = re.compile(
    r"^([a-záéíóúñü]+_){0,2}(e_?mail|mail|correo(_electr[oó]nico)?|phone|tel|tel[eé]fono|mobile|m[oó]vil|celular|"
    r"whatsapp|fax)(_(address|number|no|num|n[uú]mero|m[oó]vil|mobile|celular|fijo|personal|trabajo|work|home|casa|"
    r"oficina|office|principal|contacto|contact|alternativo|1|2|3))*$"
)
#: An e-mail address anywhere in a text.
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")

#: Canonical columns the schema marks as personal data.
SCHEMA_PII_COLUMNS = frozenset(c.name for t in TABLES.values() for c in t.columns if c.pii)


def normalise_column_name(name: object) -> str:
    """``"Teléfono Móvil"`` → ``"teléfono_móvil"``: lower case, other characters as one ``_``."""
    return re.sub(r"[^0-9a-záéíóúñü]+", "_", str(name).strip().lower()).strip("_")


def is_pii_column(name: object) -> bool:
    """True for a column that holds e-mails or phone numbers (by canonical schema or by name)."""
    text = normalise_column_name(name)
    return text in SCHEMA_PII_COLUMNS or bool(PII_NAME_RE.search(text))


def pii_columns(columns) -> list[str]:
    """The columns among ``columns`` that hold personal contact data (in their order)."""
    return [c for c in columns if is_pii_column(c)]
