"""Questions about the modes (the ways to recommend; the registry's): which model serves one, whether it folds
you in or reads your ratings in time order. The hybrid's model is the ncf mode's; content needs none."""

from __future__ import annotations

from movierec.models import registry

#: The mode whose model new users are folded into (the hybrid's collaborative part).
FOLD_IN = "ncf"


def modes() -> tuple[str, ...]:
    """The ways to recommend (registry): hybrid, then one per model that serves new users."""
    return registry.modes()


def served(mode: str) -> str:
    """The mode whose model ``mode`` needs: the hybrid blends the fold-in mode's."""
    return FOLD_IN if mode == "hybrid" else mode


def model_name(mode: str) -> str:
    """The model that serves ``mode`` (registry), e.g. neumf for ncf (and for the hybrid)."""
    return registry.for_mode(served(mode)).name


def reads_sequence(mode: str) -> bool:
    """Whether ``mode`` is served by a model that reads your ratings in time order (no fold-in, no
    fine-tuning for you), and so needs its own model trained."""
    return mode not in ("hybrid", "content") and registry.for_mode(mode).can("sequence")


def folds_in(mode: str) -> bool:
    """Whether ``mode``'s picks come from a model fitted to you (fold-in): hybrid blends the NeuMF one."""
    return mode == "hybrid" or (mode != "content" and registry.for_mode(mode).can("fold_in"))


def sequence_modes() -> list[str]:
    """The modes served by a model that reads a sequence (each scores a profile as its model reads it)."""
    return [m for m in registry.modes() if reads_sequence(m)]
