"""Property-based: any ratings file ends in a correct load or one clear DataError, never another exception."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from movierec.data import registry
from movierec.errors import DataError
from tests import factories

FIELD = st.one_of(
    st.integers(min_value=-5, max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=8),
    st.sampled_from(["", "1", "5", "4.5", "-1", "1e400", "nan", "\t", ";", '"', "::"]),
)
ROW = st.lists(FIELD, min_size=0, max_size=6).map(lambda cells: ",".join(cells))


def _load_or_one_error(folder):
    """The dataset, consistent; or None after one clear single-line DataError (any other exception fails)."""
    try:
        ds = registry.load_dataset(str(folder), use_cache=False)
    except DataError as exc:
        assert str(exc) and "\n" not in str(exc)
        return None
    assert ds.n_ratings == ds.users.size == ds.items.size
    return ds


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(ROW, max_size=8), header=st.sampled_from(["userId,movieId,rating,timestamp", "a,b", ""]),
       raw=st.binary(max_size=40))
def test_random_ratings_files_load_or_fail_cleanly(tmp_path_factory, rows, header, raw):
    folder = factories.write_latest(tmp_path_factory.mktemp("fuzz"), factories.synthetic(n_users=4, n_items=6, per_user=3))
    body = (header + "\n" + "\n".join(rows)).encode("utf-8", "surrogatepass") + raw
    (folder / "ratings.csv").write_bytes(body)
    ds = _load_or_one_error(folder)
    if ds is None:
        return
    assert np.all(ds.ratings >= 0) and np.all(ds.ratings <= 10)


# Every other file each loader reads: (writer, file, separator, headers to try). The body is random rows
# in that file's own separator, so rows reach the parser rather than failing at the first split.
TARGETS = {
    "latest-movies.csv": (factories.write_latest, "movies.csv", ",", ["movieId,title,genres", ""]),
    "latest-tags.csv": (factories.write_latest, "tags.csv", ",", ["userId,movieId,tag,timestamp", ""]),
    "1m-ratings.dat": (factories.write_dat, "ratings.dat", "::", [""]),
    "1m-movies.dat": (factories.write_dat, "movies.dat", "::", [""]),
    "100k-u.data": (factories.write_100k, "u.data", "\t", [""]),
    "100k-u.item": (factories.write_100k, "u.item", "|", [""]),
}


@pytest.mark.parametrize("target", list(TARGETS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), raw=st.binary(max_size=40))
def test_random_files_of_every_layout_load_or_fail_cleanly(tmp_path_factory, target, data, raw):
    writer, name, sep, headers = TARGETS[target]
    folder = writer(tmp_path_factory.mktemp("fuzz"), factories.synthetic(n_users=4, n_items=6, per_user=3))
    rows = data.draw(st.lists(st.lists(FIELD, min_size=0, max_size=7).map(sep.join), max_size=8))
    header = data.draw(st.sampled_from(headers))
    keep = data.draw(st.integers(0, 3))  # some of the real rows stay, so a good row and a bad row meet
    real = (folder / name).read_bytes().splitlines()[: keep + (1 if header else 0)]
    body = b"\n".join(real + [r.encode("utf-8", "surrogatepass") for r in rows]) + raw
    (folder / name).write_bytes(body)
    ds = _load_or_one_error(folder)
    if ds is None:
        return
    assert len(ds.catalog) == ds.n_items == len(ds.catalog.titles) == ds.catalog.genres.shape[0] >= 1
