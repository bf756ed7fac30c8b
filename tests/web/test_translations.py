"""Both catalogs are complete and compiled, so a fresh clone needs no build step."""

from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2] / "app" / "translations"


def _plain(value):
    # Plural entries come back as lists from .mo files and tuples from .po files.
    return tuple(value) if isinstance(value, list | tuple) else value


def _ids(catalog) -> set:
    return {_plain(m.id) for m in catalog if m.id}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_message_is_translated_and_the_mo_file_is_current(lang) -> None:
    with (ROOT / "messages.pot").open("rb") as f:
        template = read_po(f)
    with (ROOT / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        po = read_po(f, locale=lang)
    with (ROOT / lang / "LC_MESSAGES" / "messages.mo").open("rb") as f:
        mo = read_mo(f)
    assert _ids(template) <= _ids(po), "run pybabel update (see babel.cfg)"
    untranslated = [
        m.id
        for m in po
        if m.id
        and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]
    assert untranslated == []
    compiled = {_plain(m.id): _plain(m.string) for m in mo if m.id}
    source = {_plain(m.id): _plain(m.string) for m in po if m.id}
    assert compiled == source, "run pybabel compile"


def test_every_page_string_is_in_the_template() -> None:
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "check.pot"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "babel.messages.frontend",
                "extract",
                "-F",
                str(ROOT / "babel.cfg"),
                "-k",
                "_l",
                "--no-location",
                "-o",
                str(out),
                str(ROOT.parents[1]),
            ],
            check=True,
            capture_output=True,
        )
        with out.open("rb") as f:
            fresh = _ids(read_po(f))
    with (ROOT / "messages.pot").open("rb") as f:
        stored = _ids(read_po(f))
    assert fresh - stored == set(), "run pybabel extract (see babel.cfg)"
