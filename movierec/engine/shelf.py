"""The models the engine holds: their settings (given, tuned or default), built, loaded from a checkpoint
(a bad one set aside), trained and saved; one getter, ``get``, by model name or by mode."""

from __future__ import annotations

import time

from movierec.errors import CheckpointError, MovieRecError
from movierec.models import registry, solves
from movierec.models.base import Callback, Planned, Recommender, ReportsChoice
from movierec.store import checkpoints
from movierec.engine import modes
from movierec.engine.context import Context
from movierec.engine.rows import TrainSummary

DEFAULT_MODEL = registry.DEFAULT
#: The model that places films in a learned content space (the hybrid's films with few ratings).
LEARNED = "deepcontent"


def mismatch(meta: checkpoints.CheckpointMeta, config) -> str | None:
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


def resolve(ref: str) -> str:
    """The model a name or a mode names: a model of the registry by its name, else the one serving the mode
    (the hybrid: the fold-in mode's); an unknown one is a MovieRecError listing the modes."""
    if ref in registry.names():
        return ref
    return modes.model_name(ref)


class ModelShelf:
    """Models loaded or trained here, by name, with a version each keeps bump (the picks' cached scores are
    keyed by it), and the EASE solves shared by the models fitted here (ease, ease-recent, ease-sasrec)."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self._models: dict[str, Recommender] = {}
        self.version = 0  # bumped by each keep: part of the key of the picks' cached scores
        self._kept: dict[str, int] = {}  # name -> version when it was kept (the fold-in cache's key)
        self.solves = solves.SolveMemo()
        self._prepared: dict[str, Recommender] = {}  # models built from the catalogue alone (never kept: no version)

    def keep(self, name: str, model):
        """Hold a model loaded or trained here. The latest picks' scores (which search results' matches read)
        were made with the models held before: their key changes with any model kept (deepcontent arriving, a
        retrained model), the cached fold-in's only with the fold-in model."""
        self._models[name] = model
        self.version += 1
        self._kept[name] = self.version
        return model

    def kept_version(self, ref: str) -> int | None:
        """The version at which the model ``ref`` names was kept (None: not held)."""
        return self._kept.get(resolve(ref))

    def holds(self, ref: str) -> bool:
        """Whether the model ``ref`` names is in memory (the UI thread's question: nothing is loaded)."""
        return resolve(ref) in self._models

    def has(self, ref: str = modes.FOLD_IN) -> bool:
        """Whether the model ``ref`` names (by default the fold-in one) is loaded or saved (no training needed)."""
        name = resolve(ref)
        return name in self._models or checkpoints.path_for(self.context.dataset.fingerprint, name).exists()

    def get(self, ref: str, train: bool = False, callback: Callback | None = None, should_stop=None,
            **overrides) -> Recommender | None:
        """The model ``ref`` names (a model or a mode, ``resolve``): the one in memory, else the saved one
        (whatever its settings; a bad one is moved aside with a note), else None, or with ``train`` one
        trained (or, when not checkpointed, fitted) now and saved."""
        name = resolve(ref)
        if name in self._models:
            return self._models[name]
        if registry.get(name).checkpointed:
            loaded = self.load_saved(name)
            if loaded is not None:
                return self.keep(name, loaded)
        if not train:
            return None
        return self.train(name, callback=callback, should_stop=should_stop, **overrides)[0]

    def serving(self, mode: str, callback: Callback | None = None, should_stop=None) -> Recommender:
        """The model that scores a profile for ``mode`` (registry): one prepared from the catalogue alone, made
        once; else the one held or saved, else trained now (``callback``: its progress) and held."""
        spec = registry.for_mode(mode)
        if spec.can("prepared"):
            if spec.name not in self._prepared:
                rec = spec.build()
                rec.prepare(self.context.dataset.catalog)
                self._prepared[spec.name] = rec
            return self._prepared[spec.name]
        held = self.holds(mode)
        rec = self.get(mode, train=True, callback=callback, should_stop=should_stop)
        assert rec is not None
        if not held and not spec.checkpointed:  # fitted now, not saved: held, so it is fitted once a session
            self.keep(spec.name, rec)
        return rec

    @staticmethod
    def epochs_of(model: str) -> int:
        """Most epochs ``model`` trains for by default (0: it is not trained in epochs)."""
        config = registry.get(model).make_config()
        return int(getattr(config, "epochs", 0) or 0)

    def tuned(self, model: str) -> tuple[dict, str] | None:
        """(settings, path) saved by ``tune`` for this dataset and model, or None."""
        from movierec.store import tuned

        return tuned.load(self.context.dataset.fingerprint, model)

    def config(self, model: str, **overrides):
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
                self.context.note(f"{model}: using tuned settings from {path}", once=f"tuned-{model}-{source}")
                values = {**used, **values}
        return spec.make_config(values)

    def build(self, model: str, **overrides) -> Recommender:
        """A fresh, unfitted model with its settings (given, tuned or default), on the engine's device."""
        spec = registry.get(model)
        config = self.config(model, **overrides)
        device = self.context.device if spec.checkpointed else None  # only trained models need torch's device
        return spec.build(config, device)

    def plan(self, model: str, **overrides) -> str | None:
        """What fitting ``model`` here will take, for models that can say (EASE's memory and time)."""
        rec = self.build(model, **overrides)
        return rec.describe_plan(self.context.split) if isinstance(rec, Planned) else None

    def load_saved(self, model: str, config=None) -> Recommender | None:
        """The saved model for this dataset (and config, when given), or None when there is none.

        A checkpoint is a cache: a bad one (damaged, crafted, diverged, of another dataset) is moved
        aside with a note, and None tells the caller to train anew."""
        spec = registry.get(model)
        if not spec.checkpointed:
            return None
        path = checkpoints.path_for(self.context.dataset.fingerprint, model)
        if not path.exists():
            return None
        self.context.model_work(f"loading {model}")
        try:
            ckpt = checkpoints.load(path)
            self.check_checkpoint(ckpt.meta, path)
            if ckpt.meta.model != model:  # another model's file under this name
                raise CheckpointError(f"{path} holds a {ckpt.meta.model[:20]!r} model, not {model}")
            if config is not None and mismatch(ckpt.meta, config) is not None:
                return None
            try:
                rec = spec.model_class().restore(ckpt.meta.config, ckpt.state, ckpt.meta.to_json(),
                                                 self.context.device)
            except MovieRecError as exc:  # its settings or its weights (CheckpointError is one)
                raise CheckpointError(f"{path}: {exc}") from None
        except CheckpointError as exc:
            aside = checkpoints.set_aside(path)
            self.context.note(f"{exc}; " + (f"it was moved to {aside} and a new {model} model will be trained"
                                            if aside else f"a new {model} model will be trained"))
            return None
        rec.meta = ckpt.meta  # type: ignore[attr-defined]
        return rec

    def check_checkpoint(self, meta: checkpoints.CheckpointMeta, path) -> None:
        ds = self.context.dataset
        if meta.fingerprint != ds.fingerprint:
            raise CheckpointError(
                f"{path} was trained on dataset {meta.dataset!r} ({meta.fingerprint[:12]}), "
                f"not on {ds.name!r} ({ds.fingerprint[:12]})")
        if meta.n_users != ds.n_users or meta.n_items != ds.n_items:
            raise CheckpointError(f"{path} has other user/item counts than {ds.name!r}")

    def train(self, model: str = DEFAULT_MODEL, callback: Callback | None = None, should_stop=None,
              force: bool = False, **overrides) -> tuple[Recommender, TrainSummary]:
        """Any model of the registry, fitted for this dataset.

        Checkpointed models are reused when a saved one matches the settings (said in a note), else
        trained (saying why) and saved. The others are fitted now: on train + validation, or, when the
        model chooses something on validation (EASE's L2), on the split, refitting themselves after.
        ``overrides``: settings of the model's config (others are ignored: ``epochs`` means nothing to EASE).
        """
        self.context.model_work(f"training {model}")
        spec = registry.get(model)
        config = self.config(model, **overrides)
        if not spec.checkpointed:
            return self._fit_now(spec, config, callback, should_stop)
        path = checkpoints.path_for(self.context.dataset.fingerprint, model)
        reused, why = self._reusable(model, config, path, force)
        if reused is not None:
            return reused
        if why:
            self.context.note(why)
        rec = spec.build(config, self.context.device)
        rec.should_stop = should_stop
        rec.fit(self.context.split, self.context.dataset.catalog, callback)
        if should_stop is not None and should_stop():
            raise KeyboardInterrupt
        meta = self._save(model, rec, config, path)
        self.keep(model, rec)
        result = rec.result
        return rec, TrainSummary(model, str(path), len(result.history), result.best_epoch, result.best_val_hr,
                                 result.seconds, False, self.context.device_name, why or "", meta.created)

    def _reusable(self, model: str, config, path, force: bool):
        """((the saved model, its summary) when it was trained with these settings, else None; why it is
        trained now, or None when a bad one was moved aside and its note says so)."""
        if force:
            return None, f"training {model}: asked to retrain"
        if not path.exists():
            return None, f"training {model}: no saved model yet"
        existing = self.load_saved(model)
        if existing is None:
            return None, None
        meta = existing.meta  # type: ignore[attr-defined]
        differs = mismatch(meta, config)
        if differs is not None:
            return None, f"retraining {model}: the saved model was trained with other settings ({differs})"
        self.keep(model, existing)
        created, fit = meta.created, meta.fit_seconds
        note = (f"reusing the saved {model} model ({path}), trained {created or 'earlier'}; "
                f"its fit time ({fit:.1f} s) is from then")
        self.context.note(note)
        return (existing, TrainSummary(model, str(path), meta.epochs, meta.best_epoch, meta.val_hr, fit, True,
                                       self.context.device_name, note, created)), None

    def _save(self, model: str, rec: Recommender, config, path) -> checkpoints.CheckpointMeta:
        """Write a trained model's checkpoint (under torchrun, rank 0 only: every rank holds the same
        weights) and set its ``meta``: what it was trained on and with, and what it took."""
        from movierec import distributed

        result = rec.result
        assert result is not None
        ds = self.context.dataset
        group = distributed.active()
        trained = result.config if hasattr(getattr(result, "config", None), "batch_size") else None  # what auto became
        meta = checkpoints.CheckpointMeta(
            model=model, config=config, dataset=ds.name, fingerprint=ds.fingerprint, n_users=ds.n_users,
            n_items=ds.n_items, epochs=len(result.history), best_epoch=result.best_epoch, val_hr=result.best_val_hr,
            fit_seconds=result.seconds, device=self.context.device_name,
            created=time.strftime("%Y-%m-%dT%H:%M:%S%z"), stage_epochs=dict(result.stage_epochs),
            refit=result.refit,
            trained_with=checkpoints.TrainedWith(trained.batch_size, trained.lr) if trained is not None else None,
            ranks=group.world if group is not None else None)
        if group is None or group.is_main:
            checkpoints.save(path, rec.checkpoint_state(), meta, ds.user_ids.array, ds.item_ids.array)
        rec.meta = meta  # type: ignore[attr-defined]
        return meta

    def _fit_now(self, spec, config, callback, should_stop) -> tuple[Recommender, TrainSummary]:
        """A model that is not saved: fitted here, on train + validation unless it chooses on validation."""
        rec = spec.build(config, None)
        rec.should_stop = should_stop
        start = time.perf_counter()
        split = self.context.split
        with solves.shared(self.solves):
            rec.fit(split if rec.chooses_on_validation else split.with_validation(), self.context.dataset.catalog,
                    callback)
        seconds = time.perf_counter() - start
        choice = rec.describe_choice() if isinstance(rec, ReportsChoice) else None  # what it chose on validation
        if choice:
            self.context.note(choice)
        note = "fitted on train + validation; refitted on demand, not checkpointed"
        return rec, TrainSummary(spec.name, None, 0, 0, float("nan"), seconds, False,
                                 self.context.device_name if self.context.device_used else "cpu", note)
