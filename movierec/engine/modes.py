"""Questions about the modes (the ways to recommend; the registry's): which model serves one, whether it folds
you in or reads your ratings in time order, whether it blends. No mode is named here: the registry's blends
(hybrid: its parts) and its specs' ``mode`` answer."""

from __future__ import annotations

from movierec.models import registry

#: The mode whose model new users are folded into (the hybrid's collaborative part).
FOLD_IN = registry.fold_in_mode()
#: The mode picks use unless asked for another (the registry's first: its first blend, the hybrid).
DEFAULT = registry.modes()[0]


def modes() -> tuple[str, ...]:
    """The ways to recommend (registry): the blends, then one per model that serves new users."""
    return registry.modes()


def served(mode: str) -> str:
    """The mode whose model ``mode`` needs: a blend's first part (the hybrid: the fold-in mode's)."""
    return registry.model_mode(mode)


def model_name(mode: str) -> str:
    """The model that serves ``mode`` (registry), e.g. neumf for ncf (and for the hybrid)."""
    return registry.for_mode(mode).name


def blends(mode: str) -> bool:
    """Whether ``mode`` blends two modes' scores (the hybrid)."""
    return registry.blend(mode) is not None


def fallback(mode: str) -> str:
    """The mode ``mode`` falls back to when its model cannot serve (content: it needs no trained model)."""
    return registry.fallback_mode(mode)


def standardised(mode: str) -> bool:
    """Whether ``mode``'s scores are standardised over the films a list may show (a blend, or its fallback
    alone), so the match's scores over all unrated films are computed apart."""
    return blends(mode) or mode == fallback(mode)


def trains(mode: str) -> bool:
    """Whether ``mode`` needs a model trained (not one prepared from the catalogue alone, as content's)."""
    return not registry.for_mode(mode).can("prepared")


def reads_sequence(mode: str) -> bool:
    """Whether ``mode`` is served by a model that reads your ratings in time order (no fold-in, no
    fine-tuning for you), and so needs its own model trained."""
    return not blends(mode) and registry.for_mode(mode).can("sequence")


def folds_in(mode: str) -> bool:
    """Whether ``mode``'s picks come from a model fitted to you (fold-in): the hybrid blends the NeuMF one."""
    return registry.for_mode(mode).can("fold_in")


def match_mode(mode: str, mix: dict) -> str:
    """The mode whose calibration a list's match reads: a blend whose first part had no share in it (no liked
    film, or its model could not serve) is its fallback's list."""
    b = registry.blend(mode)
    return b.parts[1] if b is not None and not mix.get(b.parts[0]) else mode


def sequence_modes() -> list[str]:
    """The modes served by a model that reads a sequence (each scores a profile as its model reads it)."""
    return [m for m in registry.modes() if reads_sequence(m)]
