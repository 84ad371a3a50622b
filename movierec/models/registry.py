"""One spec per model. The CLI's choices, ``recommend --mode``, the TUI's model cycle, the engine,
tuning and checkpoint checks all read this table; none of them names a model.

Adding a model is one module (its Recommender class, with ``create(config, device)``, and, when it
has settings, a config dataclass with ``to_json``/``from_json``) plus one line in ``SPECS``. A
contract test (tests/models/test_registry.py) runs every entry: it fits on checkerboard data, its
scores have the right shape, the same seed gives the same scores, a checkpointed model survives a
save/load round trip, and every declared ability is really there.

Classes are named by "module:attribute" and imported when first used, so reading this table never
imports torch (the engine's import stays light).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from movierec.errors import MovieRecError

#: What a model may be able to do besides scoring (see models/base.py for the protocols).
ABILITIES = {
    "fold_in": "fits a new user's vectors with everything else frozen (FoldsIn)",
    "sequence": "scores a new user's ratings in time order, no gradient step (ReadsSequence)",
    "bounds": "exact pruned ranking of the whole catalogue (HasBounds)",
    "distributed": "data-parallel training under torchrun",
    "tune": "has a search space for `tune` (its config's ``suggest``)",
    "prepared": "built from the catalogue alone, never trained: scores a profile from what films are (Prepared)",
}


@dataclass(frozen=True)
class ModelSpec:
    name: str
    kind: str  # baseline | content | collaborative | sequence: how the model sees a user
    summary: str  # one line for help texts
    factory: str  # "module:Class"; Class.create(config, device) -> Recommender
    config: str | None = None  # "module:Class" of its settings (None: nothing to set)
    checkpointed: bool = False  # trained once and saved (models/base.py Checkpointed)
    abilities: frozenset[str] = field(default_factory=frozenset)
    mode: str | None = None  # the `recommend --mode` that serves a new user with this model
    # the models whose tuned settings this one reads too (a variant of them, or their blend), in order
    settings_from: tuple[str, ...] = ()

    def can(self, ability: str) -> bool:
        if ability not in ABILITIES:
            raise ValueError(f"unknown ability {ability!r}")
        return ability in self.abilities

    def model_class(self) -> Any:
        return _load(self.factory)

    def config_class(self) -> Any | None:
        return _load(self.config) if self.config else None

    def make_config(self, values: dict | None = None) -> Any | None:
        """Its settings from plain values (unknown keys dropped; the model's own name filled in)."""
        cls = self.config_class()
        if cls is None:
            return None
        fields = cls.__dataclass_fields__
        known = {k: v for k, v in (values or {}).items() if k in fields}
        if "model" in fields:
            known["model"] = self.name
        return cls.from_json(known)

    def build(self, config: Any = None, device: Any = None) -> Any:
        """A fresh, unfitted model."""
        return self.model_class().create(config if config is not None else self.make_config(), device)


def _load(path: str) -> Any:
    module, _, attr = path.partition(":")
    return getattr(importlib.import_module(module), attr)


def _abilities(*names: str) -> frozenset[str]:
    return frozenset(names)


_NCF = "movierec.models.ncf.recommender:NeuralRecommender"
_NCF_CONFIG = "movierec.models.ncf.config:NCFConfig"

SPECS: tuple[ModelSpec, ...] = (
    ModelSpec("pop", "baseline", "the most rated films, the same for everyone", "movierec.models.popularity:Popularity"),
    ModelSpec("ease", "collaborative", "EASE (Steck 2019), a closed-form item-item model", "movierec.models.ease:EASE",
              "movierec.models.ease:EASEConfig", abilities=_abilities("tune")),
    ModelSpec("content", "content", "genre and tag cosine to the films you rated", "movierec.models.content:ContentBased",
              abilities=_abilities("prepared"), mode="content"),
    ModelSpec("ease-recent", "collaborative", "EASE scored from your ratings weighted by recency (decay chosen on validation)",
              "movierec.models.recent:EASERecent", "movierec.models.recent:RecentConfig", settings_from=("ease",)),
    ModelSpec("content-recent", "content", "content profiles from your ratings weighted by recency",
              "movierec.models.recent:ContentRecent", "movierec.models.recent:RecentConfig"),
    ModelSpec("gmf", "collaborative", "NCF: generalized matrix factorization", _NCF, _NCF_CONFIG, checkpointed=True,
              abilities=_abilities("fold_in", "bounds", "distributed", "tune")),
    ModelSpec("mlp", "collaborative", "NCF: the MLP tower (64-32-16-8)", _NCF, _NCF_CONFIG, checkpointed=True,
              abilities=_abilities("fold_in", "bounds", "distributed", "tune")),
    ModelSpec("neumf", "collaborative", "NCF: NeuMF, GMF and MLP fused (pretrained from both)", _NCF, _NCF_CONFIG,
              checkpointed=True, abilities=_abilities("fold_in", "bounds", "distributed", "tune"), mode="ncf"),
    ModelSpec("sasrec", "sequence", "SASRec: self-attention over your films in time order (Kang & McAuley 2018)",
              "movierec.models.sequence.sasrec:SASRecRecommender", "movierec.models.sequence.sasrec:SASRecConfig",
              checkpointed=True, abilities=_abilities("sequence", "tune"), mode="sequence"),
    ModelSpec("ease-sasrec", "sequence", "ease-recent and SASRec blended (SASRec's share chosen on validation)",
              "movierec.models.blend:EASESASRec", "movierec.models.blend:BlendConfig", settings_from=("ease", "sasrec")),
    ModelSpec("deepcontent", "content", "film features mapped into the collaborative space: scores films nobody rated",
              "movierec.models.deepcontent:DeepContent", "movierec.models.deepcontent:DeepContentConfig", checkpointed=True),
)

#: The model `train` trains when none is named, and the one new users are folded into.
DEFAULT = "neumf"
_BY_NAME = {spec.name: spec for spec in SPECS}


def names(ability: str | None = None, checkpointed: bool | None = None) -> tuple[str, ...]:
    """Model names in table order, optionally only those with an ability or (not) checkpointed."""
    return tuple(s.name for s in SPECS if (ability is None or s.can(ability))
                 and (checkpointed is None or s.checkpointed == checkpointed))


def get(name: str) -> ModelSpec:
    spec = _BY_NAME.get(name)
    if spec is None:
        raise MovieRecError(f"unknown model {str(name)[:40]!r}; choose one of {', '.join(names())}")
    return spec


@dataclass(frozen=True)
class BlendSpec:
    """A mode that blends two modes' scores of a profile by how many films it liked: ``parts[0]``'s weight is
    p / (p + HALF_NCF_POSITIVES) for p liked films (picks/scoring.py ``blend``), ``parts[1]`` carries the
    rest, and alone when the first cannot serve (its model cannot be trained here) or has no evidence."""

    mode: str
    parts: tuple[str, str]  # (the mode the evidence shifts toward, the mode it starts from and falls back to)
    summary: str


#: The blends, served before the one-model modes (the first is `recommend`'s and the TUI's default).
BLENDS: tuple[BlendSpec, ...] = (
    BlendSpec("hybrid", ("ncf", "content"), "content blended with NeuMF folded in for you"),
)


def modes() -> tuple[str, ...]:
    """`recommend --mode` choices: the blends (hybrid), then one per model that serves new users."""
    return (*(b.mode for b in BLENDS), *(s.mode for s in SPECS if s.mode))


def for_mode(mode: str) -> ModelSpec:
    """The model that serves ``mode`` (a blend: the model of its first part)."""
    mode = model_mode(mode)
    for spec in SPECS:
        if spec.mode == mode:
            return spec
    raise MovieRecError(f"unknown mode {str(mode)[:40]!r}; use {', '.join(modes())}")


def blend(mode: str) -> BlendSpec | None:
    """The blend ``mode`` is, or None (a mode of one model)."""
    return next((b for b in BLENDS if b.mode == mode), None)


def blend_for(mode: str) -> BlendSpec:
    """The blend a mode's scores come from when its own model has nothing to read (no liked film): the
    blend it is, else the first one (a profile of dismissals only is scored as that blend's fallback)."""
    return blend(mode) or BLENDS[0]


def model_mode(mode: str) -> str:
    """The one-model mode whose model ``mode`` needs: itself, or for a blend, its first part."""
    b = blend(mode)
    return b.parts[0] if b else mode


def fallback_mode(mode: str) -> str:
    """The mode ``mode``'s blend starts from and falls back to (hybrid: content)."""
    return blend_for(mode).parts[1]


def fold_in_mode() -> str:
    """The first mode whose model folds a new user in (what `fine-tune` and the TUI's fold-in fit)."""
    return next(s.mode for s in SPECS if s.mode and s.can("fold_in"))


def sequence_mode() -> str | None:
    """The first mode served by a model that reads ratings in time order (the picks' "Next after" list)."""
    return next((s.mode for s in SPECS if s.mode and s.can("sequence")), None)
