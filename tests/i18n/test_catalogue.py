"""The French catalogue is complete: every text marked in the code and the
templates has a translation, none is fuzzy, and the placeholders match."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from .po import parse

pytestmark = pytest.mark.no_database

ROOT = Path(settings.BASE_DIR)
PO = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
SKIP = ["tests", ".venv", "node_modules", "staticfiles", "test-artifacts", ".pgtest"]


def entries():
    return [entry for entry in parse(PO) if entry.msgid and not entry.obsolete]


def test_every_entry_is_translated_and_none_is_fuzzy():
    found = entries()
    assert len(found) > 500
    assert [e.msgid for e in found if "fuzzy" in e.flags] == []
    assert [e.msgid for e in found if not all(s.strip() for s in e.msgstr)] == []
    assert [e.msgid for e in found if e.msgid_plural and len(e.msgstr) != 2] == []


def test_placeholders_are_kept():
    """A translation uses the placeholders its English text has (a French
    singular may leave out the number, as "le premier message")."""
    wrong = []
    for entry in entries():
        names = set(PLACEHOLDER.findall(entry.msgid + entry.msgid_plural))
        for text in entry.msgstr:
            if not set(PLACEHOLDER.findall(text)) <= names:
                wrong.append(entry.msgid)
        if not set(PLACEHOLDER.findall(entry.msgstr[-1])) >= set(
            PLACEHOLDER.findall(entry.msgid_plural or entry.msgid)
        ):
            wrong.append(entry.msgid)
    assert wrong == []


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext missing")
def test_catalogue_has_every_text_in_the_code(tmp_path):
    """makemessages run afresh over the project finds nothing the catalogue
    lacks (an English text added or changed without its translation)."""
    copy = tmp_path / "project"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            *SKIP, "*.mo", "*.pyc", "__pycache__", ".git", "*.sqlite3"
        ),
    )
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "fr",
            "-v0",
            *[f"--ignore={name}" for name in SKIP],
        ],
        cwd=copy,
        check=True,
    )
    fresh = {e.key for e in parse(copy / "locale/fr/LC_MESSAGES/django.po") if e.msgid}
    known = {e.key for e in entries()}
    assert sorted(fresh - known, key=str) == []


def test_french_punctuation_never_starts_a_line():
    """A space before : ; ? ! » (and after «) is a no-break space, so the mark
    stays with its word when a line wraps."""
    loose = re.compile(r" [:;?!»]|« ")
    assert [e.msgid for e in entries() if any(loose.search(s) for s in e.msgstr)] == []
