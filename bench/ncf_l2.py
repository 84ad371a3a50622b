"""Validation HR@10 of NCF models under given settings (refit none: chosen on validation only, test unseen).

    python bench/ncf_l2.py '("gmf", {})' '("gmf", {"embedding_l2": 1e-3})' '("neumf", {"weight_decay": 1e-5})'

Each argument is a Python literal (model, settings); every run uses seed 0 and a fresh MOVIEREC_HOME
unless one is set. Used for the embedding-L2 probe in bench/RESULTS.md ("Tuning NeuMF against EASE").
"""

from __future__ import annotations

import ast
import os
import sys
import tempfile
import time


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        return
    os.environ.setdefault("MOVIEREC_HOME", tempfile.mkdtemp(prefix="movierec-bench-"))
    from movierec.engine import Engine

    engine = Engine(None, "cpu")
    for text in sys.argv[1:]:
        model, settings = ast.literal_eval(text)
        start = time.perf_counter()
        _, info = engine.train(model, force=True, refit="none", seed=0, **settings)
        print(f"{model} {settings} val HR@10 {info.val_hr:.4f} best epoch {info.best_epoch} of {info.epochs} "
              f"({time.perf_counter() - start:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
