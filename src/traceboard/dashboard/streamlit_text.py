"""Streamlit's own widget texts in Chinese: a style sheet that hides the English words and shows the
catalog's Chinese ones in their place (``locales/*/streamlit.toml``).

Streamlit has no language setting for the texts of its widgets ("Upload", "Press Enter to apply",
"Select all", "No results", the upload limit); labels and placeholders are ours and come from the
catalogs. Why a style sheet, what it covers and what it cannot: ``docs/interface.md``.
It is served with the page (nothing is loaded from anywhere), injected once per run by ``app.py``
in Chinese mode only; English mode keeps Streamlit's own words. The browser test
(``tests/dashboard/test_browser.py``) fails when one of these English texts is visible in Chinese mode.
"""

from __future__ import annotations

import json

from traceboard.dashboard.i18n import translate


def _css_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a double-quoted CSS string, quotes and backslashes escaped


def _replace(selector: str, hidden: str, text: str) -> str:
    """Hide ``selector``'s child ``hidden`` and show ``text`` after it (same font, same place)."""
    hide = f"{selector} > {hidden} {{display: none !important;}}\n"
    return hide + f"{selector}::after {{content: {_css_string(text)};}}\n"


# The table toolbar's buttons (a table's download, search, fullscreen…), by their aria-label, and the
# catalog key of their tooltip's Chinese wording.
TOOLBAR = {
    "Show/hide columns": "toolbar_columns",
    "Download as CSV": "toolbar_download",
    "Search": "toolbar_search",
    "Fullscreen": "toolbar_fullscreen",
    "Close fullscreen": "toolbar_close_fullscreen",
    "Clear selection": "toolbar_clear_selection",
}


def _toolbar_tooltips(word) -> str:
    """A toolbar button's tooltip floats at the end of the page, apart from its button, and says only
    the English text; the one tooltip shown is the hovered (or focused) button's, so the page that
    holds that button (``:has``) words the tooltip."""
    tip = '[data-testid="stTooltipContent"] [data-testid="stMarkdownContainer"]'
    css = ""
    for label, key in TOOLBAR.items():
        button = f'[data-testid="stElementToolbar"] button[aria-label={_css_string(label)}]'
        css += _replace(f"body:has({button}:is(:hover, :focus-visible)) {tip}", "p", word(key))
    # the text's box takes the hidden paragraph's place (its bottom margin, which the container's
    # negative margin expects), or the tooltip shrinks to a sliver
    return css + f"{tip}::after {{display: block; margin-bottom: 1rem;}}\n"


def style_sheet(lang: str) -> str:
    """The style sheet for ``lang``: empty for English (Streamlit's own words are English)."""
    if lang == "en":
        return ""

    def w(key: str, **values: object) -> str:
        return translate(f"streamlit.{key}", lang, **values)

    inst = '[data-testid="InputInstructions"]'
    form = '[data-testid="stForm"]'
    area = '[data-testid="stTextArea"]'
    return (
        # the file uploader's button (its limit line is per uploader: widgets.file_uploader)
        _replace(
            '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]',
            "p",
            w("upload"),
        )
        # "Press Enter to apply" under a text or number input, "… to submit form" in a form
        + _replace(inst, "span", w("press_enter"))
        + _replace(f"{form} {inst}", "span", w("press_enter_form"))
        + _replace(f"{area} {inst}", "span", w("press_ctrl_enter"))
        + _replace(f"{form} {area} {inst}", "span", w("press_ctrl_enter_form"))
        # a multiselect's "Select all" line and any drop-down's "No results"
        + _replace('[role="option"][data-key="__select_all__"]', "*", w("select_all"))
        + _replace('[role="listbox"][data-empty="true"] [role="option"]', "span", w("no_results"))
        # the tooltips of a table's toolbar (download as CSV, search, fullscreen…)
        + _toolbar_tooltips(w)
    )


def upload_limit_style(key: str, lang: str, mb: int, types: list[str]) -> str:
    """The limit line of the file uploader with ``key`` ("50MB per file • XLSX") in ``lang``."""
    if lang == "en":
        return ""
    text = translate("streamlit.upload_limit", lang, mb=mb, types=", ".join(t.upper() for t in types))
    return _replace(f'.st-key-{key} [data-testid="stFileUploaderDropzoneInstructions"] > div', "span", text)
