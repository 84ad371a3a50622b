"""Property-based: any ratings file ends in a correct load or one clear DataError, never another exception."""

from __future__ import annotations

import numpy as np
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


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(ROW, max_size=8), header=st.sampled_from(["userId,movieId,rating,timestamp", "a,b", ""]),
       raw=st.binary(max_size=40))
def test_random_ratings_files_load_or_fail_cleanly(tmp_path_factory, rows, header, raw):
    folder = factories.write_latest(tmp_path_factory.mktemp("fuzz"), factories.synthetic(n_users=4, n_items=6, per_user=3))
    body = (header + "\n" + "\n".join(rows)).encode("utf-8", "surrogatepass") + raw
    (folder / "ratings.csv").write_bytes(body)
    try:
        ds = registry.load_dataset(str(folder), use_cache=False)
    except DataError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert ds.n_ratings == ds.users.size == ds.items.size
    assert np.all(ds.ratings >= 0) and np.all(ds.ratings <= 10)
