"""The predicted match: each mode's calibration (a film's percentile among your unrated films -> how often
such a held-out film was rated 4+; picks/calibration.py), read from its JSON beside the checkpoints, else
computed from the dataset users' held-out ratings and saved."""

from __future__ import annotations

import time

import numpy as np

from movierec.errors import MovieRecError
from movierec.models.base import KnownProfiles, Recommender, ScoresProfile
from movierec.picks import calibration
from movierec.picks.scoring import DISLIKED, personal_scores_rows, popular_scores
from movierec.store import checkpoints
from movierec.engine import modes
from movierec.engine.context import Context
from movierec.engine.films import Films
from movierec.engine.shelf import ModelShelf


class Matches:
    #: The most dataset users a calibration reads (a sample, seeded, on larger datasets).
    MATCH_USERS = 2000

    def __init__(self, context: Context, shelf: ModelShelf, films: Films) -> None:
        self.context = context
        self.shelf = shelf
        self.films = films
        self._maps: dict[str, calibration.MatchMap | None] = {}  # by mode: the predicted match's map

    def attach(self, picks, compute: bool = True) -> None:
        """Set each pick's ``match`` from its percentile, by the map of its ``match_mode``."""
        for p in picks:
            if p.percentile is None or p.match_mode is None:
                continue
            m = self.match_map(p.match_mode, compute=compute)
            p.match = None if m is None else float(m(p.percentile))

    def _source(self, mode: str, load: bool = True) -> tuple[Recommender | None, dict] | None:
        """(the mode's model, what the calibration depends on), or None when the model is not there
        (never trained here: a mode without a model shows no match rather than a made-up one; ``load=False``:
        not in memory, as the UI thread asks, which never loads a checkpoint)."""
        ds = self.context.dataset
        key = {"mode": mode, "fingerprint": ds.fingerprint, "format": calibration.FORMAT,
               "edges": list(calibration.EDGES), "prior": calibration.PRIOR, "users": self.MATCH_USERS}
        served = modes.served(mode)
        if mode == modes.fallback(mode):  # the blends' fallback (content): a profile of the catalogue alone
            return None, key
        if not modes.trains(served):  # another model prepared from the catalogue alone
            return self.shelf.serving(served), {**key, "model": modes.model_name(served)}
        if not self.shelf.has(served) or (not load and not self.shelf.holds(served)):
            return None
        rec = self.shelf.get(served)
        if rec is None:
            return None
        meta = getattr(rec, "meta", None)  # a checkpointed model's CheckpointMeta
        return rec, {**key, "model": modes.model_name(served), "model_created": meta.created if meta else "",
                     "model_fit_seconds": meta.fit_seconds if meta else None}

    def path(self, mode: str):
        return checkpoints.model_dir(self.context.dataset.fingerprint) / f"match-{mode}.json"

    def _saved(self, mode: str, key: dict) -> calibration.MatchMap | None:
        """The map held or saved for ``mode`` when it was made for ``key``; a stale or damaged file: None."""
        import json

        from movierec import files

        cached = self._maps.get(mode)
        if cached is not None and all(cached.meta.get(k) == v for k, v in key.items()):
            return cached
        path = self.path(mode)
        if path.exists():
            try:
                m = calibration.MatchMap.from_json(json.loads(files.read_regular(path, max_bytes=1 << 20)))
                if all(m.meta.get(k) == v for k, v in key.items()):
                    self._maps[mode] = m
                    return m
            except (MovieRecError, ValueError, UnicodeDecodeError):
                pass  # a stale or damaged cache: computed again
        return None

    def match_map(self, mode: str, compute: bool = True) -> calibration.MatchMap | None:
        """The calibration of ``mode``'s scores: read from its JSON beside the checkpoints; else computed now
        (``compute``) from the dataset users' held-out ratings and saved. None: the mode's model is not
        trained (no match is shown then), or not computed (``compute=False``)."""
        from movierec.atomic import atomic_write_json

        source = self._source(mode, load=compute)
        if source is None:
            return None
        rec, key = source
        saved = self._saved(mode, key)
        if saved is not None or not compute:
            return saved
        start = time.perf_counter()
        pct, good = self.match_data(mode, rec)
        if pct.size == 0 or not np.isfinite(pct).any():
            return None
        seconds = time.perf_counter() - start
        m = calibration.fit(pct, good, meta={**key, "seconds": round(seconds, 2), "held_out": int(pct.size)})
        path = self.path(mode)
        try:
            atomic_write_json(path, m.to_json())
        except MovieRecError as exc:  # a read-only cache: the map still serves this run
            self.context.note(f"match calibration not saved: {exc}", once=f"match-save-{mode}")
        # Said by the caller (not a note: `recommend --json` keeps its output one JSON document).
        self.context.notes.calibrated.append(f"match for mode {mode}: calibrated on {pct.size} held-out ratings in "
                                             f"{seconds:.1f} s (once; saved to {path})")
        self._maps[mode] = m
        return m

    def _held_out(self, users: np.ndarray | None, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(user, held-out film, rated 4+) of the split's test ratings read: a seeded sample of MATCH_USERS
        users, or those of ``users``."""
        ds, sp = self.context.dataset, self.context.split
        test_users = sp.test_users.astype(np.int64)
        test_items = sp.test_items.astype(np.int64)
        if users is None:
            pick = np.arange(test_users.size)
            if pick.size > self.MATCH_USERS:
                pick = np.sort(np.random.default_rng(seed).choice(pick.size, self.MATCH_USERS, replace=False))
        else:
            pick = np.flatnonzero(np.isin(test_users, users))
        test_users, test_items = test_users[pick], test_items[pick]
        n = ds.n_items
        keys = ds.users.astype(np.int64) * n + ds.items
        order = np.argsort(keys, kind="stable")
        at = order[np.searchsorted(keys[order], test_users * n + test_items)]
        return test_users, test_items, ds.ratings[at] >= calibration.GOOD

    def match_data(self, mode: str, rec: Recommender | None = None, users: np.ndarray | None = None,
                   seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """(percentile, rated 4+) of each dataset user's held-out film (the split's test rating) under
        ``mode``, each user seen as a profile of their other ratings (train + validation: what the saved
        models were fitted on), scored as ``personal_scores`` scores a profile; vectorised in user blocks.

        The one difference from a new profile: the collaborative part uses the user's trained NCF vectors,
        not a fold-in (a fold-in costs ~0.3 s a user on one CPU thread; the trained vectors a few ms for all).
        """
        from movierec.models.recent import PROFILE_BLEND, PROFILE_TAU, recency_weights

        self.context.model_work("a match calibration")
        ds = self.context.dataset
        test_users, test_items, good = self._held_out(users, seed)
        # Each user's profile: their train + validation ratings, with the recency weights a profile gets.
        merged = self.context.split.with_validation()
        pu, pi = merged.train_users.astype(np.int64), merged.train_items.astype(np.int64)
        ps, pt = merged.train_ratings.astype(np.float32), merged.train_timestamps
        inside = np.isin(pu, test_users)
        pu, pi, ps, pt = pu[inside], pi[inside], ps[inside], pt[inside]
        recency = recency_weights(pu, pt, PROFILE_TAU, PROFILE_BLEND)
        row_of = np.full(ds.n_users, -1, dtype=np.int64)
        row_of[test_users] = np.arange(test_users.size)
        popular = popular_scores(ds.catalog)  # a profile with no liked film gets half of it (personal_scores)
        out = np.full(test_users.size, np.nan)
        block = 256
        for b0 in range(0, test_users.size, block):
            rows = np.arange(b0, min(b0 + block, test_users.size))
            sel = (row_of[pu] >= b0) & (row_of[pu] < b0 + rows.size)
            profiles = (row_of[pu[sel]] - b0, pi[sel], ps[sel], pt[sel], recency[sel])
            out[rows] = self._block(mode, rec, popular, test_users[rows], test_items[rows], profiles)
        return out, good

    def _block(self, mode: str, rec: Recommender | None, popular: np.ndarray, users: np.ndarray, held: np.ndarray,
               profiles: tuple) -> np.ndarray:
        """The held-out films' percentiles for one block of users (``profiles``: row, film, stars, time and
        recency weight of each of their ratings)."""
        r, items, stars, times, w = profiles
        n = self.context.dataset.n_items
        rated = np.zeros((users.size, n), dtype=bool)
        rated[r, items] = True
        candidates = ~rated
        own = None
        if mode != modes.fallback(mode):  # the mode's model scores them as it scores a profile (ScoresProfile)
            assert isinstance(rec, ScoresProfile)
            own, scored = rec.score_known(KnownProfiles(users, r, items, stars, times, w, stars > DISLIKED))
            candidates[~scored] = False  # e.g. nothing liked: a sequence mode makes no picks for such a profile
        scores = personal_scores_rows(self.films.content, popular, mode, r, items, stars, w, candidates, own)
        return calibration.percentiles(scores, candidates, held)
