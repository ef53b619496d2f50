"""The .po files are the source of the portal's translations: every msgid of the portal is translated in each
language, none is fuzzy, placeholders survive translation, and the committed .mo files are what the .po files
compile to.

The sources are read by `makemessages` itself, on a copy of the portal, so a text added without refreshing the
catalogues fails here as surely as one left untranslated.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from conftest import require

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("hr", "it")
# Plural forms as the GNU gettext manual gives them for each language.
PLURAL_FORMS = {
    "hr": "nplurals=3; plural=n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2;",
    "it": "nplurals=2; plural=(n != 1);",
}
# What `make messages` leaves out of the catalogues, and what a copy of the portal does not need.
IGNORED = (".venv", ".git", "staticfiles", "bench", "media", "docs", "node_modules", "test-results", "*.sqlite3*")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdfir]|%[sdfi]|\{\w*\}")


def _catalogue(language: str, root: Path = ROOT) -> polib.POFile:
    return polib.pofile(str(root / "locale" / language / "LC_MESSAGES" / "django.po"))


def _translations(entries: polib.POFile | polib.MOFile) -> dict[tuple[str | None, str], object]:
    found: dict[tuple[str | None, str], object] = {}
    for entry in entries:
        if not entry.msgid or entry.obsolete or "fuzzy" in entry.flags:
            continue
        plural = tuple(entry.msgstr_plural[n] for n in sorted(entry.msgstr_plural))
        found[(entry.msgctxt, entry.msgid)] = plural if entry.msgid_plural else entry.msgstr
    return found


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, polib.POFile]:
    """The catalogues as `make messages` would leave them after reading today's sources."""
    require(shutil.which("msgmerge") is not None and shutil.which("xgettext") is not None, "GNU gettext is missing")
    copy = tmp_path_factory.mktemp("portal") / "portal"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(*IGNORED, "__pycache__", ".*_cache"))
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", *(f"-l{code}" for code in LANGUAGES), "--no-obsolete"]
        + [f"--ignore={pattern}" for pattern in ("staticfiles", "bench", "locale", "media", "docs")],
        cwd=copy,
        check=True,
        capture_output=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "partnership.settings"},
    )
    return {code: _catalogue(code, copy) for code in LANGUAGES}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_of_the_portal_is_translated(refreshed: dict[str, polib.POFile], language: str) -> None:
    catalogue = refreshed[language]
    missing = [entry.msgid for entry in catalogue if not entry.obsolete and not entry.translated()]
    fuzzy = [entry.msgid for entry in catalogue if not entry.obsolete and "fuzzy" in entry.flags]
    assert not missing, f"{len(missing)} texts without a {language} translation (run make messages): {missing[:20]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy {language} translations to check: {fuzzy[:20]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_committed_catalogue_is_up_to_date_with_the_sources(refreshed: dict[str, polib.POFile], language: str) -> None:
    committed = {(e.msgctxt, e.msgid) for e in _catalogue(language) if e.msgid and not e.obsolete}
    wanted = {(e.msgctxt, e.msgid) for e in refreshed[language] if e.msgid and not e.obsolete}
    new = sorted(text for _, text in wanted - committed)
    assert not new, f"texts not yet in locale/{language} (run make messages): {new[:20]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_header_declares_the_languages_plural_forms(language: str) -> None:
    catalogue = _catalogue(language)
    assert not catalogue.metadata_is_fuzzy, "msgfmt drops a fuzzy header, and with it the plural forms"
    assert catalogue.metadata["Language"] == language
    assert " ".join(catalogue.metadata["Plural-Forms"].split()) == PLURAL_FORMS[language]
    assert catalogue.metadata["Content-Type"] == "text/plain; charset=UTF-8"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_their_placeholders(language: str) -> None:
    wrong = []
    for entry in _catalogue(language).translated_entries():
        wanted = set(PLACEHOLDER.findall(entry.msgid)) | set(PLACEHOLDER.findall(entry.msgid_plural or ""))
        if "python-format" not in entry.flags and "python-brace-format" not in entry.flags:
            wanted = set()
        forms = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for form in forms:
            used = set(PLACEHOLDER.findall(form))
            # A plural form may leave the count out ("one answer"), never bring in a name of its own.
            if used - wanted or (not entry.msgid_plural and wanted - used):
                wrong.append((entry.msgid, form))
    assert not wrong, f"{language} translations whose placeholders differ from their msgid: {wrong[:10]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_committed_mo_is_the_compiled_po(language: str, tmp_path: Path) -> None:
    compiled = tmp_path / "django.mo"
    _catalogue(language).save_as_mofile(str(compiled))
    committed = polib.mofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.mo"))
    ours = _translations(polib.mofile(str(compiled)))
    theirs = _translations(committed)
    changed = sorted(k[1] for k in ours.keys() ^ theirs.keys()) + sorted(
        k[1] for k in ours.keys() & theirs.keys() if ours[k] != theirs[k]
    )
    assert not changed, f"locale/{language}/LC_MESSAGES/django.mo is stale (run make messages): {changed[:20]}"
    assert committed.metadata.get("Plural-Forms", "").split() == _catalogue(language).metadata["Plural-Forms"].split()
