"""The pseudo-locale: accented, longer, bracketed, with placeholders and markup intact."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from hypothesis import given
from hypothesis import strategies as st

from leadform.i18n.catalogs import (
    PoFile,
    brace_names,
    check_catalog,
    markup,
    parse_po,
    percent_placeholders,
)
from leadform.i18n.pseudo import pseudo_catalog, pseudo_translate

ROOT = Path(__file__).resolve().parent.parent

# Pieces the real msgids are made of: words, placeholders, tags, references.
PIECES = st.one_of(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz ABC.,;:'!?()-", min_size=1, max_size=12),
    st.sampled_from(
        [
            "%(name)s",
            "%(max)d",
            "%%",
            "{name}",
            "{{",
            "}}",
            '<a href="%(terms_url)s" target="_blank">',
            "</a>",
            "<br>",
            "&amp;",
            "&#8212;",
        ]
    ),
)


@given(st.lists(PIECES, min_size=1, max_size=12).map("".join))
def test_placeholders_and_markup_survive(text: str) -> None:
    pseudo = pseudo_translate(text)
    assert percent_placeholders(pseudo) == percent_placeholders(text)
    assert brace_names(pseudo) == brace_names(text)
    assert markup(pseudo) == markup(text)


def test_text_is_accented_bracketed_and_about_40_percent_longer() -> None:
    text = "Leave your details and our treatment team will call you to arrange your free trial."
    pseudo = pseudo_translate(text)
    assert pseudo.startswith("[Ļéåṽé ýöûŕ ðéţåîļš") and pseudo.endswith("]")
    assert 1.35 <= len(pseudo) / len(text) <= 1.5
    assert not set(pseudo) & set("aeiouAEIOU")


def test_placeholders_and_tags_are_not_accented() -> None:
    assert pseudo_translate('Choose a day from %(earliest)s to <b class="x">%(latest)s</b>.') == (
        '[Çĥööšé å ðåý ƒŕöɱ %(earliest)s ţö <b class="x">%(latest)s</b>. ŀöŕéɱ îþšûɱ ðöļöŕ]'
    )


def test_the_pseudo_catalog_of_the_real_template_passes_the_check() -> None:
    template = parse_po((ROOT / "locales" / "messages.pot").read_bytes(), "messages.pot")
    catalog = pseudo_catalog(template.catalog)
    problems = check_catalog(PoFile("en_XA.po", catalog), "en", template)
    assert [str(p) for p in problems if "header" not in p.text] == []
    assert len(list(catalog)) == len(list(template.catalog))


def test_plural_msgids_get_english_plural_forms() -> None:
    template = Catalog()
    template.add(("%(num)d lead", "%(num)d leads"), locations=[("leadform/x.py", None)])
    catalog = pseudo_catalog(template)
    assert catalog[("%(num)d lead", "%(num)d leads")].string == (
        pseudo_translate("%(num)d lead"),
        pseudo_translate("%(num)d leads"),
    )
