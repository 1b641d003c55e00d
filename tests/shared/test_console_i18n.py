"""Every string of every console template and page is translated in every catalogue
(zh-Hans, zh-Hant, en), and the language is chosen as CONTRACT "Console" says."""

from __future__ import annotations

from shared.web.i18n import choose, from_accept_language
from tools import i18n as catalogues


def test_no_template_string_lacks_a_translation() -> None:
    assert catalogues.missing() == []


def test_the_catalogues_know_the_glossary_terms() -> None:
    from shared.web.i18n import translations

    dirs = (catalogues.units()[0][0],)
    assert translations("zh-Hant", dirs).gettext("technician") == "技術員"
    assert translations("zh-Hans", dirs).gettext("technician") == "技术员"
    assert translations("en", dirs).gettext("technician") == "Technician"


def test_language_is_the_query_then_the_cookie_then_the_browser_then_the_branch() -> None:
    assert choose("en", "zh-Hant", "zh-CN", "zh-Hans") == "en"
    assert choose(None, "zh-Hant", "en", "zh-Hans") == "zh-Hant"
    assert choose("xx", None, "zh-TW,zh;q=0.8", "zh-Hans") == "zh-Hant"
    assert choose(None, None, "fr-FR, en;q=0.5", "zh-Hans") == "en"
    assert choose(None, None, None, "zh-Hans") == "zh-Hans"
    assert from_accept_language("zh-HK") == "zh-Hant"
    assert from_accept_language("zh-Hans-CN;q=0.9") == "zh-Hans"
