"""Neural Collaborative Filtering (GMF, MLP, NeuMF): modules, training, recommender, fold-in, bounds.

This package's own import is torch-free (the config only); its modules import torch.
"""

from movierec.models.ncf.config import NCFConfig

__all__ = ["NCFConfig"]
