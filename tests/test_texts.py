"""The text catalogues: same keys and placeholders in every language, plural forms complete, and
the lookup function's contract."""
from __future__ import annotations

import pytest

from smk import texts


def test_every_language_has_the_same_keys():
    base = set(texts.catalogue("en"))
    for lang in texts.LANGS[1:]:
        other = set(texts.catalogue(lang))
        assert sorted(base - other) == [], f"missing in {lang}"
        assert sorted(other - base) == [], f"only in {lang}"


def test_every_key_has_the_same_placeholders_in_every_language():
    en = texts.catalogue("en")
    for lang in texts.LANGS[1:]:
        cat = texts.catalogue(lang)
        diff = {k: (sorted(texts.placeholders(en[k])), sorted(texts.placeholders(cat[k])))
                for k in en if k in cat and texts.placeholders(en[k]) != texts.placeholders(cat[k])}
        assert diff == {}


def test_plural_entries_have_one_and_other_in_every_language():
    for lang in texts.LANGS:
        for key, value in texts.catalogue(lang).items():
            if isinstance(value, dict):
                assert {"one", "other"} <= set(value), f"{lang}: {key}"


def test_lookup_fills_placeholders_and_picks_plural_forms(tmp_path, monkeypatch):
    (tmp_path / "en.yml").write_text("x:\n  hello: 'Hi {name}'\n  rows: {one: '{count} row', other: '{count} rows', zero: 'no rows'}\n")
    monkeypatch.setattr(texts, "HERE", tmp_path)
    texts.catalogue.cache_clear()
    try:
        assert texts.t("x.hello", "en", name="<Ana>") == "Hi <Ana>"  # plain text: HTML escapes later
        assert [texts.t("x.rows", "en", count=n) for n in (0, 1, 2)] == ["no rows", "1 row", "2 rows"]
        with pytest.raises(texts.MissingText, match="x.nope"):
            texts.t("x.nope", "en")
        with pytest.raises(TypeError, match="name"):
            texts.t("x.hello", "en")
        with pytest.raises(ValueError, match="language"):
            texts.t("x.hello", "fr")
    finally:
        texts.catalogue.cache_clear()
