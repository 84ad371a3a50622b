"""Profile names of any alphabet, through one check (``movierec.store.profiles.check_name``) that the CLI and the
TUI use (issue 24: a profile named `é` was refused with "use letters, digits ..."). Hostile names stay refused:
path separators, '.' and '..', control and format characters (a bidi override), over-long names."""

from __future__ import annotations

import json
import unicodedata

import pytest
from click.testing import CliRunner

from movierec.cli import cli
from movierec.errors import ProfileError
from movierec.store.profiles import MAX_NAME, ProfileStore, check_name

GOOD = ["é", "Zoë", "日本", "Ωmega", "default", "my partner", "a.b_c-d", "Ünïcödé 2", "नमस्ते",
        "x" * MAX_NAME,
        "\U00020000" * 40]
BAD = ["", "a/b", "a\\b", ".", "..", "../evil", ".hidden", "-x", " x", "\x00", "a\x00b", "a\nb", "me\n",
       "\u202eevil", "ab\u202ec", "a\u200bb", "a\u00a0b", "a\tb", "x" * (MAX_NAME + 1), "😀" * 41,
       "\U00020000" * 41, "a:b", "a*b", "a ", "me.", "x  ",
       "\udcff"]


@pytest.mark.parametrize("name", GOOD)
def test_letters_of_any_alphabet_make_a_profile(home, name):
    assert check_name(name) == unicodedata.normalize("NFC", name)
    store = ProfileStore()
    store.rate(name, 1, 4.0, "Toy Story (1995)")
    assert store.names() == [name]
    assert store.load(name).name == name and 1 in store.load(name).ratings
    assert store.path(name).parent == home / "data" / "profiles"


@pytest.mark.parametrize("name", BAD, ids=[ascii(n)[:20] for n in BAD])
def test_hostile_names_are_refused_in_one_line(home, name):
    with pytest.raises(ProfileError, match="is not a valid profile name; use letters") as err:
        check_name(name)
    assert "\n" not in str(err.value) and "\u202e" not in str(err.value) and "\x00" not in str(err.value)
    with pytest.raises(ProfileError):
        ProfileStore().rate(name, 1, 4.0)
    assert not (home / "data" / "profiles").exists() or not any((home / "data" / "profiles").glob("*.json"))


def test_a_decomposed_name_is_the_composed_profile(home):
    composed, decomposed = "Zo\u00eb", "Zoe\u0308"
    assert composed != decomposed and check_name(decomposed) == composed
    store = ProfileStore()
    store.rate(decomposed, 1, 4.0, "Toy Story (1995)")
    store.rate(composed, 2, 3.0, "Jumanji (1995)")
    assert store.names() == [composed]
    assert store.path(decomposed) == store.path(composed)
    profile = store.load(decomposed)
    assert profile.name == composed and set(profile.ratings) == {1, 2}
    stored = json.loads(store.path(composed).read_text(encoding="utf-8"))
    assert stored["name"] == composed


def test_a_name_that_is_not_text_is_refused():
    for name in (None, 3, b"abc"):
        with pytest.raises(ProfileError):
            check_name(name)


@pytest.mark.parametrize("name", ["é", "Zoë", "日本"])
def test_the_cli_takes_them(home, name):
    from movierec.store.profiles import ProfileStore

    ProfileStore().rate(name, 1, 4.0, "Toy Story (1995)")
    result = CliRunner().invoke(cli, ["--headless", "ratings", "--profile", unicodedata.normalize("NFD", name),
                                      "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["profile"] == name
    listed = CliRunner().invoke(cli, ["--headless", "profile", "list", "--json"])
    assert [row["name"] for row in json.loads(listed.stdout)] == [name]


@pytest.mark.parametrize("args", [["ratings", "--profile", "a/b"], ["--profile", "..", "ratings"],
                                  ["ratings", "-p", "\u202eevil"], ["profile", "export", "x.json", "--name", "a/b"],
                                  ["profile", "import", "x.json", "--name", "\x01"]])
def test_the_cli_refuses_hostile_names_when_it_parses_them(monkeypatch, args):
    import movierec.engine

    def no_engine(*a, **k):
        raise AssertionError("an engine was built before the profile name was checked")

    monkeypatch.setattr(movierec.engine, "Engine", no_engine)
    result = CliRunner().invoke(cli, ["--headless", *args])
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "not a valid profile name" in lines[0], lines
    assert "\u202e" not in result.stderr and "\x01" not in result.stderr
