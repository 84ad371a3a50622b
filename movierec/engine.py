"""The one facade the CLI and the TUI call: datasets, training, evaluation, similar films.

Nothing here prints: methods return values and report progress through
callbacks; the caller decides how to show them. The engine chooses the device
once (``auto`` = cuda, then mps, then cpu) and keeps one dataset and split.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from movierec.data import registry as data_registry
from movierec.data.titles import spoken_title
from movierec.data.dataset import Dataset
from movierec.data.splits import Split, leave_one_out
from movierec.errors import CheckpointError, MovieRecError
from movierec.evaluation.protocol import Protocol, Report
from movierec.models import registry, solves
from movierec.models.base import Callback, FoldsIn, Planned, ReadsSequence, Recommender, ReportsChoice
from movierec.models.content import ContentBased
from movierec.data.movielens import GENRES
from movierec.picks import calibration
from movierec.picks.scoring import (DEFAULT_DIVERSITY, DISLIKED, HIGH, LIKED, Recommendations, anchored, blend_new_films,
                                cold_start_list, finish, genre_filter, new_film_reasons, parse_years, personal_scores,
                                personal_scores_rows, popular_scores)
from movierec.picks.rerank import DEFAULT_POOL
from movierec.store import checkpoints
from movierec.store.profiles import Profile, Rating

if TYPE_CHECKING:
    import torch

# torch (~1 s to import) is imported by the methods that train, fold in or score with a neural
# model, not by this module: data, search, content-based picks and the TUI's first screen skip it.

DEFAULT_MODEL = registry.DEFAULT


@dataclass(frozen=True)
class FilmSearch:
    """Engine.search_films: film rows (catalogue fields, "index", "ratings", "mean_rating", "score": the title
    match, None without text) and ``note``, the sentence shown instead of close matches ("" when they are
    close; Catalog.lookup); ``hidden``: close matches the filters hide."""

    rows: list[dict]
    note: str = ""
    hidden: int = 0


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


class UIThreadError(RuntimeError):
    """Model work (loading, training, folding in, scoring) asked for on the thread a UI marked as its own
    (``Engine.ui_thread``): every key would wait until it is done. A bug in the caller, never a user's error."""


