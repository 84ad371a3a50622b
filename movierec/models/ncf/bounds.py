"""Exact scores and sound upper bounds of a GMF / MLP / NeuMF model, for exact pruned ranking.

A NeuMF logit for user u and item i is

    s(u, i) = a_u . q_i  +  w . tower(relu(l_u + r_i))  +  b

with a_u the GMF user vector times the GMF output weights, q_i the GMF item vector, l_u
and r_i the user and item halves of the MLP's first layer (``r_i`` = W_item m_i, a
rank-16 point in R^64), and ``tower`` the remaining ReLU layers. GMF has no tower; the
MLP has no GMF part.

For a group of items, ``upper`` gives for every user and every item of the group a
number that is never below the item's true score. It is CROWN (Zhang et al., 2018)
with interval bounds for the hidden layers (CROWN-IBP): the box of r over the group
gives exact per-neuron intervals for the first layer, interval arithmetic carries
them up the tower, and one backward pass turns the tower into a linear function of
the item's input that bounds it from above over the whole group. That linear function,
plus the exact GMF term, is evaluated at each item: items in a tight group get bounds
close to their scores, so most can be ruled out without running the tower on them.

Everything is float32 on the model's device. Bounds are compared with a margin
(``margin``) that covers rounding, so a pruned item never scores above its bound.
"""

from __future__ import annotations

import torch
from torch import nn

from movierec.device import tf32
from movierec.models.ncf import modules as ncf


