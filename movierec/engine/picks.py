"""Personal picks: a profile folded in (cached), its diversified, explained list in steps, the lists of the
picks screen, the watchlist ranked, and the predicted match of any films (search results, more like this)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from movierec.data.titles import spoken_title
from movierec.errors import MovieRecError
from movierec.models import registry
from movierec.models.base import FoldsIn, ProfileArrays, ScoresProfile
from movierec.picks import calibration
from movierec.picks.rerank import DEFAULT_POOL
from movierec.picks.scoring import (DEFAULT_DIVERSITY, DISLIKED, HIGH, LIKED, Recommendations, anchored,
                                    blend_new_films, finish, genre_filter, new_film_reasons, personal_scores)
from movierec.store.profiles import Profile
from movierec.engine import modes
from movierec.engine.context import Context
from movierec.engine.films import Films
from movierec.engine.matches import Matches
from movierec.engine.profile_view import ProfileView
from movierec.engine.rows import FilmRow, PickList
from movierec.engine.shelf import LEARNED, ModelShelf


def profile_key(items: np.ndarray, stars: np.ndarray, skip: np.ndarray, weights: np.ndarray, seed: int) -> tuple:
    """What a profile's cached scores depend on from the profile: films, stars, dismissals, recency
    weights, the seed (the callers add the models they were made with)."""
    return (tuple(items.tolist()), tuple(np.round(stars, 1).tolist()), tuple(skip.tolist()),
            tuple(np.round(weights, 3).tolist()), seed)


@dataclass
class _Ask:
    """One ``recommend`` call: the profile as arrays (``ProfileView.profile_items``), its recency weights, its
    liked films oldest first (what a sequence model reads), and what the call asked for."""

    profile: Profile
    items: np.ndarray
    stars: np.ndarray
    skip: np.ndarray
    unknown: list[int]
    weights: np.ndarray
    in_order: np.ndarray
    mode: str
    seed: int
    callback: object
    should_stop: object
    anchor: int | None


class Picks:
    def __init__(self, context: Context, films: Films, view: ProfileView, shelf: ModelShelf,
                 matches: Matches) -> None:
        self.context = context
        self.films = films
        self.view = view
        self.shelf = shelf
        self.matches = matches
        self._fold_cache: tuple | None = None  # (profile key, scores, losses) of the last fold-in
        # mode -> (profile key, scores, candidates, the map's mode) of the latest list (film_matches reads it)
        self._base_scores: dict[str, tuple] = {}

    # -- fold-in ------------------------------------------------------------------------------------
    def _fold_in(self, items: np.ndarray, stars: np.ndarray, skip: np.ndarray, seed: int = 0,
                 callback=None, should_stop=None, weights: np.ndarray | None = None,
                 mode: str = modes.FOLD_IN) -> tuple[np.ndarray, float, list[float]]:
        """Collaborative scores of every item for a profile, from the user's own fitted vectors in the model of
        ``mode`` (cached per profile). ``weights``: one per rated film (``recency``): liked films rated lately
        pull harder."""
        self.context.model_work("a fold-in")
        w = np.ones(items.size, dtype=np.float32) if weights is None else np.asarray(weights, dtype=np.float32)
        rec = self.shelf.get(mode, train=True)
        key = (profile_key(items, stars, skip, w, seed), modes.served(mode), self.shelf.kept_version(mode))
        cache = self._fold_cache
        if cache is not None and cache[0] == key:
            return cache[1], 0.0, cache[2]
        assert isinstance(rec, FoldsIn)
        liked = stars >= LIKED
        negatives = np.concatenate([items[stars <= DISLIKED], skip])
        scores, seconds, losses = rec.fold_in(items[liked], negatives, exclude=items, seed=seed,
                                              popularity=self.context.dataset.catalog.n_ratings, callback=callback,
                                              should_stop=should_stop, weights=w[liked])
        if should_stop is None or not should_stop():  # an interrupted fit is never reused
            self._fold_cache = (key, scores, losses)
        return scores, seconds, losses

    def fold_in(self, profile: Profile, callback=None, should_stop=None, seed: int = 0) -> float | None:
        """Fold a profile in now (what its picks will use), ignoring the cache; None when it has nothing to fit."""
        items, stars, skip, _ = self.view.profile_items(profile)
        if items.size == 0 and skip.size == 0:
            return None
        self._fold_cache = None
        _, seconds, _ = self._fold_in(items, stars, skip, seed, callback, should_stop,
                                      self.view.recency(profile, items))
        if should_stop is not None and should_stop():
            self._fold_cache = None
        return seconds

    # -- one list -----------------------------------------------------------------------------------
    def recommend(self, profile: Profile, n: int = 10, diversity: float = DEFAULT_DIVERSITY,
                  genres: list[str] | None = None, years: tuple[int | None, int | None] | None = None,
                  mode: str = modes.DEFAULT, seed: int = 0, callback=None, should_stop=None,
                  anchor: int | None = None, exclude: set[int] | None = None,
                  within: np.ndarray | None = None, calibrate: bool = True) -> Recommendations:
        """A diversified, explained top ``n`` for a profile; ``mode``: one of ``modes()``
        (the scoring is ``picks.scoring.personal_scores``).

        ``anchor``: an item index the list should stay close to ("because you rated X"). ``within``:
        item indices the picks are chosen among (the watchlist), as many as ``n`` asks for.
        Each pick carries its percentile among your unrated films and, when the mode's model has a
        calibration (``match_map``), its predicted match; ``calibrate=False``: only a saved one, no
        computing it now (a screen that shows its first lists before that).
        """
        self.context.model_work("picks")
        if mode not in registry.modes():
            raise MovieRecError(f"unknown mode {mode!r}; use {', '.join(registry.modes())}")
        ask = self._ask(profile, mode, seed, callback, should_stop, anchor)
        allowed = self._allowed(ask, genres, years, exclude, within)
        spent = [0.0]
        scorers = self._scorers(ask, spent)
        scores, mix, note, base, candidates, learned, share = self._scores(ask, allowed, scorers)
        if anchor is not None:
            scores = anchored(scores, self.films.content, self.films.content.vectors[anchor], allowed)
        picks, div, mix = self._finish(ask, scores, allowed, mix, scorers, n, diversity, learned, share)
        served = modes.match_mode(mode, mix)
        self._percentiles(ask, picks, base, candidates, served, calibrate)
        ctx = self.context
        device = ctx.device_name if ctx.device_used else "not used (no neural model involved)"
        if not picks:
            note = "nothing left to recommend: every film that matches is already rated or dismissed"
        return Recommendations(picks, mix, diversity, div, device, spent[0], ask.unknown, note)

    def _ask(self, profile: Profile, mode: str, seed: int, callback, should_stop, anchor: int | None) -> _Ask:
        items, stars, skip, unknown = self.view.profile_items(profile)
        # What a sequence model reads: the films you rated, oldest first, leaving out those you disliked
        # (2.5 stars or less: they are negatives for the hybrid too, and "after Titanic" is no reason to
        # someone who rated it 1 star).
        order = np.argsort(self.view.times(profile, items), kind="stable")
        in_order = items[order][stars[order] > DISLIKED]
        return _Ask(profile, items, stars, skip, unknown, self.view.recency(profile, items), in_order, mode, seed,
                    callback, should_stop, anchor)

    def _allowed(self, ask: _Ask, genres, years, exclude, within) -> np.ndarray:
        """The films the list may show: the filters' films, less those rated, dismissed, excluded, or
        (with ``within``) outside the given ones."""
        allowed = genre_filter(self.context.dataset.catalog, genres, years)
        allowed[ask.items] = False
        allowed[ask.skip] = False
        if exclude:
            allowed[np.fromiter(exclude, dtype=np.int64)] = False
        if within is not None:
            inside = np.zeros_like(allowed)
            inside[np.asarray(within, dtype=np.int64)] = True
            allowed &= inside
        return allowed

    def _scorers(self, ask: _Ask, spent: list[float]) -> dict:
        """One scorer per one-model mode of the registry (a blend reads its parts'), each run only when asked:
        a model that folds in fits the profile (cached per profile, its seconds in ``spent``); any other scores
        the profile as it reads it (ScoresProfile: a sequence model, the films in time order)."""
        def scorer(mode: str):
            def scores() -> np.ndarray:
                if modes.folds_in(mode):
                    scores, spent[0], _ = self._fold_in(ask.items, ask.stars, ask.skip, ask.seed, ask.callback,
                                                        ask.should_stop, ask.weights, mode=mode)
                    return scores
                if modes.reads_sequence(mode) and ask.in_order.size == 0:  # before training a model for nothing
                    raise MovieRecError("sequence picks read the films you liked in the order you rated them, "
                                        "and you have rated none above 2.5 stars yet; rate one, or use --mode "
                                        f"{registry.modes()[0]}")
                rec = self.shelf.serving(mode, callback=ask.callback, should_stop=ask.should_stop)
                assert isinstance(rec, ScoresProfile)
                return rec.score_profile(self._arrays(ask))
            return scores

        return {m: scorer(m) for m in registry.modes() if not modes.blends(m)}

    def _arrays(self, ask: _Ask) -> ProfileArrays:
        """The profile as a model serving a mode reads it."""
        liked = ask.stars >= LIKED
        negatives = np.concatenate([ask.items[ask.stars <= DISLIKED], ask.skip])
        return ProfileArrays(ask.items, ask.stars, ask.skip, ask.weights, ask.items[liked], ask.weights[liked],
                             negatives, ask.in_order, self.context.dataset.catalog.n_ratings, ask.seed, ask.callback,
                             ask.should_stop)

    def _scores(self, ask: _Ask, allowed: np.ndarray, scorers: dict):
        """(scores, mix, note, the match's scores, its candidates, the learned model, its share): the mode's
        scores over the allowed films; the match's over all your unrated films (not only those the filters
        let through, and without a "Because you rated" list's pull toward its film: one film, one match)."""
        cat, content = self.context.dataset.catalog, self.films.content
        scores, mix, note = personal_scores(cat, content, ask.items, ask.stars, ask.skip, allowed, ask.mode,
                                            scorers, None, ask.weights)
        candidates = np.ones(len(cat), dtype=bool)
        candidates[ask.items] = False
        candidates[ask.skip] = False
        base = scores
        if not np.array_equal(candidates, allowed) and modes.standardised(ask.mode):  # over the candidates
            base = personal_scores(cat, content, ask.items, ask.stars, ask.skip, candidates, ask.mode, scorers, None,
                                   ask.weights)[0]
        # Films with few ratings: scored more from deepcontent's learned space, when one is saved (the picks
        # never train it by themselves: the CLI's recommend and the TUI do, once, with progress).
        learned = (self.shelf.get(LEARNED) if modes.blends(ask.mode) and ask.items.size
                   and LEARNED in registry.names() else None)
        share = None
        if learned is not None:
            learned_scores = learned.profile_scores(ask.items, ask.stars, ask.weights)
            scores, share = blend_new_films(scores, learned_scores, cat.n_ratings, learned.config.blend, allowed)
            # The match reads the blended rank too: a film the learned space lifts into the picks is ranked there.
            base = blend_new_films(base, learned_scores, cat.n_ratings, learned.config.blend, candidates)[0]
        return scores, mix, note, base, candidates, learned, share

    def _finish(self, ask: _Ask, scores, allowed, mix: dict, scorers: dict, n: int, diversity: float, learned,
                share):
        """(picks, their genre diversity, the mix): the top ``n`` re-ranked for diversity, each with a reason."""
        cat = self.context.dataset.catalog
        liked_mask = ask.stars >= LIKED
        liked, liked_stars = ask.items[liked_mask], ask.stars[liked_mask]
        if ask.anchor is not None:
            mine = self.view.profile_films(ask.profile)[0].get(ask.anchor)
            own = [mine.stars] if mine is not None else []
            liked, liked_stars = np.array([ask.anchor]), np.array(own or [5.0], dtype=np.float32)
        sequence = modes.reads_sequence(ask.mode) and bool(mix.get(ask.mode))
        # Reasons name the recent films a sequence model read last; a list anchored on one film ("Because
        # you rated X") keeps that film as its reason.
        recent = ask.in_order[::-1][:5] if sequence and ask.anchor is None else None
        picks, div = finish(scores, allowed, cat, self.films.content.vectors, n, diversity, liked, liked_stars,
                            pool=max(DEFAULT_POOL, n), similarity=cat.genres.astype(np.float32),
                            collaborative=bool(mix.get(modes.FOLD_IN)), recent=recent)
        if learned is not None and share is not None:
            # Its part in what is shown: the mean learned share of the picks (most of a catalogue has few ratings);
            # the other parts keep their proportions in the rest.
            part = float(np.mean([share[p.index] for p in picks])) if picks else 0.0
            mix = {**{k: round(v * (1 - part), 3) for k, v in mix.items()}, "deepcontent": round(part, 3)}
            if ask.anchor is None:
                new_film_reasons(picks, share, liked, learned.film_vectors(), cat)
        return picks, div, mix

    def _percentiles(self, ask: _Ask, picks, base, candidates, served: str, calibrate: bool) -> None:
        """Keep the match's scores (what ``film_matches`` reads for other lists of films), and set each pick's
        percentile among your unrated films and its match."""
        if not ask.items.size:
            return
        key = profile_key(ask.items, ask.stars, ask.skip, ask.weights, ask.seed)
        self._base_scores[ask.mode] = ((key, self.shelf.version), base, candidates, served)
        if picks:
            pct = calibration.percentiles_of(base, candidates, np.array([p.index for p in picks]))
            for p, value in zip(picks, pct):
                p.percentile = float(value) if np.isfinite(value) else None
                p.match_mode = served
            self.matches.attach(picks, compute=calibrate)

    def film_matches(self, profile: Profile, indices: list[int], mode: str = modes.DEFAULT, compute: bool = False,
                     seed: int = 0) -> list[float | None]:
        """The predicted match of any films for a profile (a search's results, more like this), as the
        picks give it: their percentile among the profile's unrated films under ``mode``'s scores, through
        the mode's calibration. ``compute=False``: only from the scores of the profile's last list of picks
        and a calibration already made (no fold-in, no training: cheap enough for the UI thread); else the
        scores are computed as ``recommend`` computes them. None for a film without one (rated or dismissed
        already, no ratings yet, no calibration for the mode, the scores not at hand)."""
        none: list[float | None] = [None] * len(indices)
        items, stars, skip, _ = self.view.profile_items(profile)
        if items.size == 0 or not indices:
            return none
        key = (profile_key(items, stars, skip, self.view.recency(profile, items), seed), self.shelf.version)
        cached = self._base_scores.get(mode)
        if (cached is None or cached[0] != key) and compute:
            self.recommend(profile, n=1, diversity=0.0, mode=mode, seed=seed)
            cached = self._base_scores.get(mode)
        if cached is None or cached[0] != key:
            return none
        _, base, candidates, served = cached
        m = self.matches.match_map(served, compute=compute)
        if m is None:
            return none
        wanted = np.asarray(indices, dtype=np.int64)
        pct = calibration.percentiles_of(base, candidates, wanted)
        # A film you rated or dismissed has your stars or mark instead: a match is a guess about the others.
        return [float(v) if np.isfinite(v) and open_ else None for v, open_ in zip(m(pct), candidates[wanted])]

    # -- the lists of the picks screen, the watchlist ----------------------------------------------------
    def browse(self, profile: Profile, diversity: float = DEFAULT_DIVERSITY, mode: str = modes.DEFAULT,
               genre: str | None = None, n: int = 10, should_stop=None, because: int = 3,
               first=None) -> list[PickList]:
        """The lists of the picks screen: top picks; "Because you rated X" for your latest high rating;
        "Next after X" (your latest film) when a sequence model is trained; "<genre> for you" for every
        genre you rated highly, the one you like most first; "Because you rated X" for your next
        ``because`` - 1 latest high ratings, each a PickList.

        ``first``: called with the first two lists as soon as they are ready (a screen shows them
        while the others are computed); their picks' match comes with the later lists when the mode's
        calibration is computed the first time (a few seconds, once per dataset and model)."""
        genres = [genre] if genre else None
        early = first is None  # with ``first``, the first lists do not wait for a calibration to be computed
        top = self.recommend(profile, n=n, diversity=diversity, genres=genres, mode=mode, should_stop=should_stop,
                             calibrate=early)
        if should_stop is not None and should_stop():
            return []
        lists = [PickList("top", genre, top.picks, top.mix)]
        shown = {p.index for p in top.picks}  # each later list shows films the ones above did not

        def add(kind: str, about: str, result: Recommendations) -> None:
            if result.picks:
                lists.append(PickList(kind, about, result.picks, result.mix))
                shown.update(p.index for p in result.picks)

        titles = self.context.dataset.catalog.titles
        recent = sorted((r for r in profile.ratings.values() if r.stars >= HIGH), key=lambda r: (-r.time, r.movie_id))
        anchors = [i for i in (self.view.entry_index(r) for r in recent) if i is not None][:because]
        # The latest high rating's list comes second: it answers "I just rated X" at once.
        for anchor in anchors[:1]:
            add("because", spoken_title(titles[anchor]),
                self.recommend(profile, n=n, diversity=diversity, genres=genres, mode=mode, anchor=anchor,
                               exclude=shown, calibrate=early))
        if first is not None:
            first(list(lists))
        if genre is None and mode != modes.fallback(mode):  # a mode with a model: its "Next after" list too
            self._next_after(profile, add, n, diversity, shown, should_stop)
        if genre is None:
            for g in self.view.favourite_genres(profile):
                if should_stop is not None and should_stop():
                    return []
                add("genre", g, self.recommend(profile, n=n, diversity=diversity, genres=[g], mode=mode,
                                               exclude=shown))
        for anchor in anchors[1:]:
            add("because", spoken_title(titles[anchor]),
                self.recommend(profile, n=n, diversity=diversity, genres=genres, mode=mode, anchor=anchor,
                               exclude=shown))
        if should_stop is not None and should_stop():
            return []
        self.matches.attach([p for block in lists for p in block.picks])  # the first lists' too
        return lists

    def _next_after(self, profile: Profile, add, n: int, diversity: float, shown: set[int], should_stop) -> None:
        """The "Next after X" list: what comes after the latest film you liked, as the sequence model reads it;
        only with a sequence model that loads as it is (a bad one is set aside, a note says so, and the picks
        screen never starts a minutes-long training by itself: `m` into the mode does, with progress)."""
        latest = max((r for r in profile.ratings.values() if r.stars > DISLIKED), key=lambda r: (r.time, r.movie_id),
                     default=None)
        following = registry.sequence_mode()
        if not (latest is not None and following and self.shelf.has(following)
                and self.view.entry_index(latest) is not None and self.shelf.get(following) is not None):
            return
        try:
            add("next", spoken_title(self.context.dataset.catalog.titles[self.view.entry_index(latest)]),
                self.recommend(profile, n=n, diversity=diversity, mode=following, exclude=shown,
                               should_stop=should_stop))
        except MovieRecError as exc:  # a damaged checkpoint was moved aside (see notes): no such list
            self.context.note(f"no 'Next after' list: {exc}")

    def watchlist_films(self, profile: Profile) -> list[FilmRow]:
        """The profile's watchlist as film rows (newest first); a film this dataset lacks has index None (its
        stored title, and "ref": the entry's ``Rating.ref``, what the TUI names it by)."""
        cat = self.context.dataset.catalog
        rows = []
        here = {id(e): i for i, e in self.view.indexed(profile.watchlist).items()}
        for entry in sorted(profile.watchlist.values(), key=lambda r: (-r.time, r.movie_id)):
            index = here.get(id(entry))
            if index is None and self.view.entry_index(entry) is not None:
                continue  # a film listed on two releases: once, as its newer entry
            rows.append(FilmRow.of(cat, index, added=entry.time, ref=entry.ref) if index is not None else
                        FilmRow(None, entry.movie_id, entry.title, None, [], added=entry.time, ref=entry.ref))
        return rows

    def watchlist(self, profile: Profile, mode: str = modes.DEFAULT, should_stop=None) -> list[FilmRow]:
        """The profile's watchlist, the film that fits it best first: the rows of ``watchlist_films``, each
        with "score" (the personal score of ``mode`` that picks are ranked by; None where there is none),
        "reason" (as a pick's) and "match" (the predicted match, None where there is none). Films you rated
        or dismissed, which picks leave out, follow unscored, then the films this dataset lacks (index None),
        newest first. Raises what ``recommend`` raises (a sequence mode with no film liked yet)."""
        rows = self.watchlist_films(profile)
        here = [r for r in rows if r.index is not None]
        picks = []
        if here:
            picks = self.recommend(profile, n=len(here), diversity=0.0, mode=mode, should_stop=should_stop,
                                   within=np.array([r.index for r in here], dtype=np.int64)).picks
        by_index = {r.index: r for r in here}
        scored = [replace(by_index[p.index], score=p.score, reason=p.reason, match=p.match) for p in picks]
        # Sorted by the predicted match where there is one (it reads each film's rank among all your unrated
        # films; the list's own scores are standardised over the watchlist alone), the score breaking ties.
        scored.sort(key=lambda r: -r.match if r.match is not None else 1.0)  # stable: score order within
        chosen = {p.index for p in picks}
        rest = sorted((r for r in rows if r.index not in chosen), key=lambda r: r.index is None)  # stable
        return [*scored, *rest]
