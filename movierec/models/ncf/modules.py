"""Neural Collaborative Filtering (He et al., WWW 2017): GMF, MLP and NeuMF as nn.Modules.

* GMF: element-wise product of user and item embeddings, one linear output.
* MLP: user and item embeddings concatenated, a ReLU tower (default 64-32-16-8
  over 16-d embeddings), one linear output.
* NeuMF: a GMF part and an MLP part with their own embeddings, fused by one
  linear output over [gmf features | last MLP layer]; it can be initialised from
  pretrained GMF and MLP models (``NeuMF.from_pretrained``) as in the paper.

Every module returns logits; training uses the sigmoid / log loss.
"""

from __future__ import annotations

import warnings

import torch
from torch import nn

from movierec.models.ncf.config import NCFConfig

# Sparse embedding gradients (built by _Gather below) trigger a one-time PyTorch notice per process.
warnings.filterwarnings("ignore", message="Sparse invariant checks are implicitly disabled")


class _Gather(torch.autograd.Function):
    """Row gather whose backward is one ``index_add_``.

    On CPU this is ~6x faster than nn.Embedding's dense backward (which sorts
    the indices), and the embedding backward was the largest cost of a step.
    """

    @staticmethod
    def forward(ctx, weight: torch.Tensor, index: torch.Tensor, sparse: bool) -> torch.Tensor:
        ctx.save_for_backward(index)
        ctx.shape = weight.shape
        ctx.sparse = sparse
        return weight.index_select(0, index)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        (index,) = ctx.saved_tensors
        grad = grad.reshape(-1, grad.shape[-1])
        if ctx.sparse:
            # Rows touched by this batch only: a large table's step stops costing its full size.
            return torch.sparse_coo_tensor(index[None], grad, ctx.shape), None, None
        out = torch.zeros(ctx.shape, dtype=grad.dtype, device=grad.device)
        out.index_add_(0, index, grad)
        return out, None, None


class Embedding(nn.Embedding):
    """nn.Embedding with the fast gather above (same parameters and state dict).

    ``sparse = True`` gives sparse gradients, for torch.optim.SparseAdam.
    """

    def forward(self, index: torch.Tensor) -> torch.Tensor:
        flat = _Gather.apply(self.weight, index.reshape(-1), bool(self.sparse))
        return flat.view(*index.shape, self.embedding_dim)


def _embedding(n: int, dim: int) -> nn.Embedding:
    emb = Embedding(n, dim)
    nn.init.normal_(emb.weight, std=0.01)
    return emb


