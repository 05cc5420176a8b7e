"""requirements.lock agrees with pyproject.toml: `make` installs from the lock alone
(`pip install --require-hashes`), so a dependency missing from it, or locked without
a hash, breaks every fresh install."""

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

pytestmark = pytest.mark.no_database


ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+)")
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}\b")


def read_lock(text: str) -> dict[str, tuple[Version, int]]:
    """Each locked package's version and number of hashes, by canonical name."""
    entries: dict[str, tuple[Version, int]] = {}
    # A requirement continues over lines ending in a backslash.
    for entry in re.sub(r"\\\n", " ", text).splitlines():
        entry = entry.split(" #", 1)[0].strip()
        if not entry or entry.startswith("#"):
            continue
        pin = PIN.match(entry)
        assert pin, f"not an exact pin: {entry!r}"
        name = canonicalize_name(pin["name"])
        entries[name] = (Version(pin["version"]), len(HASH.findall(entry)))
    return entries


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [
        Requirement(line)
        for line in project["dependencies"] + project["optional-dependencies"]["dev"]
    ]


LOCK = read_lock((ROOT / "requirements.lock").read_text())


def test_every_declared_dependency_is_locked_in_range_with_hashes():
    for requirement in declared():
        name = canonicalize_name(requirement.name)
        assert name in LOCK, f"{requirement.name} is not in requirements.lock"
        version, hashes = LOCK[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"requirements.lock has {name}=={version}, outside {requirement}"
        )
        assert hashes, f"{name} is locked without a hash"


def test_every_locked_package_has_a_hash():
    assert all(hashes for _, hashes in LOCK.values())


def test_the_lock_holds_what_the_declared_extras_and_their_dependencies_need():
    """Walks the installed packages' own requirements (extras included) from
    pyproject.toml down: every package reached is locked, so an install with
    --require-hashes never meets an unlisted dependency."""
    pending = [(requirement, frozenset()) for requirement in declared()]
    seen: set[tuple[str, frozenset]] = set()
    while pending:
        requirement, parent_extras = pending.pop()
        name = canonicalize_name(requirement.name)
        if requirement.marker and not any(
            requirement.marker.evaluate({"extra": extra})
            for extra in parent_extras or {""}
        ):
            continue
        extras = frozenset(requirement.extras)
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        assert name in LOCK, f"{name} (needed by the lock's packages) is not locked"
        for line in metadata.requires(name) or []:
            pending.append((Requirement(line), extras))
    assert {"fido2", "qrcode", "psycopg-binary", "psycopg-pool"} <= {
        name for name, _ in seen
    }


def test_ruff_is_pinned_to_one_version_in_pyproject_and_in_the_lock():
    """CI checks formatting, which changes between ruff releases."""
    (ruff,) = [r for r in declared() if canonicalize_name(r.name) == "ruff"]
    (spec,) = ruff.specifier
    assert spec.operator == "=="
    assert LOCK["ruff"][0] == Version(spec.version)


def test_django_stays_below_the_release_ci_does_not_run():
    """CI runs Django 5.2 on Python 3.11 only (docs/decisions.md)."""
    (django,) = [r for r in declared() if canonicalize_name(r.name) == "django"]
    assert not django.specifier.contains("6.0")
    assert LOCK["django"][0] < Version("6.0")
