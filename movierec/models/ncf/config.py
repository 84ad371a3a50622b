"""NCF settings (torch-free: the CLI, the registry and checkpoint checks read them without torch)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from movierec.models.settings import Settings

MODELS = ("gmf", "mlp", "neumf")
REFITS = ("scratch", "continue", "none")


@dataclass
class NCFConfig(Settings):
    LABEL: ClassVar[str] = "ncf"
    model: str = "neumf"  # gmf | mlp | neumf
    factors: int = 32  # GMF embedding size (the "predictive factors"; 32 measured best on ml-latest-small)
    mlp_embedding: int = 16  # MLP user and item embedding size
    layers: tuple[int, ...] = (64, 32, 16, 8)
    epochs: int = 30
    batch_size: int = 0  # 0 = auto (``resolve_batch``): 4,096 on small data, larger on large data and GPUs
    lr: float = 0.0  # 0 = auto: 2e-3 at batch 4,096, times sqrt(batch / 4,096), at most 8e-3
    negatives: int = 4
    patience: int = 4  # epochs without validation improvement before stopping
    pretrain: bool = True  # NeuMF from pretrained GMF and MLP
    diversity: float = 0.0  # weight of the differentiable genre-diversity regulariser
    seed: int = 0
    chunk_positives: int = 2_000_000  # positives per on-device sampling chunk (memory bound)
    amp: bool = False  # bf16 autocast in training (for GPUs); weights and optimizer stay float32
    # torch.compile the model for training: fuses the tower's small operations (bench/ncf_step.py); it costs
    # a compilation (tens of seconds) at the first step, so it pays on long runs (large releases)
    compile: bool = False
    weight_decay: float = 0.0  # L2 on the dense (Adam) parameters; SparseAdam's embeddings have none
    # L2 on the embedding rows a batch uses, per example (Rendle et al. 2020, "NCF vs MF revisited"): rows
    # that appear in many examples are held in more, and rows a batch does not touch are left alone.
    embedding_l2: float = 0.0
    # The saved model: the epoch count is chosen on validation (early stopping), then "scratch" trains a
    # fresh model on train + validation for that many epochs, "continue" trains the chosen model one more
    # epoch on train + validation, "none" keeps the model fitted on training alone.
    refit: str = "scratch"
    # Exponential moving average of the weights (Polyak averaging), decay per optimizer step; 0 = off. The
    # averaged weights are the ones validated, kept and saved. Warm-up: decay min(ema, (1 + t) / (10 + t)).
    ema: float = 0.0

    def resolved(self, n_positives: int, device_type: str) -> "NCFConfig":
        """This config with concrete ``batch_size`` and ``lr`` for a training set and device (see above).

        Auto batch: about 1,024 steps an epoch on a CPU (between 4,096 and 65,536) and about 100 on a
        GPU (between 4,096 and 2^20), a power of two. ml-latest-small gets 4,096 everywhere; the ML-20M
        shape gets 65,536 on a CPU (measured 2x faster an epoch at the same HR@10) and 2^19 on a GPU.
        """
        batch = self.batch_size
        if batch <= 0:
            samples = max(1, n_positives * (1 + self.negatives))
            steps, ceiling = (100, 1 << 20) if device_type == "cuda" else (1024, 1 << 16)
            batch = 1 << max(0, (samples // steps).bit_length() - 1)
            batch = min(max(batch, 4096), ceiling)
        lr = self.lr if self.lr > 0 else min(2e-3 * (batch / 4096) ** 0.5, 8e-3)
        return self.replace(batch_size=batch, lr=lr)

    def problem(self) -> str | None:
        if self.model not in MODELS:
            return f"model {self.model[:20]!r} is not one of {', '.join(MODELS)}"
        if self.refit not in REFITS:
            return f"refit {self.refit[:20]!r} is not one of {', '.join(REFITS)}"
        for key in ("factors", "mlp_embedding", "epochs", "patience", "chunk_positives"):
            if getattr(self, key) < 1:
                return f"{key} {getattr(self, key)} is not a positive whole number"
        if not self.layers or min(self.layers) < 1:
            return f"layers {list(self.layers)} are not positive widths"
        for key in ("batch_size", "negatives", "seed"):
            if getattr(self, key) < 0:
                return f"{key} {getattr(self, key)} is negative"
        for key in ("lr", "diversity", "weight_decay", "embedding_l2"):
            if getattr(self, key) < 0:
                return f"{key} {getattr(self, key)} is negative"
        if not 0.0 <= self.ema < 1.0:
            return f"ema {self.ema} is not in [0, 1)"
        return None

    #: Fields that say how a model was trained, not what it is: a checkpoint that differs only in them is reused.
    RUNTIME_FIELDS: ClassVar[tuple[str, ...]] = ("chunk_positives", "amp", "compile")

    @staticmethod
    def check(meta: dict, max_width: int, max_parameters: int) -> str | None:
        """What is wrong with a checkpoint's NCF config (None: nothing), before any module is built from
        it: the sizes, and the number of parameters they add up to."""
        config = meta["config"]

        def whole(value: object, low: int, high: int) -> bool:
            return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high

        if config.get("model") != meta.get("model"):
            return f"its config is for {str(config.get('model'))[:20]!r}, not {meta.get('model')!r}"
        for key in ("factors", "mlp_embedding"):
            if not whole(config.get(key), 1, max_width):
                return f"{key} {str(config.get(key))[:20]!r} is not a size from 1 to {max_width:,}"
        layers = config.get("layers")
        if not isinstance(layers, list) or not 1 <= len(layers) <= 64 or not all(whole(w, 1, max_width) for w in layers):
            return f"layers {str(layers)[:40]!r} is not a list of 1 to 64 widths from 1 to {max_width:,}"
        rows = meta["n_users"] + meta["n_items"]
        model = meta["model"]
        size = 0
        if model in ("gmf", "neumf"):
            size += rows * config["factors"] + config["factors"] + 1
        if model in ("mlp", "neumf"):
            width = 2 * config["mlp_embedding"]
            size += rows * config["mlp_embedding"]
            for w in layers:
                size += width * w + w
                width = w
            size += width + 1
        if size > max_parameters:
            return f"{size:,} parameters, more than the {max_parameters:,} a movierec model may have"
        return None

    @staticmethod
    def suggest(trial, model: str) -> dict:
        """One Optuna trial's settings for ``tune`` (NCFConfig fields)."""
        params: dict = {
            "lr": trial.suggest_float("lr", 3e-4, 1e-2, log=True),
            "batch_size": trial.suggest_categorical("batch_size", [1024, 2048, 4096, 8192]),
            "negatives": trial.suggest_int("negatives", 1, 8),
            "weight_decay": trial.suggest_categorical("weight_decay", [0.0, 1e-7, 1e-6, 1e-5]),
            "embedding_l2": trial.suggest_categorical("embedding_l2", [0.0, 1e-4, 1e-3, 3e-3]),
            "ema": trial.suggest_categorical("ema", [0.0, 0.999]),
        }
        if model in ("gmf", "neumf"):
            params["factors"] = trial.suggest_categorical("factors", [8, 16, 32, 64, 128])
        if model in ("mlp", "neumf"):
            params["mlp_embedding"] = trial.suggest_categorical("mlp_embedding", [8, 16, 32, 64])
            depth = trial.suggest_int("depth", 2, 4)
            first = trial.suggest_categorical("first_layer", [32, 64, 128, 256])
            params["layers"] = [max(4, first >> d) for d in range(depth)]
        return params