class GMF(nn.Module):
    def __init__(self, n_users: int, n_items: int, factors: int = 16) -> None:
        super().__init__()
        self.user = _embedding(n_users, factors)
        self.item = _embedding(n_items, factors)
        self.out = nn.Linear(factors, 1)
        self.feature_size = factors

    def features(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        return self.user(users) * self.item(items)

    def forward(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        return self.out(self.features(users, items)).squeeze(-1)

    def score_vectors(self, user_vectors: list[torch.Tensor], items: torch.Tensor | None = None) -> torch.Tensor:
        """(U, I) logits for explicit user vectors, in one matmul: (P_u * w) Q^T + b."""
        q = self.item.weight if items is None else self.item.weight[items]
        return (user_vectors[0] * self.out.weight[0]) @ q.T + self.out.bias

    def score_all(self, users: torch.Tensor, items: torch.Tensor | None = None) -> torch.Tensor:
        return self.score_vectors([self.user.weight[users]], items)


class MLP(nn.Module):
    def __init__(self, n_users: int, n_items: int, embedding: int = 16, layers: tuple[int, ...] = (64, 32, 16, 8)) -> None:
        super().__init__()
        self.user = _embedding(n_users, embedding)
        self.item = _embedding(n_items, embedding)
        tower: list[nn.Module] = []
        size = 2 * embedding
        for width in layers:
            linear = nn.Linear(size, width)
            nn.init.kaiming_uniform_(linear.weight, nonlinearity="relu")
            nn.init.zeros_(linear.bias)
            tower += [linear, nn.ReLU(inplace=True)]  # in place: a third off the tower's step (bench/ncf_step.py)
            size = width
        self.tower = nn.Sequential(*tower)
        self.out = nn.Linear(size, 1)
        self.feature_size = size

    def features(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        return self.tower(torch.cat([self.user(users), self.item(items)], dim=-1))

    def forward(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        return self.out(self.features(users, items)).squeeze(-1)

    def features_vectors(self, user_vectors: torch.Tensor, items: torch.Tensor | None = None) -> torch.Tensor:
        """(U, I, last) tower outputs for every user x item pair.

        The first layer acts on [p_u; q_i], so it splits into W_u p_u + W_i q_i:
        each side is computed once and broadcast, saving that layer per pair.
        """
        first = self.tower[0]
        e = self.user.embedding_dim
        q = self.item.weight if items is None else self.item.weight[items]
        left = user_vectors @ first.weight[:, :e].T + first.bias  # (U, H)
        right = q @ first.weight[:, e:].T  # (I, H)
        h = torch.relu(left[:, None, :] + right[None, :, :])
        return self.tower[2:](h) if len(self.tower) > 2 else h

    def score_vectors(self, user_vectors: list[torch.Tensor], items: torch.Tensor | None = None) -> torch.Tensor:
        return self.out(self.features_vectors(user_vectors[0], items)).squeeze(-1)

    def score_all(self, users: torch.Tensor, items: torch.Tensor | None = None) -> torch.Tensor:
        return self.score_vectors([self.user.weight[users]], items)


class NeuMF(nn.Module):
    def __init__(self, n_users: int, n_items: int, factors: int = 16, embedding: int = 16,
                 layers: tuple[int, ...] = (64, 32, 16, 8)) -> None:
        super().__init__()
        self.gmf = GMF(n_users, n_items, factors)
        self.mlp = MLP(n_users, n_items, embedding, layers)
        self.out = nn.Linear(self.gmf.feature_size + self.mlp.feature_size, 1)
        # The parts' own output layers are not in NeuMF's forward (``out`` fuses their features): frozen,
        # so DistributedDataParallel does not wait for gradients they never get. Kept in the state dict.
        self.gmf.out.requires_grad_(False)
        self.mlp.out.requires_grad_(False)

    def forward(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        feats = torch.cat([self.gmf.features(users, items), self.mlp.features(users, items)], dim=-1)
        return self.out(feats).squeeze(-1)

    def score_vectors(self, user_vectors: list[torch.Tensor], items: torch.Tensor | None = None) -> torch.Tensor:
        g = self.gmf.feature_size
        q = self.gmf.item.weight if items is None else self.gmf.item.weight[items]
        gmf_part = (user_vectors[0] * self.out.weight[0, :g]) @ q.T
        mlp_part = self.mlp.features_vectors(user_vectors[1], items) @ self.out.weight[0, g:]
        return gmf_part + mlp_part + self.out.bias

    def score_all(self, users: torch.Tensor, items: torch.Tensor | None = None) -> torch.Tensor:
        return self.score_vectors([self.gmf.user.weight[users], self.mlp.user.weight[users]], items)

    @torch.no_grad()
    def load_pretrained(self, gmf: GMF, mlp: MLP, alpha: float = 0.5) -> None:
        """He et al. 2017, section 3.4.1: copy both parts, fuse their output layers with weight alpha."""
        self.gmf.load_state_dict(gmf.state_dict())
        self.mlp.load_state_dict(mlp.state_dict())
        self.out.weight.copy_(torch.cat([alpha * gmf.out.weight, (1 - alpha) * mlp.out.weight], dim=1))
        self.out.bias.copy_(alpha * gmf.out.bias + (1 - alpha) * mlp.out.bias)


def build(config: NCFConfig, n_users: int, n_items: int) -> nn.Module:
    if config.model == "gmf":
        return GMF(n_users, n_items, config.factors)
    if config.model == "mlp":
        return MLP(n_users, n_items, config.mlp_embedding, config.layers)
    if config.model == "neumf":
        return NeuMF(n_users, n_items, config.factors, config.mlp_embedding, config.layers)
    raise ValueError(f"unknown NCF model {config.model!r}")


def user_tables(model: nn.Module) -> list[nn.Embedding]:
    """The user embedding tables of a model (what fold-in fits)."""
    if isinstance(model, NeuMF):
        return [model.gmf.user, model.mlp.user]
    return [model.user]  # type: ignore[list-item]


def item_tables(model: nn.Module) -> list[nn.Embedding]:
    if isinstance(model, NeuMF):
        return [model.gmf.item, model.mlp.item]
    return [model.item]  # type: ignore[list-item]


__all__ = ["NCFConfig", "GMF", "MLP", "NeuMF", "build", "user_tables", "item_tables"]
