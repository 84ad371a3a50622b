"""NeuMF training throughput: movierec's trainer vs a plain DataLoader loop, same run, same model.

    python bench/throughput.py [--dataset NAME|PATH] [--epochs 2] [--device auto]

The baseline is what a tutorial writes: all (user, item, label) samples of an
epoch materialised up front, a TensorDataset, DataLoader(batch_size=256,
shuffle=True), nn.Embedding, Adam. movierec samples negatives on the device in
chunks and trains on large batches with a fast gather. Both count samples/s
over whole epochs (negative sampling included).
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from movierec import device as devices
from movierec.data.registry import load_dataset
from movierec.data.splits import leave_one_out
from movierec.models.ncf.modules import NCFConfig, build
from movierec.models.ncf.training import Trainer, sample_training_negatives


class PlainNeuMF(nn.Module):
    """The same architecture with stock nn.Embedding, as the baseline uses it."""

    def __init__(self, n_users: int, n_items: int, factors: int, emb: int, layers: tuple[int, ...]) -> None:
        super().__init__()
        self.gu, self.gi = nn.Embedding(n_users, factors), nn.Embedding(n_items, factors)
        self.mu, self.mi = nn.Embedding(n_users, emb), nn.Embedding(n_items, emb)
        tower, size = [], 2 * emb
        for width in layers:
            tower += [nn.Linear(size, width), nn.ReLU()]
            size = width
        self.tower = nn.Sequential(*tower)
        self.out = nn.Linear(factors + size, 1)

    def forward(self, u, i):
        g = self.gu(u) * self.gi(i)
        m = self.tower(torch.cat([self.mu(u), self.mi(i)], -1))
        return self.out(torch.cat([g, m], -1)).squeeze(-1)


def baseline_epoch(model, split, config, device, max_samples: int | None) -> tuple[int, float]:
    start = time.perf_counter()
    gen = torch.Generator().manual_seed(0)
    u = torch.from_numpy(split.train_users.astype(np.int64))
    i = torch.from_numpy(split.train_items.astype(np.int64))
    keys = torch.from_numpy(split.train_keys())
    neg_u = u.repeat(config.negatives)
    neg_i = sample_training_negatives(neg_u, split.n_items, keys, gen)
    data = TensorDataset(torch.cat([u, neg_u]), torch.cat([i, neg_i]),
                         torch.cat([torch.ones(u.numel()), torch.zeros(neg_u.numel())]))
    loader = DataLoader(data, batch_size=256, shuffle=True)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    seen = 0
    for bu, bi, by in loader:
        bu, bi, by = bu.to(device), bi.to(device), by.to(device)
        loss = F.binary_cross_entropy_with_logits(model(bu, bi), by)
        opt.zero_grad()
        loss.backward()
        opt.step()
        seen += by.numel()
        if max_samples and seen >= max_samples:
            break
    return seen, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default=None)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--baseline-samples", type=int, default=1_000_000,
                        help="cap on the baseline's samples (it is slow); its rate is what counts")
    args = parser.parse_args()
    device = devices.resolve(args.device)
    ds = load_dataset(args.dataset)
    split = leave_one_out(ds)
    config = NCFConfig(model="neumf")
    print(f"machine: {platform.node()}, {devices.describe(device)}, torch {torch.__version__}")
    print(f"dataset: {ds.name}: {split.train_users.size:,} training positives, "
          f"{split.train_users.size * (1 + config.negatives):,} samples an epoch")
    torch.manual_seed(0)
    model = build(config, ds.n_users, ds.n_items)
    trainer = Trainer(model, split, config, device)
    trainer.train_epoch()  # warm-up
    rates = []
    for _ in range(args.epochs):
        f = trainer.train_epoch()
        rates.append(f["samples"] / f["seconds"])
        print(f"movierec epoch: {f['samples']:,} samples in {f['seconds']:.2f} s = {rates[-1] / 1e6:.2f}M samples/s")
    torch.manual_seed(0)
    plain = PlainNeuMF(ds.n_users, ds.n_items, config.factors, config.mlp_embedding, config.layers).to(device)
    seen, seconds = baseline_epoch(plain, split, config, device, args.baseline_samples)
    base = seen / seconds
    best = float(np.median(rates))
    print(f"DataLoader(batch_size=256) loop: {seen:,} samples in {seconds:.2f} s = {base / 1e6:.3f}M samples/s")
    print(f"movierec median {best / 1e6:.2f}M samples/s = {best / base:.1f}x the DataLoader loop")


if __name__ == "__main__":
    main()
