"""CRM export presets: column and value mappings for the exports consultants meet most.

A client.yml table can say ``preset: hubspot`` (or salesforce, generic): the preset's mappings apply
to the columns present in the file, and the table's own ``columns:`` / ``values:`` override them.
Sources of the column names and stage labels: docs/presets.md.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from smk.errors import ConfigError

HERE = Path(__file__).resolve().parent


def available() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.yml"))


@lru_cache(maxsize=None)
def load_preset(name: str) -> dict:
    path = HERE / f"{name}.yml"
    if not path.exists():
        raise ConfigError(f"unknown preset {name!r}; available: {', '.join(available())}.")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def table_preset(name: str, table: str, source: str = "client.yml") -> dict:
    """The preset's settings for one table (``optional_columns``, ``values``, …)."""
    preset = load_preset(name)
    tables = preset.get("tables", {})
    if table not in tables:
        raise ConfigError(f"{source}: preset {name!r} has no mapping for table {table!r} "
                          f"(it covers: {', '.join(tables)}). Map its columns under `columns:` instead.")
    return {k: (dict(v) if isinstance(v, dict) else v) for k, v in tables[table].items()}