class Engine:
    #: The TUI's own thread (its event loop), set by the app: model work there raises UIThreadError instead of
    #: freezing every key behind it; only cheap reads (search, films, profile mapping, cached matches) answer there.
    ui_thread: int | None = None

    def _model_work(self, what: str) -> None:
        if self.ui_thread is not None and threading.get_ident() == self.ui_thread:
            raise UIThreadError(f"{what} asked for on the UI thread; run it in a worker")

    def __init__(self, dataset: str | None = None, device: str | None = "auto", on_note=None) -> None:
        self.dataset_ref = dataset
        self.notes: list[str] = []  # things set right on the way (a bad checkpoint moved aside), for the caller to show
        self.on_note = on_note  # called with each note as it happens (the CLI prints it; see _note)
        self.device_ref = device
        self._device: torch.device | None = None
        self._dataset: Dataset | None = None
        self._split: Split | None = None
        self._content: ContentBased | None = None
        self._models: dict[str, Recommender] = {}  # saved models loaded or trained here, by name (set by _keep)
        self._models_version = 0  # bumped by each _keep: part of the key of the picks' cached scores
        self._kept: dict[str, int] = {}  # name -> _models_version when it was kept (the fold-in cache's key)
        self._fold_cache: tuple | None = None  # (profile key, scores, losses) of the last fold-in
        self._match_maps: dict[str, calibration.MatchMap | None] = {}  # by mode: the predicted match's map
        self.match_calibrated: list[str] = []  # one line per calibration computed here (what it cost)
        # mode -> (profile key, scores, candidates, the map's mode) of the latest list (film_matches reads it)
        self._base_scores: dict[str, tuple] = {}
        self.skipped_models: list[tuple[str, str]] = []  # (model, why) left out of the last evaluate()
        self._noted: set[str] = set()
        # EASE solves shared by the models fitted here (ease, ease-recent, ease-sasrec; models/solves.py)
        self.solves = solves.SolveMemo()

    def _keep(self, name: str, model):
        """Hold a model loaded or trained here. The latest picks' scores (which search results' matches read)
        were made with the models held before: their key changes with any model kept (deepcontent arriving, a
        retrained model), the cached fold-in's only with the fold-in model."""
        self._models[name] = model
        self._models_version += 1
        self._kept[name] = self._models_version
        return model

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
        """Most epochs the default model trains for (a progress bar's length)."""
        return self.epochs_of(DEFAULT_MODEL)

    @staticmethod
    def epochs_of(model: str) -> int:
        """Most epochs ``model`` trains for by default (0: it is not trained in epochs)."""
        config = registry.get(model).make_config()
        return int(getattr(config, "epochs", 0) or 0)

    @property
    def foldin_steps(self) -> int:
        from movierec.models.ncf.foldin import FoldInConfig

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
            self._dataset = data_registry.load_dataset(self.dataset_ref)
        return self._dataset

    @property
    def split(self) -> Split:
        if self._split is None:
            self._split = leave_one_out(self.dataset)
        return self._split

    def find_title(self, title: str) -> int:
        return self.dataset.catalog.find(title).index

    def index_of(self, movie_id: int) -> int | None:
        """The index of a movie id of this dataset's own id space (a profile entry: ``entry_index``)."""
        idx = int(self.dataset.item_ids.index([movie_id], missing="negative")[0])
        return idx if idx >= 0 else None

    # -- a profile's entries on this release (the one mapping the CLI and the TUI read) -----------
    @property
    def id_space(self) -> str:
        """The movie id space of the loaded dataset: what a film rated or listed here is stored in."""
        return self.dataset.id_space

    def entry_index(self, entry: Rating) -> int | None:
        """The film a profile entry names in this dataset, or None when it lacks it: by its movie id when the
        entry was made in this dataset's id space, else by its title and year (exactly one film of that
        normalised title, never the raw id: ml-100k's id 2 is not MovieLens id 2)."""
        if entry.space == self.id_space:
            return self._own_film(entry, self.index_of(entry.movie_id))
        return self.dataset.catalog.by_title(entry.title)

    def _own_film(self, entry: Rating, index: int | None) -> int | None:
        """An entry of this id space: the film of its id (``index``), unless its stored title names exactly
        one other film of this release. Then that one: a profile written on ml-100k before entries kept
        their space reads as "movielens", and a release may number its films its own way; the title the
        user rated outranks an id that now names another film (fresh-eyes report, stop 22)."""
        if not entry.title:
            return index
        other = self.dataset.catalog.by_title(entry.title)
        return other if other is not None else index

    def indexed(self, entries: dict) -> dict[int, Rating]:
        """Catalogue index -> entry, for the entries of one part of a profile (``profile.ratings``,
        ``profile.watchlist``...) that name a film of this dataset; of two naming one film (made on two
        releases), the newer."""
        ordered = sorted(entries.values(), key=Rating.order)
        own = [e for e in ordered if e.space == self.id_space]
        idx = (self.dataset.item_ids.index(np.array([e.movie_id for e in own], dtype=np.int64), missing="negative")
               if own else np.zeros(0, np.int64))
        found = dict(zip((id(e) for e in own), idx.tolist()))
        out: dict[int, Rating] = {}
        for e in ordered:  # oldest first: the newer entry of one film wins
            if id(e) in found:
                i = self._own_film(e, found[id(e)] if found[id(e)] >= 0 else None)
            else:
                i = self.entry_index(e)
            if i is not None and i >= 0:
                out[int(i)] = e
        return out

    def profile_films(self, profile: Profile) -> tuple[dict[int, Rating], dict[int, Rating]]:
        """(index -> rating, index -> "not interested" mark) of the profile's films in this dataset; a film
        rated on one release and dismissed on another is what the newer of the two says."""
        rated, dismissed = self.indexed(profile.ratings), self.indexed(profile.not_interested)
        for i in set(rated) & set(dismissed):
            if rated[i].time >= dismissed[i].time:
                del dismissed[i]
            else:
                del rated[i]
        return rated, dismissed

    def same_film(self, index: int):
        """For the profile store's changes (``ProfileStore.rate(..., same=)``): whether an entry names the
        film ``index`` of this dataset, so rating it here replaces its rating made on another release."""
        return lambda entry: self.entry_index(entry) == index

    def entry_args(self, index: int) -> dict:
        """What a ProfileStore change of film ``index`` takes besides its movie id: the ``space`` it is stored
        in and ``same`` (``same_film``): ``store.rate(name, movie_id, stars, title, **engine.entry_args(index))``."""
        return {"space": self.id_space, "same": self.same_film(index)}

    def film(self, index: int) -> dict:
        cat = self.dataset.catalog
        tags = [t for t in (cat.tags[index].split("|") if cat.tags and cat.tags[index] else []) if t]
        return {**cat.describe(index), "index": index, "ratings": int(cat.n_ratings[index]),
                "mean_rating": float(cat.mean_rating[index]), "tags": tags}

    def search_films(self, text: str, genres: list[str] | None = None, years: str | tuple | None = None,
                     limit: int = 50) -> FilmSearch:
        """The title search the CLI and the TUI show: the films the genre (any of ``genres``) and year filters
        allow (``years``: "1990-99" or (1990, 1999)), ranked by the query, or with no text the most rated of
        them; and the one sentence to show instead when none matches closely (Catalog.lookup)."""
        cat = self.dataset.catalog
        span = parse_years(years) if isinstance(years, str) else years
        filtered = bool(genres) or span is not None
        allowed = genre_filter(cat, genres, span) if filtered else None
        score: dict[int, float] = {}
        note, hidden = "", 0
        if text.strip():
            found = cat.lookup(text, limit=limit, among=allowed)
            score, note, hidden = {m.index: m.score for m in found.matches}, found.note, found.hidden
            hits = list(score)
        else:
            pool = np.flatnonzero(allowed) if allowed is not None else np.arange(len(cat))
            hits = pool[np.argsort(-cat.n_ratings[pool], kind="stable")[:limit]].tolist()
            note = "" if hits else "no film passes these filters" if filtered else "no film in this dataset"
        return FilmSearch([{**cat.describe(i), "index": i, "ratings": int(cat.n_ratings[i]),
                            "mean_rating": float(cat.mean_rating[i]), "score": score.get(i)} for i in hits],
                          note, hidden)

    # -- a person's history: import and watchlist ------------------------------------------------
    def import_history(self, path, name: str | None = None, default_name: str = "default", candidates: bool = True):
        """Import a Letterboxd, IMDb or movierec export into a profile (movierec.store.imports):
        (plan, merge report, profile). The dataset is loaded only for a service's export. ``candidates``:
        similar titles for each film not found (a title search each), not only the same title's other years."""
        from movierec.store import imports
        from movierec.store.profiles import ProfileStore

        return imports.import_into(ProfileStore(), path, name, default_name, lambda: self.dataset.catalog,
                                   self.dataset_ref or data_registry.DEFAULT_DATASET, candidates)

    def watchlist_films(self, profile: Profile) -> list[dict]:
        """The profile's watchlist as film rows (newest first); a film this dataset lacks has index None (its
        stored title, and "ref": the entry's ``Rating.ref``, what the TUI names it by)."""
        cat = self.dataset.catalog
        rows = []
        here = {id(e): i for i, e in self.indexed(profile.watchlist).items()}
        for entry in sorted(profile.watchlist.values(), key=lambda r: (-r.time, r.movie_id)):
            index = here.get(id(entry))
            if index is None and self.entry_index(entry) is not None:
                continue  # a film listed on two releases: once, as its newer entry
            base = cat.describe(index) if index is not None else {"movie_id": entry.movie_id, "title": entry.title,
                                                                  "year": None, "genres": []}
            rows.append({**base, "index": index, "added": entry.time, "ref": entry.ref})
        return rows

    def watchlist(self, profile: Profile, mode: str = "hybrid", should_stop=None) -> list[dict]:
        """The profile's watchlist, the film that fits it best first: the rows of ``watchlist_films``, each
        with "score" (the personal score of ``mode`` that picks are ranked by; None where there is none),
        "reason" (as a pick's) and "match" (the predicted match, None where there is none). Films you rated or dismissed, which picks leave out, follow unscored,
        then the films this dataset lacks (index None), newest first. Raises what ``recommend`` raises
        (a sequence mode with no film liked yet)."""
        rows = self.watchlist_films(profile)
        here = [r for r in rows if r["index"] is not None]
        picks = []
        if here:
            picks = self.recommend(profile, n=len(here), diversity=0.0, mode=mode, should_stop=should_stop,
                                   within=np.array([r["index"] for r in here], dtype=np.int64)).picks
        by_index = {r["index"]: r for r in here}
        scored = [{**by_index[p.index], "score": p.score, "reason": p.reason, "match": p.match} for p in picks]
        # Sorted by the predicted match where there is one (it reads each film's rank among all your unrated
        # films; the list's own scores are standardised over the watchlist alone), the score breaking ties.
        scored.sort(key=lambda r: -r["match"] if r["match"] is not None else 1.0)  # stable: score order within
        chosen = {p.index for p in picks}
        rest = sorted((r for r in rows if r["index"] not in chosen), key=lambda r: r["index"] is None)  # stable
        return [*scored, *({**r, "score": None, "reason": "", "match": None} for r in rest)]

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

    def similar(self, title: str, n: int = 20, learned: bool = False) -> tuple[dict, list[dict]]:
        """The matched film and its more-like-this list: genre/tag cosine, or with ``learned`` the cosine of
        deepcontent's film vectors (what people who rate films the way you do would put near it)."""
        match = self.dataset.catalog.find(title)
        cat = self.dataset.catalog
        if learned:
            model = self.learned_model()
            if model is None:
                raise MovieRecError("no deepcontent model is saved for this dataset (or it could not train); "
                                    "train one with `movierec --headless train --model deepcontent`")
            found = model.similar(match.index, n)
        else:
            found = self.content.similar(match.index, n)
        rows = [{**cat.describe(i), "similarity": round(s, 4)} for i, s in found]
        return {**cat.describe(match.index), "exact": match.exact}, rows

    def learned_model(self, train: bool = False, callback: Callback | None = None, should_stop=None, **overrides):
        """The deepcontent model (films in the learned content space): the one in memory, else the saved one
        (whatever its settings), else None, or with ``train`` one trained now and saved (a bad saved one is set
        aside with a note first; a failed training is a note and None). The picks read it when it is there;
        the CLI's ``recommend`` and the TUI train it once, after the fold-in model, so films with few ratings
        are scored from their content too."""
        name = "deepcontent"
        if name not in registry.names():
            return None
        if name in self._models:
            return self._models[name]
        if checkpoints.path_for(self.dataset.fingerprint, name).exists():
            model = self.load_saved(name)
            if model is not None:
                return self._keep(name, model)
        if not train:
            return None
        try:
            return self.train(name, callback=callback, should_stop=should_stop, **overrides)[0]
        except MovieRecError as exc:  # the picks go on without it, saying why
            self._note(f"films with few ratings are scored without deepcontent: {exc}", once="learned-failed")
            return None

    # -- models: one path for every model of the registry ------------------------------------
    def tuned(self, model: str) -> tuple[dict, str] | None:
        """(settings, path) saved by ``tune`` for this dataset and model, or None."""
        from movierec.store import tuned

        return tuned.load(self.dataset.fingerprint, model)

    def _config(self, model: str, **overrides):
        """A model's settings: the given ones, else tuned ones (said in a note), else its defaults."""
        spec = registry.get(model)
        cls = spec.config_class()
        if cls is None:
            return None
        fields = cls.__dataclass_fields__
        values = {k: v for k, v in overrides.items() if v is not None and k in fields}
        sources = ([model] if spec.can("tune") else []) + list(spec.settings_from)
        for source in sources:  # its own tuned settings, then those of the model it is a variant of
            found = self.tuned(source)
            if found is None:
                continue
            settings, path = found
            used = {k: v for k, v in settings.items() if k not in values and k in fields}
            if used:
                self._note(f"{model}: using tuned settings from {path}", once=f"tuned-{model}-{source}")
                values = {**used, **values}
        return spec.make_config(values)

    @staticmethod
    def _mismatch(meta: checkpoints.CheckpointMeta, config) -> str | None:
        """What differs between a checkpoint's config and the wanted one ("epochs 1, wanted 30"), or None."""
        wanted = config.to_json()
        stored = meta.config.to_json()
        runtime = getattr(type(config), "RUNTIME_FIELDS", ())
        # A setting added after the checkpoint was written: it was trained as that setting's default does.
        defaults = type(config)().to_json()
        stored = {**{k: v for k, v in defaults.items() if k not in stored}, **stored}
        diffs = [f"{k} {stored.get(k, 'unset')}, wanted {v}" for k, v in wanted.items()
                 if k not in runtime and stored.get(k) != v]
        return "; ".join(diffs) if diffs else None

    def build(self, model: str, **overrides) -> Recommender:
        """A fresh, unfitted model with its settings (given, tuned or default), on the engine's device."""
        spec = registry.get(model)
        config = self._config(model, **overrides)
        device = self.device if spec.checkpointed else None  # only trained models need torch's device
        return spec.build(config, device)

    def plan(self, model: str, **overrides) -> str | None:
        """What fitting ``model`` here will take, for models that can say (EASE's memory and time)."""
        rec = self.build(model, **overrides)
        return rec.describe_plan(self.split) if isinstance(rec, Planned) else None

    def load_saved(self, model: str, config=None) -> Recommender | None:
        """The saved model for this dataset (and config, when given), or None when there is none.

        A checkpoint is a cache: a bad one (damaged, crafted, diverged, of another dataset) is moved
        aside with a note, and None tells the caller to train anew."""
        spec = registry.get(model)
        if not spec.checkpointed:
            return None
        path = checkpoints.path_for(self.dataset.fingerprint, model)
        if not path.exists():
            return None
        self._model_work(f"loading {model}")
        try:
            ckpt = checkpoints.load(path)
            self.check_checkpoint(ckpt.meta, path)
            if ckpt.meta.model != model:  # another model's file under this name
                raise CheckpointError(f"{path} holds a {ckpt.meta.model[:20]!r} model, not {model}")
            if config is not None and self._mismatch(ckpt.meta, config) is not None:
                return None
            try:
                rec = spec.model_class().restore(ckpt.meta.config, ckpt.state, ckpt.meta.to_json(), self.device)
            except MovieRecError as exc:  # its settings or its weights (CheckpointError is one)
                raise CheckpointError(f"{path}: {exc}") from None
        except CheckpointError as exc:
            aside = checkpoints.set_aside(path)
            self._note(f"{exc}; " + (f"it was moved to {aside} and a new {model} model will be trained" if aside
                                     else f"a new {model} model will be trained"))
            return None
        rec.meta = ckpt.meta  # type: ignore[attr-defined]
        return rec

    def check_checkpoint(self, meta: checkpoints.CheckpointMeta, path) -> None:
        ds = self.dataset
        if meta.fingerprint != ds.fingerprint:
            raise CheckpointError(
                f"{path} was trained on dataset {meta.dataset!r} ({meta.fingerprint[:12]}), "
                f"not on {ds.name!r} ({ds.fingerprint[:12]})")
        if meta.n_users != ds.n_users or meta.n_items != ds.n_items:
            raise CheckpointError(f"{path} has other user/item counts than {ds.name!r}")

    def train(self, model: str = DEFAULT_MODEL, callback: Callback | None = None, should_stop=None,
              force: bool = False, **overrides) -> tuple[Recommender, TrainInfo]:
        """Any model of the registry, fitted for this dataset: the one way to get a model by name.

        Checkpointed models are reused when a saved one matches the settings (said in a note), else
        trained (saying why) and saved. The others are fitted now: on train + validation, or, when the
        model chooses something on validation (EASE's L2), on the split, refitting themselves after.
        ``overrides``: settings of the model's config (others are ignored: ``epochs`` means nothing to EASE).
        """
        self._model_work(f"training {model}")
        spec = registry.get(model)
        config = self._config(model, **overrides)
        if not spec.checkpointed:
            return self._fit_now(spec, config, callback, should_stop)
        path = checkpoints.path_for(self.dataset.fingerprint, model)
        if force:
            why = f"training {model}: asked to retrain"
        elif not path.exists():
            why = f"training {model}: no saved model yet"
        else:
            existing = self.load_saved(model)
            why = None  # a bad one was moved aside, and its note says a new model will be trained
            if existing is not None:
                meta = existing.meta  # type: ignore[attr-defined]
                differs = self._mismatch(meta, config)
                why = f"retraining {model}: the saved model was trained with other settings ({differs})"
                if differs is None:
                    self._keep(model, existing)
                    created, fit = meta.created, meta.fit_seconds
                    note = (f"reusing the saved {model} model ({path}), trained {created or 'earlier'}; "
                            f"its fit time ({fit:.1f} s) is from then")
                    self._note(note)
                    return existing, TrainInfo(model, str(path), meta.epochs, meta.best_epoch, meta.val_hr,
                                               fit, True, self.device_name, note, created)
        if why:
            self._note(why)
        rec = spec.build(config, self.device)
        rec.should_stop = should_stop
        rec.fit(self.split, self.dataset.catalog, callback)
        result = rec.result
        assert result is not None
        if should_stop is not None and should_stop():
            raise KeyboardInterrupt
        ds = self.dataset
        from movierec import distributed

        group = distributed.active()
        trained = result.config if hasattr(getattr(result, "config", None), "batch_size") else None  # what auto became
        meta = checkpoints.CheckpointMeta(
            model=model, config=config, dataset=ds.name, fingerprint=ds.fingerprint, n_users=ds.n_users,
            n_items=ds.n_items, epochs=len(result.history), best_epoch=result.best_epoch, val_hr=result.best_val_hr,
            fit_seconds=result.seconds, device=self.device_name, created=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            stage_epochs=dict(result.stage_epochs), refit=result.refit,
            trained_with=checkpoints.TrainedWith(trained.batch_size, trained.lr) if trained is not None else None,
            ranks=group.world if group is not None else None)
        if group is None or group.is_main:  # under torchrun every rank holds the same weights; one writes them
            checkpoints.save(path, rec.checkpoint_state(), meta, ds.user_ids.array, ds.item_ids.array)
        rec.meta = meta  # type: ignore[attr-defined]
        self._keep(model, rec)
        return rec, TrainInfo(model, str(path), len(result.history), result.best_epoch, result.best_val_hr,
                              result.seconds, False, self.device_name, why or "", meta.created)

    def _fit_now(self, spec, config, callback, should_stop) -> tuple[Recommender, TrainInfo]:
        """A model that is not saved: fitted here, on train + validation unless it chooses on validation."""
        rec = spec.build(config, None)
        rec.should_stop = should_stop
        start = time.perf_counter()
        with solves.shared(self.solves):
            rec.fit(self.split if rec.chooses_on_validation else self.split.with_validation(), self.dataset.catalog,
                    callback)
        seconds = time.perf_counter() - start
        choice = rec.describe_choice() if isinstance(rec, ReportsChoice) else None  # what it chose on validation
        if choice:
            self._note(choice)
        note = "fitted on train + validation; refitted on demand, not checkpointed"
        return rec, TrainInfo(spec.name, None, 0, 0, float("nan"), seconds, False,
                              self.device_name if self._device is not None else "cpu", note)

    # -- evaluation ---------------------------------------------------------------------------
    def evaluate(self, models: list[str], k: int = 10, negatives: int = 99, seed: int = 0, full: bool = False,
                 callback: Callback | None = None, on_result=None, retrain: bool = False,
                 **overrides) -> list[Report]:
        for name in models:
            registry.get(name)  # an unknown name: one line that lists the known ones
        if k < 1 or negatives < 1:
            raise MovieRecError("--k and --negatives must be at least 1")
        if self.split.test_users.size == 0:
            raise MovieRecError(f"no user of {self.dataset.name} has 2 or more ratings, so leave-one-out has nothing "
                                "to hold out; evaluate on a dataset where users rated at least 2 films")
        protocol = Protocol(self.split, k=k, negatives=negatives, seed=seed, full=full)
        reports = []
        self.skipped_models = []
        for name in models:
            if len(models) > 1:
                fresh = self.build(name, **overrides)
                if isinstance(fresh, Planned) and not fresh.plan(self.split)["fits"]:
                    # One model that cannot run here does not cost the others: skipped, with the reason.
                    self.skipped_models.append((name, fresh.describe_plan(self.split)))
                    continue
            model, info = self.train(name, callback=callback, force=retrain, seed=seed, **overrides)
            report = protocol.evaluate(model, self.dataset.catalog, info.fit_seconds)
            report.reused = info.reused
            reports.append(report)
            if on_result:
                on_result(report)
        return reports

    def evaluate_cold(self, models: list[str], fraction: float = 0.1, k: int = 10, negatives: int = 99, seed: int = 0,
                      callback: Callback | None = None, **overrides) -> tuple[dict, list[dict]]:
        """Item cold-start evaluation (``evaluation/coldstart.py``): (the split's figures, one row per model).

        Models that score a film from what is known about it (kind "content") are fitted here on the cold
        split's training ratings only and never saved (a saved model has seen the cold films' ratings); the
        others are listed as not applicable, with why, never scored as zero."""
        from movierec.evaluation import coldstart

        for name in models:
            registry.get(name)
        if k < 1 or negatives < 1:
            raise MovieRecError("--k and --negatives must be at least 1")
        cold = coldstart.cold_split(self.dataset, fraction, seed, negatives)
        rows = []
        for name in models:
            spec = registry.get(name)
            if spec.kind != "content":
                why = ("ranks films by their training ratings, and a cold film has none" if spec.kind == "baseline"
                       else "learns a film only from its ratings, so a film nobody rated has nothing to score it by")
                rows.append({"model": name, "applicable": False, "hr": None, "ndcg": None, "fit_seconds": None,
                             "reason": why})
                continue
            rec = self.build(name, seed=seed, **overrides)
            rec.should_stop = None
            start = time.perf_counter()
            rec.fit(cold.split if rec.chooses_on_validation else cold.split.with_validation(), cold.catalog, callback)
            fit = time.perf_counter() - start
            hr, ndcg = coldstart.evaluate(rec, cold, k)
            rows.append({"model": name, "applicable": True, "hr": hr, "ndcg": ndcg, "fit_seconds": fit, "reason": None})
        return cold.to_json(), rows

    # -- a new user -----------------------------------------------------------------------------
    def cold_start(self, n: int = 40) -> list[dict]:
        """Well-known films across genres and decades for a first rating session."""
        cat = self.dataset.catalog
        return [{**cat.describe(i), "index": i, "ratings": int(cat.n_ratings[i])} for i in cold_start_list(cat, n)]

    def profile_items(self, profile: Profile) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
        """(rated item indices, their stars, not-interested indices, movie ids unknown to this dataset), the
        indices in order; entries are mapped by ``profile_films`` (by title when made in another id space)."""
        rated, dismissed = self.profile_films(profile)
        idx = np.array(sorted(rated), dtype=np.int64)
        stars = np.array([rated[int(i)].stars for i in idx], dtype=np.float32)
        skip = np.array(sorted(dismissed), dtype=np.int64)
        found = {id(e) for e in (*rated.values(), *dismissed.values())}
        unknown = sorted(e.movie_id for e in (*profile.ratings.values(), *profile.not_interested.values())
                         if id(e) not in found and self.entry_index(e) is None)
        return idx, stars, skip, unknown

    def mode_model(self, mode: str = "ncf", callback: Callback | None = None, should_stop=None,
                   train: bool = True, **overrides) -> Recommender | None:
        """The model that serves new users in ``mode`` (registry: ncf is NeuMF, folded into): the one
        in memory, else the saved one, else trained now (and saved).

        ``train=False``: None instead of training (none saved, or the saved one was bad and moved aside:
        see ``notes``)."""
        spec = registry.for_mode(mode)
        if spec.name in self._models:
            return self._models[spec.name]
        if not spec.checkpointed:  # fitted on demand (content is not served through here)
            return self.train(spec.name, callback=callback, should_stop=should_stop, **overrides)[0] if train else None
        loaded = self.load_saved(spec.name)  # a bad checkpoint is moved aside with a note: None
        if loaded is not None:
            return self._keep(spec.name, loaded)
        if not train:
            return None
        rec, _ = self.train(spec.name, callback=callback, should_stop=should_stop, **overrides)
        return rec

    @staticmethod
    def reads_sequence(mode: str) -> bool:
        """Whether ``mode`` is served by a model that reads your ratings in time order (no fold-in, no
        fine-tuning for you), and so needs its own model trained (``mode_model``)."""
        return mode not in ("hybrid", "content") and registry.for_mode(mode).can("sequence")

    @staticmethod
    def mode_folds_in(mode: str) -> bool:
        """Whether ``mode``'s picks come from a model fitted to you (fold-in): hybrid blends the NeuMF one."""
        return mode == "hybrid" or (mode != "content" and registry.for_mode(mode).can("fold_in"))

    @staticmethod
    def mode_model_name(mode: str) -> str:
        """The model that serves ``mode`` (registry), e.g. neumf for ncf."""
        return registry.for_mode(mode).name

    def foldin_model(self, callback: Callback | None = None, should_stop=None, train: bool = True) -> Recommender | None:
        """The model new users are folded into (mode "ncf" of the registry); see ``mode_model``."""
        return self.mode_model("ncf", callback, should_stop, train)

    def has_model(self, mode: str = "ncf") -> bool:
        """Whether the model serving ``mode`` is loaded or saved (no training needed to use it)."""
        spec = registry.for_mode(mode)
        return spec.name in self._models or checkpoints.path_for(self.dataset.fingerprint, spec.name).exists()

    def recency(self, profile: Profile, items: np.ndarray) -> np.ndarray:
        """One weight per rated film (``items`` as ``profile_items`` gives them): the latest ratings weigh
        more (``recent.recency_weights``, tau PROFILE_TAU ratings; `--rate` flags count in the order given)."""
        from movierec.models.recent import PROFILE_BLEND, PROFILE_TAU, recency_weights

        if items.size == 0:
            return np.zeros(0, dtype=np.float32)
        return recency_weights(np.zeros(items.size, dtype=np.int64), self._times(profile, items), PROFILE_TAU,
                               PROFILE_BLEND)

    def _times(self, profile: Profile, items: np.ndarray) -> np.ndarray:
        """When each rated film (``items`` as ``profile_items`` gives them) was rated."""
        if items.size == 0:
            return np.zeros(0, dtype=np.float64)
        rated = self.profile_films(profile)[0]
        return np.array([rated[int(i)].time for i in items], dtype=np.float64)

    def fold_in(self, items: np.ndarray, stars: np.ndarray, skip: np.ndarray, seed: int = 0,
                callback=None, should_stop=None, weights: np.ndarray | None = None) -> tuple[np.ndarray, float, list[float]]:
        """Collaborative scores of every item for a profile, from the user's own fitted vectors (cached per
        profile). ``weights``: one per rated film (``recency``): liked films rated lately pull harder."""
        self._model_work("a fold-in")
        w = np.ones(items.size, dtype=np.float32) if weights is None else np.asarray(weights, dtype=np.float32)
        rec = self.foldin_model()
        key = (self._profile_key(items, stars, skip, w, seed), self._kept.get(registry.for_mode("ncf").name))
        cache = self._fold_cache
        if cache is not None and cache[0] == key:
            return cache[1], 0.0, cache[2]
        assert isinstance(rec, FoldsIn)
        liked = stars >= LIKED
        negatives = np.concatenate([items[stars <= DISLIKED], skip])
        scores, seconds, losses = rec.fold_in(items[liked], negatives, exclude=items, seed=seed,
                                              popularity=self.dataset.catalog.n_ratings, callback=callback,
                                              should_stop=should_stop, weights=w[liked])
        if should_stop is None or not should_stop():  # an interrupted fit is never reused
            self._fold_cache = (key, scores, losses)
        return scores, seconds, losses

    def fine_tune(self, profile: Profile, callback=None, should_stop=None, seed: int = 0) -> float | None:
        """Fold a profile in now (what its picks will use), ignoring the cache; None when it has nothing to fit."""
        items, stars, skip, _ = self.profile_items(profile)
        if items.size == 0 and skip.size == 0:
            return None
        self.forget_foldin()
        _, seconds, _ = self.fold_in(items, stars, skip, seed, callback, should_stop, self.recency(profile, items))
        if should_stop is not None and should_stop():
            self.forget_foldin()
        return seconds

    def forget_foldin(self) -> None:
        """Drop the cached fold-in so the next one fits again (a fine-tune the user asked for)."""
        self._fold_cache = None

    @staticmethod
    def modes() -> tuple[str, ...]:
        """The ways to recommend (registry): hybrid, then one per model that serves new users."""
        return registry.modes()

    def recommend(self, profile: Profile, n: int = 10, diversity: float = DEFAULT_DIVERSITY,
                  genres: list[str] | None = None, years: tuple[int | None, int | None] | None = None,
                  mode: str = "hybrid", seed: int = 0, callback=None, should_stop=None,
                  anchor: int | None = None, exclude: set[int] | None = None,
                  within: np.ndarray | None = None, calibrate: bool = True) -> Recommendations:
        """A diversified, explained top ``n`` for a profile; ``mode``: one of ``modes()``
        (the scoring is ``recommend.personal_scores``).

        ``anchor``: an item index the list should stay close to ("because you rated X"). ``within``:
        item indices the picks are chosen among (the watchlist), as many as ``n`` asks for.
        Each pick carries its percentile among your unrated films and, when the mode's model has a
        calibration (``match_map``), its predicted match; ``calibrate=False``: only a saved one, no
        computing it now (a screen that shows its first lists before that).
        """
        self._model_work("picks")
        if mode not in registry.modes():
            raise MovieRecError(f"unknown mode {mode!r}; use {', '.join(registry.modes())}")
        cat = self.dataset.catalog
        items, stars, skip, unknown = self.profile_items(profile)
        allowed = genre_filter(cat, genres, years)
        allowed[items] = False
        allowed[skip] = False
        if exclude:
            allowed[np.fromiter(exclude, dtype=np.int64)] = False
        if within is not None:
            inside = np.zeros_like(allowed)
            inside[np.asarray(within, dtype=np.int64)] = True
            allowed &= inside
        spent = [0.0]
        weights = self.recency(profile, items)

        def collaborative() -> np.ndarray:
            scores, spent[0], _ = self.fold_in(items, stars, skip, seed, callback, should_stop, weights)
            return scores

        # What a sequence model reads: the films you rated, oldest first, leaving out those you disliked
        # (2.5 stars or less: they are negatives for the hybrid too, and "after Titanic" is no reason to
        # someone who rated it 1 star).
        order = np.argsort(self._times(profile, items), kind="stable")
        in_order = items[order][stars[order] > DISLIKED]

        def sequential(served: str):
            def scores() -> np.ndarray:
                if in_order.size == 0:
                    raise MovieRecError("sequence picks read the films you liked in the order you rated them, "
                                        "and you have rated none above 2.5 stars yet; rate one, or use --mode hybrid")
                rec = self.mode_model(served, callback=callback, should_stop=should_stop)
                assert isinstance(rec, ReadsSequence)
                return rec.score_sequence(in_order)
            return scores

        # One scorer per mode of the registry, by what its model can do: fold in (the hybrid's collaborative
        # part is the ncf mode's), or read the ratings in time order.
        scorers = {"ncf": collaborative}
        for m in registry.modes():
            if m not in scorers and m not in ("hybrid", "content") and registry.for_mode(m).can("sequence"):
                scorers[m] = sequential(m)
        scores, mix, note = personal_scores(cat, self.content, items, stars, skip, allowed, mode, scorers,
                                            None, weights)
        # The match reads the film's rank among all your unrated films (not only those the filters let
        # through, and without a "Because you rated" list's pull toward its film): one film, one match.
        candidates = np.ones(len(cat), dtype=bool)
        candidates[items] = False
        candidates[skip] = False
        base = scores
        if not np.array_equal(candidates, allowed) and mode not in scorers:  # standardised over the candidates
            base = personal_scores(cat, self.content, items, stars, skip, candidates, mode, scorers, None, weights)[0]
        # Films with few ratings: scored more from deepcontent's learned space, when one is saved (the picks
        # never train it by themselves: the CLI's recommend and the TUI do, once, with progress).
        learned = self.learned_model() if mode == "hybrid" and items.size else None
        share = None
        if learned is not None:
            learned_scores = learned.profile_scores(items, stars, weights)
            scores, share = blend_new_films(scores, learned_scores, cat.n_ratings, learned.config.blend, allowed)
            # The match reads the blended rank too: a film the learned space lifts into the picks is ranked there.
            base = blend_new_films(base, learned_scores, cat.n_ratings, learned.config.blend, candidates)[0]
        if anchor is not None:
            scores = anchored(scores, self.content, self.content.vectors[anchor], allowed)
        liked_mask = stars >= LIKED
        liked, liked_stars = items[liked_mask], stars[liked_mask]
        if anchor is not None:
            mine = self.profile_films(profile)[0].get(anchor)
            own = [mine.stars] if mine is not None else []
            liked, liked_stars = np.array([anchor]), np.array(own or [5.0], dtype=np.float32)
        sequence = mode in scorers and mode != "ncf" and bool(mix.get(mode))
        # Reasons name the recent films a sequence model read last; a list anchored on one film ("Because
        # you rated X") keeps that film as its reason.
        recent = in_order[::-1][:5] if sequence and anchor is None else None
        picks, div = finish(scores, allowed, cat, self.content.vectors, n, diversity, liked, liked_stars,
                            pool=max(DEFAULT_POOL, n), similarity=cat.genres.astype(np.float32), collaborative=bool(mix.get("ncf")),
                            recent=recent)
        if learned is not None and share is not None:
            # Its part in what is shown: the mean learned share of the picks (most of a catalogue has few ratings);
            # the other parts keep their proportions in the rest.
            part = float(np.mean([share[p.index] for p in picks])) if picks else 0.0
            mix = {**{k: round(v * (1 - part), 3) for k, v in mix.items()}, "deepcontent": round(part, 3)}
            if anchor is None:
                new_film_reasons(picks, share, liked, learned.film_vectors(), cat)
        served = "content" if mode == "hybrid" and not mix.get("ncf") else mode
        if items.size:  # what film_matches reads for other lists of films (search, more like this)
            self._base_scores[mode] = ((self._profile_key(items, stars, skip, weights, seed), self._models_version),
                                       base, candidates, served)
        if picks and items.size:
            pct = calibration.percentiles_of(base, candidates, np.array([p.index for p in picks]))
            for p, value in zip(picks, pct):
                p.percentile = float(value) if np.isfinite(value) else None
                p.match_mode = served
            self.attach_match(picks, compute=calibrate)
        device = self.device_name if self._device is not None else "not used (no neural model involved)"
        if not picks:
            note = "nothing left to recommend: every film that matches is already rated or dismissed"
        return Recommendations(picks, mix, diversity, div, device, spent[0], unknown, note)

    # -- a predicted match ------------------------------------------------------------------------
    #: The most dataset users a calibration reads (a sample, seeded, on larger datasets).
    MATCH_USERS = 2000

    def attach_match(self, picks, compute: bool = True) -> None:
        """Set each pick's ``match`` from its percentile, by the map of its ``match_mode``."""
        for p in picks:
            if p.percentile is None or p.match_mode is None:
                continue
            m = self.match_map(p.match_mode, compute=compute)
            p.match = None if m is None else float(m(p.percentile))

    @staticmethod
    def _profile_key(items: np.ndarray, stars: np.ndarray, skip: np.ndarray, weights: np.ndarray, seed: int) -> tuple:
        """What a profile's cached scores depend on from the profile: films, stars, dismissals, recency
        weights, the seed (the callers add the models they were made with)."""
        return (tuple(items.tolist()), tuple(np.round(stars, 1).tolist()), tuple(skip.tolist()),
                tuple(np.round(weights, 3).tolist()), seed)

    def film_matches(self, profile: Profile, indices: list[int], mode: str = "hybrid", compute: bool = False,
                     seed: int = 0) -> list[float | None]:
        """The predicted match of any films for a profile (a search's results, more like this), as the
        picks give it: their percentile among the profile's unrated films under ``mode``'s scores, through
        the mode's calibration. ``compute=False``: only from the scores of the profile's last list of picks
        and a calibration already made (no fold-in, no training: cheap enough for the UI thread); else the
        scores are computed as ``recommend`` computes them. None for a film without one (rated or dismissed
        already, no ratings yet, no calibration for the mode, the scores not at hand)."""
        none: list[float | None] = [None] * len(indices)
        items, stars, skip, _ = self.profile_items(profile)
        if items.size == 0 or not indices:
            return none
        key = (self._profile_key(items, stars, skip, self.recency(profile, items), seed), self._models_version)
        cached = self._base_scores.get(mode)
        if (cached is None or cached[0] != key) and compute:
            self.recommend(profile, n=1, diversity=0.0, mode=mode, seed=seed)
            cached = self._base_scores.get(mode)
        if cached is None or cached[0] != key:
            return none
        _, base, candidates, served = cached
        m = self.match_map(served, compute=compute)
        if m is None:
            return none
        wanted = np.asarray(indices, dtype=np.int64)
        pct = calibration.percentiles_of(base, candidates, wanted)
        # A film you rated or dismissed has your stars or mark instead: a match is a guess about the others.
        return [float(v) if np.isfinite(v) and open_ else None for v, open_ in zip(m(pct), candidates[wanted])]

    def _match_source(self, mode: str, load: bool = True) -> tuple[Recommender | None, dict] | None:
        """(the mode's model, what the calibration depends on), or None when the model is not there
        (never trained here: a mode without a model shows no match rather than a made-up one; ``load=False``:
        not in memory, as the UI thread asks, which never loads a checkpoint)."""
        ds = self.dataset
        key = {"mode": mode, "fingerprint": ds.fingerprint, "format": calibration.FORMAT,
               "edges": list(calibration.EDGES), "prior": calibration.PRIOR, "users": self.MATCH_USERS}
        if mode == "content":
            return None, key
        served = "ncf" if mode == "hybrid" else mode
        if not self.has_model(served) or (not load and registry.for_mode(served).name not in self._models):
            return None
        rec = self.mode_model(served, train=False)
        if rec is None:
            return None
        meta = getattr(rec, "meta", None)  # a checkpointed model's CheckpointMeta
        return rec, {**key, "model": registry.for_mode(served).name, "model_created": meta.created if meta else "",
                     "model_fit_seconds": meta.fit_seconds if meta else None}

    def match_path(self, mode: str):
        return checkpoints.model_dir(self.dataset.fingerprint) / f"match-{mode}.json"

    def match_map(self, mode: str, compute: bool = True) -> calibration.MatchMap | None:
        """The calibration of ``mode``'s scores: percentile among your unrated films -> how often such a
        held-out film was rated 4+ (calibration.py). Read from its JSON beside the checkpoints; else
        computed now (``compute``) from the dataset users' held-out ratings and saved. None: the mode's
        model is not trained (no match is shown then), or not computed (``compute=False``)."""
        import json

        from movierec import files
        from movierec.atomic import atomic_write_json

        source = self._match_source(mode, load=compute)
        if source is None:
            return None
        rec, key = source
        cached = self._match_maps.get(mode)
        if cached is not None and all(cached.meta.get(k) == v for k, v in key.items()):
            return cached
        path = self.match_path(mode)
        if path.exists():
            try:
                m = calibration.MatchMap.from_json(json.loads(files.read_regular(path, max_bytes=1 << 20)))
                if all(m.meta.get(k) == v for k, v in key.items()):
                    self._match_maps[mode] = m
                    return m
            except (MovieRecError, ValueError, UnicodeDecodeError):
                pass  # a stale or damaged cache: computed again below
        if not compute:
            return None
        start = time.perf_counter()
        pct, good = self.match_data(mode, rec)
        if pct.size == 0 or not np.isfinite(pct).any():
            return None
        seconds = time.perf_counter() - start
        m = calibration.fit(pct, good, meta={**key, "seconds": round(seconds, 2), "held_out": int(pct.size)})
        try:
            atomic_write_json(path, m.to_json())
        except MovieRecError as exc:  # a read-only cache: the map still serves this run
            self._note(f"match calibration not saved: {exc}", once=f"match-save-{mode}")
        # Said by the caller (not a note: `recommend --json` keeps its output one JSON document).
        self.match_calibrated.append(f"match for mode {mode}: calibrated on {pct.size} held-out ratings in "
                                     f"{seconds:.1f} s (once; saved to {path})")
        self._match_maps[mode] = m
        return m

    def match_data(self, mode: str, rec: Recommender | None = None, users: np.ndarray | None = None,
                   seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """(percentile, rated 4+) of each dataset user's held-out film (the split's test rating) under
        ``mode``, each user seen as a profile of their other ratings (train + validation: what the saved
        models were fitted on), scored as ``personal_scores`` scores a profile; vectorised in user blocks.

        The one difference from a new profile: the collaborative part uses the user's trained NCF vectors,
        not a fold-in (a fold-in costs ~0.3 s a user on one CPU thread; the trained vectors a few ms for all).
        """
        from movierec.models.recent import PROFILE_BLEND, PROFILE_TAU, recency_weights

        self._model_work("a match calibration")
        ds, sp = self.dataset, self.split
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
        good = ds.ratings[at] >= calibration.GOOD
        # Each user's profile: their train + validation ratings, with the recency weights a profile gets.
        merged = sp.with_validation()
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
            r, items, stars, times, w = row_of[pu[sel]] - b0, pi[sel], ps[sel], pt[sel], recency[sel]
            rated = np.zeros((rows.size, n), dtype=bool)
            rated[r, items] = True
            candidates = ~rated
            if mode in ("hybrid", "ncf"):
                assert rec is not None
                own = rec.score_all(test_users[rows])
            elif mode != "content":  # a model that reads the liked films in time order
                assert isinstance(rec, ReadsSequence)
                own = np.zeros((rows.size, n), dtype=np.float64)
                for k in range(rows.size):
                    mine = np.flatnonzero(r == k)
                    mine = mine[np.argsort(times[mine], kind="stable")]  # oldest first
                    seq = items[mine][stars[mine] > DISLIKED]
                    if seq.size:
                        own[k] = rec.score_sequence(seq)
                    else:  # nothing liked: the sequence mode makes no picks for such a profile
                        candidates[k] = False
            else:
                own = None
            scores = personal_scores_rows(self.content, popular, mode, r, items, stars, w, candidates, own)
            out[rows] = calibration.percentiles(scores, candidates, test_items[rows])
        return out, good

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
        """The lists of the picks screen: top picks; "Because you rated X" for your latest high rating;
        "Next after X" (your latest film) when a sequence model is trained; "<genre> for you" for every
        genre you rated highly, the one you like most first; "Because you rated X" for your next
        ``because`` - 1 latest high ratings. Each list is {"kind", "about", "picks", "mix"}.

        ``first``: called with the first two lists as soon as they are ready (a screen shows them
        while the others are computed); their picks' match comes with the later lists when the mode's
        calibration is computed the first time (a few seconds, once per dataset and model)."""
        genres = [genre] if genre else None
        early = first is None  # with ``first``, the first lists do not wait for a calibration to be computed
        top = self.recommend(profile, n=n, diversity=diversity, genres=genres, mode=mode, should_stop=should_stop,
                             calibrate=early)
        if should_stop is not None and should_stop():
            return []
        lists = [{"kind": "top", "about": genre, "picks": top.picks, "mix": top.mix}]
        shown = {p.index for p in top.picks}  # each later list shows films the ones above did not

        def add(kind: str, about: str, result: Recommendations) -> None:
            if result.picks:
                lists.append({"kind": kind, "about": about, "picks": result.picks, "mix": result.mix})
                shown.update(p.index for p in result.picks)

        recent = sorted((r for r in profile.ratings.values() if r.stars >= HIGH), key=lambda r: (-r.time, r.movie_id))
        anchors = [i for i in (self.entry_index(r) for r in recent) if i is not None][:because]
        # The latest high rating's list comes second: it answers "I just rated X" at once.
        for anchor in anchors[:1]:
            add("because", spoken_title(self.dataset.catalog.titles[anchor]),
                self.recommend(profile, n=n, diversity=diversity, genres=genres, mode=mode, anchor=anchor, exclude=shown,
                               calibrate=early))
        if first is not None:
            first([dict(block) for block in lists])
        latest = max((r for r in profile.ratings.values() if r.stars > DISLIKED), key=lambda r: (r.time, r.movie_id),
                     default=None)  # "Next after" a film you liked, as the sequence reads it
        following = registry.sequence_mode()
        # Only with a sequence model that loads as it is: a bad one is set aside (a note says so), and the
        # picks screen never starts a minutes-long training by itself (`m` into the mode does, with progress).
        if (genre is None and latest is not None and following and mode != "content"
                and self.has_model(following) and self.entry_index(latest) is not None
                and self.mode_model(following, train=False) is not None):
            # What comes next after the latest film, read by the sequence model (when one is trained).
            try:
                add("next", spoken_title(self.dataset.catalog.titles[self.entry_index(latest)]),
                    self.recommend(profile, n=n, diversity=diversity, mode=following, exclude=shown,
                                   should_stop=should_stop))
            except MovieRecError as exc:  # a damaged checkpoint was moved aside (see notes): no such list
                self._note(f"no 'Next after' list: {exc}")
        if genre is None:
            for g in self.favourite_genres(profile):
                if should_stop is not None and should_stop():
                    return []
                add("genre", g, self.recommend(profile, n=n, diversity=diversity, genres=[g], mode=mode,
                                                   exclude=shown))
        for anchor in anchors[1:]:
            add("because", spoken_title(self.dataset.catalog.titles[anchor]),
                self.recommend(profile, n=n, diversity=diversity, genres=genres, mode=mode, anchor=anchor, exclude=shown))
        if should_stop is not None and should_stop():
            return []
        self.attach_match([p for block in lists for p in block["picks"]])  # the first lists' too
        return lists

    def diversity_sweep(self, model: str = DEFAULT_MODEL, k: int = 10, negatives: int = 99, seed: int = 0,
                        steps: int = 11, callback: Callback | None = None, **overrides) -> list[dict]:
        """HR@k and ILD@k of MMR re-ranking at diversity 0, 0.1, ..., 1 (the sampled protocol)."""
        rec, _ = self.train(model, callback=callback, seed=seed, **overrides)
        protocol = Protocol(self.split, k=k, negatives=negatives, seed=seed)
        values = [i / (steps - 1) for i in range(steps)]
        return protocol.diversity_sweep(rec, self.dataset.catalog, values)

    def protocol_users(self) -> tuple[int, int]:
        return int(self.split.test_users.size), int(self.split.skipped_users)

    def tune(self, model: str, trials: int = 20, timeout: float | None = None, seed: int = 0, on_trial=None,
             on_epoch=None):
        """Hyperparameter search on the validation holdout (see ``movierec.evaluation.tuning``); the best settings
        are saved for this dataset and model, and later ``train``/``evaluate`` use them."""
        from movierec.evaluation import tuning

        self._noted = {n for n in self._noted if not n.startswith(f"tuned-{model}-")}
        return tuning.run(self.dataset, self.split, self.device, model, trials, timeout, seed, on_trial, on_epoch)

    def tied_users(self) -> int:
        """Evaluated users with more than one rating at their latest timestamp (held out at random among them)."""
        return int(self.split.tied_users)

