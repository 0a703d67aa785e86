import re

import pytest

from traceboard.dashboard.i18n import LANGUAGES, LOCALES, load_catalog, translate


def test_both_catalogs_have_the_same_keys():
    zh, en = load_catalog("zh"), load_catalog("en")
    assert sorted(set(zh) - set(en)) == []
    assert sorted(set(en) - set(zh)) == []


def test_placeholders_agree_between_languages():
    zh, en = load_catalog("zh"), load_catalog("en")
    for key in zh:
        assert set(re.findall(r"{(\w+)}", zh[key])) == set(re.findall(r"{(\w+)}", en[key])), key


def test_every_page_uses_only_keys_that_exist():
    zh = load_catalog("zh")
    used = set()
    for path in (LOCALES.parent).rglob("*.py"):
        used |= set(re.findall(r"""\bt\(\s*f?["']([\w.]+)["']""", path.read_text(encoding="utf-8")))
    missing = sorted(k for k in used if "." in k and k not in zh and not k.endswith("."))
    assert missing == []


def test_translate_fills_placeholders_and_rejects_unknown_languages():
    assert translate("common.coming", "zh", what="X").endswith("X")
    with pytest.raises(ValueError, match="unknown language"):
        load_catalog("fr")
    assert set(LANGUAGES) == {"zh", "en"}