class ScoreBounds:
    """Scoring pieces of one trained NCF module (weights detached, on its device)."""

    def __init__(self, module: nn.Module) -> None:
        gmf = mlp = None
        if isinstance(module, ncf.NeuMF):
            gmf, mlp, out = module.gmf, module.mlp, module.out
            w_gmf = out.weight[0, : gmf.feature_size]
            w_mlp = out.weight[0, gmf.feature_size:]
        elif isinstance(module, ncf.GMF):
            gmf, out, w_gmf, w_mlp = module, module.out, module.out.weight[0], None
        elif isinstance(module, ncf.MLP):
            mlp, out, w_gmf, w_mlp = module, module.out, None, module.out.weight[0]
        else:
            raise TypeError(f"no score bounds for {type(module).__name__}")
        # float32 matmuls even where TF32 is on: r_i feeds exact scores that must equal the model's.
        with torch.no_grad(), tf32(False):
            self.bias = out.bias[0].detach().float()
            self.gmf_user = gmf.user.weight.detach() if gmf is not None else None
            self.gmf_item = gmf.item.weight.detach() if gmf is not None else None
            self.w_gmf = w_gmf.detach() if w_gmf is not None else None
            if mlp is not None:
                first = mlp.tower[0]
                e = mlp.user.embedding_dim
                self.mlp_user = mlp.user.weight.detach()
                self.first_user = first.weight[:, :e].detach()
                self.first_bias = first.bias.detach()
                self.first_item = first.weight[:, e:].detach()  # (H, e)
                self.mlp_item = mlp.item.weight.detach()  # (n, e)
                self.item_half = self.mlp_item @ self.first_item.T  # r_i: (n, H)
                self.layers = [(m.weight.detach(), m.bias.detach()) for m in mlp.tower[2:] if isinstance(m, nn.Linear)]
                self.layers_abs = [w.abs() for w, _ in self.layers]
                self.w_mlp = w_mlp.detach()
            else:
                self.item_half = None
        self.device = out.bias.device
        self.n_items = (self.gmf_item if self.gmf_item is not None else self.mlp_item).shape[0]

    def grouping_space(self) -> torch.Tensor:
        """The item coordinates whose spread within a group decides how tight its bounds are.

        With a tower, that is r_i (the GMF term is exact per item whatever the group); for GMF
        alone, the GMF item vectors.
        """
        return self.item_half if self.item_half is not None else self.gmf_item

    def users(self, users: torch.Tensor) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        """(a_u, l_u) for a block of user indices."""
        a = self.gmf_user[users] * self.w_gmf if self.gmf_user is not None else None
        left = self.mlp_user[users] @ self.first_user.T + self.first_bias if self.item_half is not None else None
        return a, left

    @staticmethod
    def take(uv: tuple[torch.Tensor | None, torch.Tensor | None], rows: torch.Tensor):
        return tuple(None if x is None else x[rows] for x in uv)

    def _tower(self, h: torch.Tensor) -> torch.Tensor:
        for w, b in self.layers:
            h = torch.relu(h @ w.T + b)
        return h @ self.w_mlp

    def block(self, uv, items: torch.Tensor) -> torch.Tensor:
        """(U, I) exact logits of every user of ``uv`` for ``items``."""
        a, left = uv
        out = None
        if a is not None:
            out = a @ self.gmf_item[items].T
        if left is not None:
            t = self._tower(torch.relu(left[:, None, :] + self.item_half[items][None, :, :]))
            out = t if out is None else out + t
        return out + self.bias

    def pairs(self, uv, items: torch.Tensor) -> torch.Tensor:
        """(S,) exact logits of row s of ``uv`` with ``items[s]``."""
        a, left = uv
        out = None
        if a is not None:
            out = (a * self.gmf_item[items]).sum(-1)
        if left is not None:
            t = self._tower(torch.relu(left + self.item_half[items]))
            out = t if out is None else out + t
        return out + self.bias

    def upper(self, uv, lo: torch.Tensor, hi: torch.Tensor, groups: torch.Tensor) -> torch.Tensor:
        """(U, Gn, G) upper bounds of each user's logit for each item of each group.

        ``groups``: (Gn, G) item indices, -1 for padding (bound -inf); ``lo``/``hi``: (Gn, H) the
        per-coordinate min and max of r_i over each group's items.
        """
        a, left = uv
        valid = groups >= 0
        items = groups.clamp(min=0)
        n_users = (a if a is not None else left).shape[0]
        out = torch.zeros((n_users, groups.shape[0], groups.shape[1]), device=groups.device)
        if a is not None:
            out += (a @ self.gmf_item[items].reshape(-1, a.shape[1]).T).view(out.shape)
        if left is not None:
            const, coef = self._tower_linear_upper(left, lo, hi)
            lin = torch.einsum("uge,gie->ugi", coef @ self.first_item, self.mlp_item[items])
            out += lin + const[..., None]
        out += self.bias
        return out.masked_fill_(~valid[None], float("-inf"))

    def _tower_linear_upper(self, left: torch.Tensor, lo_r: torch.Tensor, hi_r: torch.Tensor):
        """CROWN-IBP: (const (U, Gn), coef (U, Gn, H)) with w.tower(relu(x)) <= coef.x + const for
        every x = l_u + r_i, r_i in the group's box (and so for each of its items)."""
        lo = left[:, None, :] + lo_r[None]
        hi = left[:, None, :] + hi_r[None]
        bounds = [(lo, hi)]
        for (w, b), w_abs in zip(self.layers, self.layers_abs):
            h_lo, h_hi = torch.relu(lo), torch.relu(hi)
            mid = ((h_hi + h_lo) * 0.5) @ w.T + b
            rad = ((h_hi - h_lo) * 0.5) @ w_abs.T
            lo, hi = mid - rad, mid + rad
            bounds.append((lo, hi))
        coef = self.w_mlp.expand(*bounds[-1][0].shape)
        const = torch.zeros(coef.shape[:-1], device=coef.device)
        for k in range(len(bounds) - 1, -1, -1):
            lo, hi = bounds[k]
            # ReLU relaxation for an upper bound: where the coefficient is positive, the chord
            # from (lo, 0) to (hi, hi); where negative, the lower line (identity or zero).
            active = lo >= 0
            unstable = (hi > 0) & ~active
            width = torch.where(unstable, hi - lo, torch.ones_like(hi))
            up_slope = torch.where(unstable, hi / width, active.to(hi.dtype))
            low_slope = torch.where(unstable, (hi > -lo).to(hi.dtype), active.to(hi.dtype))
            positive = coef >= 0
            const = const + torch.where(positive & unstable, coef * (-up_slope * lo), 0.0).sum(-1)
            coef = coef * torch.where(positive, up_slope, low_slope)
            if k > 0:
                w, b = self.layers[k - 1]
                const = const + coef @ b
                coef = coef @ w
        # coef now multiplies x = l_u + r_i: the user half goes into the constant.
        const = const + (coef * left[:, None, :]).sum(-1)
        return const, coef
