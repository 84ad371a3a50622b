"""The one facade the CLI and the TUI call: datasets, training, evaluation, similar films.

Nothing here prints: methods return values and report progress through
callbacks; the caller decides how to show them. The engine chooses the device
once (``auto`` = cuda, then mps, then cpu) and keeps one dataset and split.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from movierec.data import registry
from movierec.data.dataset import Dataset
from movierec.data.splits import Split, leave_one_out
from movierec.errors import CheckpointError, MovieRecError
from movierec.evaluation.protocol import Protocol, Report
from movierec.models.base import Callback, Recommender
from movierec.models.content import ContentBased
from movierec.models.popularity import Popularity
from movierec.data.movielens import GENRES
from movierec.recommend import (DEFAULT_DIVERSITY, DISLIKED, HIGH, LIKED, Recommendations, blend, cold_start_list, finish,
                                genre_filter, parse_years, popular_scores, standardise)
from movierec.store import checkpoints
from movierec.store.profiles import Profile

if TYPE_CHECKING:
    import torch

    from movierec.models import ncf
    from movierec.models.neural import NeuralRecommender

# torch (~1 s to import) is imported by the methods that train, fold in or score with a neural
# model, not by this module: data, search, content-based picks and the TUI's first screen skip it.

NEURAL = ("gmf", "mlp", "neumf")
MODELS = ("pop", "ease", "content", *NEURAL)
DEFAULT_MODEL = "neumf"


@dataclass
class TrainInfo:
    model: str
    path: str | None
    epochs: int
    best_epoch: int
    val_hr: float
    fit_seconds: float
    reused: bool
    device: str
    note: str = ""  # why it was trained, or that a saved model was reused
    created: str = ""  # when the model was trained (a reused one: its original date)

    def to_json(self) -> dict:
        """Floats rounded; a missing figure (no validation users: NaN) is null, as JSON has no NaN."""
        return {k: ((round(v, 6) if v == v else None) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


class Engine:
    def __init__(self, dataset: str | None = None, device: str | None = "auto", on_note=None) -> None:
        self.dataset_ref = dataset
        self.notes: list[str] = []  # things set right on the way (a bad checkpoint moved aside), for the caller to show
        self.on_note = on_note  # called with each note as it happens (the CLI prints it; see _note)
        self.device_ref = device
        self._device: torch.device | None = None
        self._dataset: Dataset | None = None
        self._split: Split | None = None
        self._content: ContentBased | None = None
        self._neural: dict[str, NeuralRecommender] = {}
        self._fold_cache: tuple | None = None  # (profile key, scores, losses) of the last fold-in
        self.skipped_models: list[tuple[str, str]] = []  # (model, why) left out of the last evaluate()
        self._noted: set[str] = set()

    def _note(self, text: str, once: str | None = None) -> None:
        """One line for the caller: why a model is trained or reused, tuned settings used, L2 chosen, a bad
        checkpoint moved aside. Kept in ``notes`` and passed to ``on_note`` as it happens."""
        if once is not None:
            if once in self._noted:
                return
            self._noted.add(once)
        self.notes.append(text)
        if self.on_note is not None:
            self.on_note(text)

    # -- data -------------------------------------------------------------------------------
    @property
    def default_epochs(self) -> int:
        from movierec.models.ncf import NCFConfig

        return NCFConfig().epochs

    @property
    def foldin_steps(self) -> int:
        from movierec.models.foldin import FoldInConfig

        return FoldInConfig().steps

    @property
    def device(self) -> torch.device:
        """The compute device, chosen once (auto = cuda, then mps, then cpu)."""
        if self._device is None:
            from movierec import device as devices

            self._device = devices.resolve(self.device_ref)
        return self._device

    @property
    def device_name(self) -> str:
        from movierec import device as devices

        return devices.describe(self.device)

    @property
    def dataset(self) -> Dataset:
        if self._dataset is None:
            self._dataset = registry.load_dataset(self.dataset_ref)
        return self._dataset

    @property
    def split(self) -> Split:
        if self._split is None:
            self._split = leave_one_out(self.dataset)
        return self._split

    def find_title(self, title: str) -> int:
        return self.dataset.catalog.find(title).index

    def search(self, text: str, limit: int = 20) -> list[dict]:
        cat = self.dataset.catalog
        return [{**cat.describe(m.index), "index": m.index, "ratings": int(cat.n_ratings[m.index]),
                 "mean_rating": round(float(cat.mean_rating[m.index]), 2), "match": round(m.score, 1)}
                for m in cat.search(text, limit=limit)]

    def index_of(self, movie_id: int) -> int | None:
        idx = int(self.dataset.item_ids.index([movie_id], missing="negative")[0])
        return idx if idx >= 0 else None

    def film(self, index: int) -> dict:
        cat = self.dataset.catalog
        tags = [t for t in (cat.tags[index].split("|") if cat.tags and cat.tags[index] else []) if t]
        return {**cat.describe(index), "index": index, "ratings": int(cat.n_ratings[index]),
                "mean_rating": float(cat.mean_rating[index]), "tags": tags}

    def search_films(self, text: str, genre: str | None = None, years: str = "", limit: int = 50) -> list[dict]:
        """Search as you type: matching titles (or, with no text, the most rated), filtered by genre and years."""
        cat = self.dataset.catalog
        span = parse_years(years)
        allowed = genre_filter(cat, [genre] if genre else None, span)
        if text.strip():
            hits = [m.index for m in cat.search(text, limit=limit * 4, min_score=55.0)]
        else:
            hits = [int(i) for i in np.argsort(-cat.n_ratings, kind="stable")[: limit * 20]]
        rows = [i for i in hits if allowed[i]][:limit]
        return [{**cat.describe(i), "index": i, "ratings": int(cat.n_ratings[i]),
                 "mean_rating": float(cat.mean_rating[i])} for i in rows]

    def similar_films(self, index: int, n: int = 15) -> list[dict]:
        cat = self.dataset.catalog
        return [{**cat.describe(i), "index": i, "similarity": s} for i, s in self.content.similar(index, n)]

    # -- content ------------------------------------------------------------------------------
    @property
    def content(self) -> ContentBased:
        if self._content is None:
            model = ContentBased()
            model.prepare(self.dataset.catalog)
            self._content = model
        return self._content

    def similar(self, title: str, n: int = 20) -> tuple[dict, list[dict]]:
        """The matched film and its more-like-this list."""
        match = self.dataset.catalog.find(title)
        cat = self.dataset.catalog
        rows = [{**cat.describe(i), "similarity": round(s, 4)} for i, s in self.content.similar(match.index, n)]
        return {**cat.describe(match.index), "exact": match.exact}, rows

    # -- neural models ------------------------------------------------------------------------
    def tuned(self, model: str) -> tuple[dict, str] | None:
        """(settings, path) saved by ``tune`` for this dataset and model, or None."""
        from movierec import tuning

        return tuning.load(self.dataset.fingerprint, model)

    def _config(self, model: str, **overrides) -> ncf.NCFConfig:
        from movierec.models.ncf import NCFConfig

        values = {k: v for k, v in overrides.items() if v is not None}
        found = self.tuned(model)
        if found is not None:
            settings, path = found
            used = {k: v for k, v in settings.items() if k not in values and k in NCFConfig.__dataclass_fields__}
            if used:
                self._note(f"{model}: using tuned settings from {path}", once=f"tuned-{model}")
                values = {**used, **values}
        return NCFConfig.from_json({**values, "model": model})

    def _mismatch(self, meta: dict, config: ncf.NCFConfig) -> str | None:
        """What differs between a checkpoint's config and the wanted one ("epochs 1, wanted 30"), or None."""
        wanted = config.to_json()
        stored = meta.get("config", {})
        diffs = [f"{k} {stored.get(k, 'unset')}, wanted {v}" for k, v in wanted.items()
                 if k not in ("chunk_positives", "amp") and stored.get(k) != v]
        return "; ".join(diffs) if diffs else None

    def _meta_matches(self, meta: dict, config: ncf.NCFConfig) -> bool:
        return self._mismatch(meta, config) is None

    def load_neural(self, model: str, config: ncf.NCFConfig | None = None) -> NeuralRecommender | None:
        """The saved model for this dataset (and config, when given), or None when there is none."""
        from movierec.models import ncf
        from movierec.models.neural import NeuralRecommender

        path = checkpoints.path_for(self.dataset.fingerprint, model)
        if not path.exists():
            return None
        try:  # a checkpoint is a cache: a bad one is moved aside (and said so), and the caller trains anew
            ckpt = checkpoints.load(path)
            self.check_checkpoint(ckpt.meta, path)
            if config is not None and not self._meta_matches(ckpt.meta, config):
                return None
            cfg = ncf.NCFConfig.from_json(ckpt.meta["config"])
            module = ncf.build(cfg, int(ckpt.meta["n_users"]), int(ckpt.meta["n_items"]))
            try:
                module.load_state_dict(ckpt.state)
            except RuntimeError:
                raise CheckpointError(f"{path} does not fit a {model} model of its own config") from None
        except CheckpointError as exc:
            aside = checkpoints.set_aside(path)
            self._note(f"{exc}; " + (f"it was moved to {aside} and a new {model} model will be trained" if aside
                                     else f"a new {model} model will be trained"))
            return None
        rec = NeuralRecommender(cfg, self.device)
        rec.attach(module, int(ckpt.meta["n_items"]))
        rec.meta = ckpt.meta  # type: ignore[attr-defined]
        return rec

    def check_checkpoint(self, meta: dict, path) -> None:
        ds = self.dataset
        if meta.get("fingerprint") != ds.fingerprint:
            raise CheckpointError(
                f"{path} was trained on dataset {meta.get('dataset')!r} ({str(meta.get('fingerprint'))[:12]}), "
                f"not on {ds.name!r} ({ds.fingerprint[:12]})")
        if meta.get("n_users") != ds.n_users or meta.get("n_items") != ds.n_items:
            raise CheckpointError(f"{path} has other user/item counts than {ds.name!r}")

    def train(self, model: str = DEFAULT_MODEL, callback: Callback | None = None, should_stop=None,
              force: bool = False, **overrides) -> tuple[NeuralRecommender, TrainInfo]:
        """Train (or reuse) an NCF model on the leave-one-out training data and save it."""
        from movierec.models.neural import NeuralRecommender

        if model not in NEURAL:
            raise MovieRecError(f"{model!r} is not a neural model; choose one of {', '.join(NEURAL)}")
        config = self._config(model, **overrides)
        path = checkpoints.path_for(self.dataset.fingerprint, model)
        if force:
            why = f"training {model}: asked to retrain"
        elif not path.exists():
            why = f"training {model}: no saved model yet"
        else:
            # A bad checkpoint (damaged, a crafted config, non-finite weights) is moved aside with a note.
            existing = self.load_neural(model)
            why = None  # a bad one was moved aside, and its note says a new model will be trained
            if existing is not None:
                meta = existing.meta  # type: ignore[attr-defined]
                differs = self._mismatch(meta, config)
                why = f"retraining {model}: the saved model was trained with other settings ({differs})"
                if differs is None:
                    self._neural[model] = existing
                    created = str(meta.get("created", ""))
                    fit = float(meta.get("fit_seconds", 0.0))
                    note = (f"reusing the saved {model} model ({path}), trained {created or 'earlier'}; "
                            f"its fit time ({fit:.1f} s) is from then")
                    self._note(note)
                    return existing, TrainInfo(model, str(path), int(meta.get("epochs", 0)),
                                               int(meta.get("best_epoch", 0)), float(meta.get("val_hr", float("nan"))),
                                               fit, True, self.device_name, note, created)
        if why:
            self._note(why)
        rec = NeuralRecommender(config, self.device)
        rec.should_stop = should_stop
        rec.fit(self.split, self.dataset.catalog, callback)
        result = rec.result
        assert result is not None and rec.module is not None
        if should_stop is not None and should_stop():
            raise KeyboardInterrupt
        ds = self.dataset
        meta = {"model": model, "config": config.to_json(), "dataset": ds.name, "fingerprint": ds.fingerprint,
                "n_users": ds.n_users, "n_items": ds.n_items, "epochs": len(result.history),
                "best_epoch": result.best_epoch, "val_hr": result.best_val_hr, "fit_seconds": result.seconds,
                "device": self.device_name, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "stage_epochs": result.stage_epochs, "refit": result.refit}
        if result.config is not None:  # what "auto" became on this data and device
            meta["trained_with"] = {"batch_size": result.config.batch_size, "lr": result.config.lr}
        from movierec import distributed

        group = distributed.active()
        if group is not None:
            meta["ranks"] = group.world
        if group is None or group.is_main:  # under torchrun every rank holds the same weights; one writes them
            checkpoints.save(path, rec.module.state_dict(), meta, ds.user_ids.array, ds.item_ids.array)
        rec.meta = meta  # type: ignore[attr-defined]
        self._neural[model] = rec
        return rec, TrainInfo(model, str(path), len(result.history), result.best_epoch, result.best_val_hr,
                              result.seconds, False, self.device_name, why, meta["created"])

    # -- evaluation ---------------------------------------------------------------------------
    def baseline(self, name: str, l2: float | None = None) -> Recommender:
        """A fresh baseline. EASE's L2: ``l2``, else tuned settings, else chosen on validation."""
        if name == "pop":
            return Popularity()
        if name == "ease":
            from movierec.models.ease import EASE

            if l2 is None:
                found = self.tuned("ease")
                if found is not None and "l2" in found[0]:
                    self._note(f"ease: using tuned settings from {found[1]}", once="tuned-ease")
                    l2 = float(found[0]["l2"])
            return EASE(l2=l2)
        if name == "content":
            return ContentBased()
        raise MovieRecError(f"unknown model {name!r}; choose one of {', '.join(MODELS)} or all")

    def fit_baseline(self, name: str, l2: float | None = None) -> Recommender:
        """Fit a baseline. Models that choose nothing on validation fit on train + validation; EASE
        without a given or tuned L2 chooses it on validation, then fits on train + validation."""
        model = self.baseline(name, l2)
        chooses = bool(getattr(model, "chooses_on_validation", False))
        model.fit(self.split if chooses else self.split.with_validation(), self.dataset.catalog)
        chosen = getattr(model, "chosen", None)
        if chosen and chosen.get("grid"):
            figures = ", ".join(f"{r['l2']:g}: {r['val_hr']:.3f}" for r in chosen["grid"])
            self._note(f"ease: L2 {chosen['l2']:g} chosen on validation (HR@10 {figures}); --l2 sets it")
        return model

    def evaluate(self, models: list[str], k: int = 10, negatives: int = 99, seed: int = 0, full: bool = False,
                 callback: Callback | None = None, on_result=None, retrain: bool = False, l2: float | None = None,
                 **overrides) -> list[Report]:
        for name in models:
            if name not in MODELS:
                raise MovieRecError(f"unknown model {name!r}; choose one of {', '.join(MODELS)} or all")
        if k < 1 or negatives < 1:
            raise MovieRecError("--k and --negatives must be at least 1")
        if self.split.test_users.size == 0:
            raise MovieRecError(f"no user of {self.dataset.name} has 2 or more ratings, so leave-one-out has nothing "
                                "to hold out; evaluate on a dataset where users rated at least 2 films")
        protocol = Protocol(self.split, k=k, negatives=negatives, seed=seed, full=full)
        reports = []
        self.skipped_models = []
        for name in models:
            if name == "ease" and len(models) > 1:
                ease = self.baseline("ease", l2)
                if not ease.plan(self.split)["fits"]:  # type: ignore[attr-defined]
                    # One model that cannot run here does not cost the others: skipped, with the reason.
                    self.skipped_models.append(("ease", ease.describe_plan(self.split)))  # type: ignore[attr-defined]
                    continue
            if name in NEURAL:
                rec, info = self.train(name, callback=callback, force=retrain, seed=seed, **overrides)
                model: Recommender = rec
                fit_seconds, reused = info.fit_seconds, info.reused
            else:
                start = time.perf_counter()
                model = self.fit_baseline(name, l2)
                fit_seconds, reused = time.perf_counter() - start, False
            report = protocol.evaluate(model, self.dataset.catalog, fit_seconds)
            report.reused = reused
            reports.append(report)
            if on_result:
                on_result(report)
        return reports

    # -- a new user -----------------------------------------------------------------------------
    def cold_start(self, n: int = 40) -> list[dict]:
        """Well-known films across genres and decades for a first rating session."""
        cat = self.dataset.catalog
        return [{**cat.describe(i), "index": i, "ratings": int(cat.n_ratings[i])} for i in cold_start_list(cat, n)]

    def profile_items(self, profile: Profile) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
        """(rated item indices, their stars, not-interested indices, movie ids unknown to this dataset)."""
        vocab = self.dataset.item_ids
        ids = np.array(sorted(profile.ratings), dtype=np.int64)
        idx = vocab.index(ids, missing="negative") if ids.size else np.zeros(0, np.int32)
        stars = np.array([profile.ratings[int(m)].stars for m in ids], dtype=np.float32)
        skip_ids = np.array(sorted(profile.not_interested), dtype=np.int64)
        skip = vocab.index(skip_ids, missing="negative") if skip_ids.size else np.zeros(0, np.int32)
        unknown = [int(m) for m in ids[idx < 0]] + [int(m) for m in skip_ids[skip < 0]]
        return idx[idx >= 0].astype(np.int64), stars[idx >= 0], skip[skip >= 0].astype(np.int64), unknown

    def foldin_model(self, callback: Callback | None = None, should_stop=None, train: bool = True) -> NeuralRecommender:
        """The NeuMF model new users are folded into: the saved one, else trained now (and saved).

        ``train=False``: None instead of training (the saved one was bad and moved aside; see ``notes``).
        """
        if "neumf" in self._neural:
            return self._neural["neumf"]
        loaded = self.load_neural("neumf")  # a bad checkpoint is moved aside with a note: None
        if loaded is not None:
            self._neural["neumf"] = loaded
            return loaded
        if not train:
            return None  # type: ignore[return-value]
        rec, _ = self.train("neumf", callback=callback, should_stop=should_stop)
        return rec

    def has_model(self) -> bool:
        return "neumf" in self._neural or checkpoints.path_for(self.dataset.fingerprint, "neumf").exists()

    def fold_in(self, items: np.ndarray, stars: np.ndarray, skip: np.ndarray, seed: int = 0,
                callback=None, should_stop=None) -> tuple[np.ndarray, float, list[float]]:
        """NCF scores of every item for a profile, from the user's own fitted vectors (cached per profile)."""
        key = (tuple(items.tolist()), tuple(np.round(stars, 1).tolist()), tuple(skip.tolist()), seed)
        cache = self._fold_cache
        if cache is not None and cache[0] == key:
            return cache[1], 0.0, cache[2]
        from movierec.models.foldin import FoldInConfig, fold_in, score_items

        rec = self.foldin_model()
        assert rec.module is not None
        positives = items[stars >= LIKED]
        negatives = np.concatenate([items[stars <= DISLIKED], skip])
        result = fold_in(rec.module, positives, negatives, self.dataset.n_items, FoldInConfig(seed=seed),
                         exclude=items, callback=callback, should_stop=should_stop,
                         popularity=self.dataset.catalog.n_ratings)
        scores = score_items(rec.module, result.vectors)
        if should_stop is None or not should_stop():  # an interrupted fit is never reused
            self._fold_cache = (key, scores, result.losses)
        return scores, result.seconds, result.losses

    def forget_foldin(self) -> None:
        """Drop the cached fold-in so the next one fits again (a fine-tune the user asked for)."""
        self._fold_cache = None

    def recommend(self, profile: Profile, n: int = 10, diversity: float = DEFAULT_DIVERSITY,
                  genres: list[str] | None = None, years: tuple[int | None, int | None] | None = None,
                  mode: str = "hybrid", seed: int = 0, callback=None, should_stop=None,
                  anchor: int | None = None, exclude: set[int] | None = None) -> Recommendations:
        """A diversified, explained top ``n`` for a profile. ``mode``: hybrid, ncf or content.

        ``anchor``: an item index the list should stay close to ("because you rated X").
        """
        if mode not in ("hybrid", "ncf", "content"):
            raise MovieRecError(f"unknown mode {mode!r}; use hybrid, ncf or content")
        cat = self.dataset.catalog
        items, stars, skip, unknown = self.profile_items(profile)
        allowed = genre_filter(cat, genres, years)
        allowed[items] = False
        allowed[skip] = False
        if exclude:
            allowed[np.fromiter(exclude, dtype=np.int64)] = False
        liked_mask = stars >= LIKED
        positives = int(liked_mask.sum())
        foldin_seconds = 0.0
        note = ""
        if items.size == 0 and skip.size == 0:
            scores, mix = popular_scores(cat), {"popular": 1.0}
        else:
            content = self.content.profile_scores(np.concatenate([items, skip]),
                                                  np.concatenate([stars, np.full(skip.size, 1.0, np.float32)]))
            ncf_scores = None
            if mode != "content" and (positives or items.size):
                try:
                    ncf_scores, foldin_seconds, _ = self.fold_in(items, stars, skip, seed, callback, should_stop)
                except MovieRecError as exc:
                    if mode == "ncf":
                        raise
                    # A dataset no neural model can be trained on (e.g. no unrated items to sample):
                    # the hybrid falls back to content and says why.
                    note = f"content-based only: {exc}"
            if mode == "ncf" and ncf_scores is not None:
                scores, mix = ncf_scores.astype(np.float64), {"ncf": 1.0, "content": 0.0}
            else:
                scores, mix = blend(ncf_scores, content, positives, allowed)
            if positives == 0:
                # Only dislikes: steer away from them, but among films people like.
                scores = scores + 0.5 * popular_scores(cat)
                mix = {**mix, "popular": 0.5}
        if anchor is not None:
            sims = self.content.vectors @ self.content.vectors[anchor]
            scores = scores + 1.5 * standardise(sims, allowed)
        liked = items[liked_mask]
        if anchor is not None:
            own = [r.stars for m, r in profile.ratings.items() if self.index_of(m) == anchor]
            liked, liked_stars = np.array([anchor]), np.array(own or [5.0], dtype=np.float32)
        else:
            liked_stars = stars[liked_mask]
        picks, div = finish(scores, allowed, cat, self.content.vectors, n, diversity, liked, liked_stars,
                            similarity=cat.genres.astype(np.float32), collaborative=bool(mix.get("ncf")))
        device = self.device_name if self._device is not None else "not used (no neural model involved)"
        if not picks:
            note = "nothing left to recommend: every film that matches is already rated or dismissed"
        return Recommendations(picks, mix, diversity, div, device, foldin_seconds, unknown, note)

    def favourite_genres(self, profile: Profile, k: int | None = None) -> list[str]:
        """Every genre of a film you rated highly (4 stars or more), the one you like most first.

        How much you like a genre: the sum of (stars - 3) over your rated films in it, so many
        high ratings count more than one, and low ratings count against it.
        """
        items, stars, _, _ = self.profile_items(profile)
        high = items[stars >= HIGH]
        if high.size == 0:
            return []
        genres = self.dataset.catalog.genres
        liking = (genres[items].astype(np.float64) * (stars.astype(np.float64) - 3.0)[:, None]).sum(axis=0)
        present = genres[high].any(axis=0)
        present[-1] = False  # "(no genres listed)"
        order = [int(g) for g in np.argsort(-liking, kind="stable") if present[g] and liking[g] > 0]
        return [GENRES[g] for g in order[:k]]

    def genre_choices(self, profile: Profile) -> list[str]:
        """Every genre in the catalogue: the profile's favourites first, then the rest, largest first."""
        mine = self.favourite_genres(profile)
        counts = self.dataset.catalog.genres.sum(axis=0)
        rest = [GENRES[g] for g in np.argsort(-counts, kind="stable")
                if counts[g] > 0 and GENRES[g] != "(no genres listed)" and GENRES[g] not in mine]
        return [*mine, *rest]

    def browse(self, profile: Profile, diversity: float = DEFAULT_DIVERSITY, mode: str = "hybrid",
               genre: str | None = None, n: int = 10, should_stop=None, because: int = 3,
               first=None) -> list[dict]:
        """The lists of the picks screen: top picks; "<genre> for you" for every genre you rated highly,
        the one you like most first; "Because you rated X" for your ``because`` latest high ratings.

        ``first``: called with the first two lists as soon as they are ready (a screen shows them
        while the others are computed)."""
        genres = [genre] if genre else None
        top = self.recommend(profile, n=n, diversity=diversity, genres=genres, mode=mode, should_stop=should_stop)
        if should_stop is not None and should_stop():
            return []
        lists = [{"title": "Top picks for you" + (f" in {genre}" if genre else ""), "picks": top.picks, "mix": top.mix}]
        shown = {p.index for p in top.picks}  # each later list shows films the ones above did not

        def add(title: str, result: Recommendations) -> None:
            if result.picks:
                lists.append({"title": title, "picks": result.picks, "mix": result.mix})
                shown.update(p.index for p in result.picks)

        recent = sorted((r for r in profile.ratings.values() if r.stars >= HIGH), key=lambda r: (-r.time, r.movie_id))
        anchors = [i for i in (self.index_of(r.movie_id) for r in recent) if i is not None][:because]
        # The latest high rating's list comes second: it answers "I just rated X" at once.
        for anchor in anchors[:1]:
            add(f"Because you rated {self.dataset.catalog.titles[anchor]}",
                self.recommend(profile, n=n, diversity=diversity, genres=genres, mode=mode, anchor=anchor, exclude=shown))
        if first is not None:
            first([dict(block) for block in lists])
        if genre is None:
            for g in self.favourite_genres(profile):
                if should_stop is not None and should_stop():
                    return []
                add(f"{g} for you", self.recommend(profile, n=n, diversity=diversity, genres=[g], mode=mode,
                                                   exclude=shown))
        for anchor in anchors[1:]:
            add(f"Because you rated {self.dataset.catalog.titles[anchor]}",
                self.recommend(profile, n=n, diversity=diversity, genres=genres, mode=mode, anchor=anchor, exclude=shown))
        return lists

    def diversity_sweep(self, model: str = "neumf", k: int = 10, negatives: int = 99, seed: int = 0,
                        steps: int = 11, callback: Callback | None = None, **overrides) -> list[dict]:
        """HR@k and ILD@k of MMR re-ranking at diversity 0, 0.1, ..., 1 (the sampled protocol)."""
        if model in NEURAL:
            rec: Recommender = self.train(model, callback=callback, seed=seed, **overrides)[0]
        else:
            rec = self.fit_baseline(model)
        protocol = Protocol(self.split, k=k, negatives=negatives, seed=seed)
        values = [i / (steps - 1) for i in range(steps)]
        return protocol.diversity_sweep(rec, self.dataset.catalog, values)

    def protocol_users(self) -> tuple[int, int]:
        return int(self.split.test_users.size), int(self.split.skipped_users)

    def tune(self, model: str, trials: int = 20, timeout: float | None = None, seed: int = 0, on_trial=None):
        """Hyperparameter search on the validation holdout (see ``movierec.tuning``); the best settings
        are saved for this dataset and model, and later ``train``/``evaluate`` use them."""
        from movierec import tuning

        self._noted.discard(f"tuned-{model}")
        return tuning.run(self, model, trials, timeout, seed, on_trial)

    def tied_users(self) -> int:
        """Evaluated users with more than one rating at their latest timestamp (held out at random among them)."""
        return int(self.split.tied_users)

