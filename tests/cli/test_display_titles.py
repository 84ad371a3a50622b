"""One film, one spelling on a screen (issue 24, item 19): the picks' title column said `Shining, The (1980)`
and their reasons `The Shining (1980)`. Every table and sentence of the CLI (and every title cell of the TUI:
``title_text``) shows the article in front (``spoken_title``); --json keeps the catalogue's form in "title"."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from movierec.cli import cli
from tests import factories

MOVED = re.compile(r"\w, (The|A|An)\b")  # MovieLens's "Shining, The"


@pytest.fixture
def articles(tmp_path):
    """The synthetic release with every "Film 007 (1957)" written as MovieLens writes such titles:
    "Film 007, The (1957)"."""
    data = factories.synthetic()
    data.movies = [(mid, re.sub(r"^(Film \d+) \(", r"\1, The (", title), genres) for mid, title, genres in data.movies]
    return str(factories.write_latest(tmp_path / "articles", data))


def _run(*args):
    result = CliRunner().invoke(cli, ["--headless", *args])
    assert result.exit_code == 0, result.output
    return result


def test_the_cli_shows_one_form_in_tables_and_sentences(articles):
    shown = []
    shown.append(_run("search", "film 007", "--dataset", articles).stdout)
    shown.append(_run("similar", "Film 007", "--dataset", articles, "--n", "5").stdout)
    shown.append(_run("rate", "Film 007", "5", "--dataset", articles).stdout)
    shown.append(_run("rate", "Film 012", "4.5", "--dataset", articles).stdout)
    shown.append(_run("ratings").stdout)
    shown.append(_run("watch", "Film 020", "--dataset", articles).stdout)
    shown.append(_run("watchlist").stdout)
    shown.append(_run("dismiss", "Film 021", "--dataset", articles).stdout)
    shown.append(_run("starters", "--dataset", articles, "--n", "5").stdout)
    shown.append(_run("recommend", "--mode", "content", "--dataset", articles, "--diversity", "0").stdout)
    for text in shown:
        assert text.strip() and not MOVED.search(text), text
    assert "The Film 007 (1957)" in shown[0] and "More like The Film 007 (1957)" in shown[1]
    assert "Rated The Film 007 (1957) 5 stars" in shown[2]
    picks = shown[-1]
    assert "because you rated" in picks and "The Film 012 (1962)" in picks, picks  # the reasons' form, as the titles'



def test_json_keeps_the_catalogue_title(articles):
    rows = json.loads(_run("search", "film 007", "--dataset", articles, "--json").stdout)
    assert rows[0]["title"] == "Film 007, The (1957)"
    rated = json.loads(_run("rate", "Film 007", "5", "--dataset", articles, "--json").stdout)
    assert rated["title"] == "Film 007, The (1957)"


def test_the_tui_title_cell_uses_the_same_form():
    from movierec.tui.widgets.tables import title_text

    assert title_text("Shining, The (1980)").plain == "The Shining (1980)"
    assert title_text("Avventura, L' (1960)", listed=True).plain.endswith("L'Avventura (1960)")
    assert title_text("Toy Story (1995)").plain == "Toy Story (1995)"
