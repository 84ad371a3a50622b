#!/usr/bin/env bash
# One run on a machine with a CUDA GPU, at most ~8 minutes: install what is missing, generate the
# ML-20M-shaped release, measure CPU and GPU side by side (bench/gpu.py), then prove the CUDA paths
# end to end on the bundled data (bench/gpu_check.py). Logs and JSON go to $OUT (default bench/out).
#
#   bash bench/gpu.sh                       # from the repository root
#   EPOCHS=3 BATCH=1048576 LR=0.0045 bash bench/gpu.sh
#   STAGES="eval" bash bench/gpu.sh         # only some stages (default: "bench check eval")
#
# Stages: bench = bench/gpu.py (training and eval, CPU and GPU); check = bench/gpu_check.py (CUDA paths on
# the bundled data); eval = bench/eval_scale.py on the GPU (models trained as `movierec train` does, for at
# most EVAL_EPOCHS epochs; sampled, pruned full and exhaustive full protocol for every user), which also
# writes the trained weights (float16) to $OUT for timing the full protocol on a CPU with the same models.
#
# Offline machines: put wheels of the missing packages (e.g. platformdirs, rapidfuzz) in .whl/; they are
# installed into a private folder. Otherwise the project is pip-installed from the index.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-bench/out}
mkdir -p "$OUT"
PY=${PYTHON:-python3}
export PYTHONUNBUFFERED=1
start=$(date +%s)
stamp() { echo "== $1 ($(( $(date +%s) - start )) s)"; }

stamp "install"
if ! $PY -c "import torch, numpy, pandas, click, rich, platformdirs, filelock" 2>/dev/null; then
  if compgen -G ".whl/*.whl" >/dev/null; then
    $PY -m pip install -q --no-index --no-deps --no-compile --target /tmp/movierec-site .whl/*.whl || exit 1
    export PYTHONPATH=/tmp/movierec-site${PYTHONPATH:+:$PYTHONPATH}
  else
    $PY -m pip install -q -e . || exit 1
  fi
fi
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
$PY -c "import torch; print('torch', torch.__version__, '| cuda', torch.version.cuda, '|', torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'NO GPU')"
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv,noheader 2>/dev/null || true
echo "CPU: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"

RELEASE=${RELEASE:-/tmp/ml-20m-synth}
stamp "generate $RELEASE"
[ -f "$RELEASE/ratings.csv" ] || $PY bench/synthetic.py "$RELEASE" || exit 1

STAGES=" ${STAGES:-bench check eval} "
bench=0; check=0; evals=0
if [[ $STAGES == *" bench "* ]]; then
stamp "bench/gpu.py"
$PY bench/gpu.py "$RELEASE" --epochs "${EPOCHS:-3}" --batch-size "${BATCH:-1048576}" --lr "${LR:-0.0045}" \
    --cpu-seconds "${CPU_SECONDS:-30}" --device "${DEVICE:-cuda}" --json "$OUT/gpu.json" 2>&1 | tee "$OUT/gpu.log"
bench=${PIPESTATUS[0]}
fi

if [[ $STAGES == *" check "* ]]; then
stamp "bench/gpu_check.py"
GPU_CHECK_DEVICE=${DEVICE:-cuda} $PY bench/gpu_check.py 2>&1 | tee "$OUT/gpu_check.log"
check=${PIPESTATUS[0]}
fi

if [[ $STAGES == *" eval "* ]]; then
stamp "bench/eval_scale.py"
$PY bench/eval_scale.py "$RELEASE" --device "${DEVICE:-cuda}" --epochs "${EVAL_EPOCHS:-20}" --pretrain \
    --check-users 0 --save-weights "$OUT" 2>&1 | tee "$OUT/eval_scale.log"
evals=${PIPESTATUS[0]}
fi
stamp "done (gpu.py exit $bench, gpu_check.py exit $check, eval_scale.py exit $evals)"
exit $(( bench || check || evals ))
