#!/usr/bin/env bash
# The GPU checks of the behaviour model, in one short run on a CUDA machine (about 3-5 minutes on one H200).
#
#   bash bench/gpu_check.sh [OUT_DIR]      # default OUT_DIR: $OUT, else bench/results/gpu
#
# 1. the model tests on the GPU: tests/models/deep/ (not slow) with the `gpu` test included; the
#    estimator's accelerator="auto" then trains every other model test there too (bf16-mixed), save -> load included;
# 2. bench/lightning_overhead.py on CUDA: Lightning vs a raw loop, sequences per second, fp32 and bf16-mixed,
#    at the CPU bench's size and at a size that fills a GPU better (batch 1024, d_model 128, 32,000 users);
# 3. bench/model.py --quick: world -> feature store -> fit every model -> evaluate, with the deep model on the GPU.
#
# It uses the machine's python3 (PY=... to change), with the repository on PYTHONPATH. A machine without
# DuckDB can be given its wheel in .whl/ (installed into /tmp/site first). Each step's JSON goes to OUT_DIR and
# its log to OUT_DIR/gpu_check.log (one file, so that a device tool returning few files gets them all); a
# failing step does not stop the later ones, and the script exits non-zero if any failed.
set -u
out="${1:-${OUT:-bench/results/gpu}}"
mkdir -p "$out"
PY="${PY:-python3}"
if compgen -G ".whl/*.whl" >/dev/null; then
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
        && export PYTHONPATH="/tmp/site${PYTHONPATH:+:$PYTHONPATH}"
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 MPLBACKEND=Agg
export CAMPAIGNKIT_DATA_HOME="${CAMPAIGNKIT_DATA_HOME:-$PWD/data/raw}"
failed=0
step() {  # step NAME CMD...: run, log to $out/NAME.log, remember failures
    local name=$1; shift
    local log="$out/gpu_check.log" t0=$SECONDS
    echo "== $name: $*" | tee -a "$log"
    "$@" >"$out/step.log" 2>&1
    local rc=$?
    cat "$out/step.log" >>"$log"
    tail -n 25 "$out/step.log" && rm -f "$out/step.log"
    echo "== $name: rc $rc in $((SECONDS - t0)) s" | tee -a "$log"
    [ "$rc" -eq 0 ] || failed=1
}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
"$PY" -c "import torch, pytorch_lightning as pl; print('torch', torch.__version__, 'lightning', pl.__version__, 'cuda', torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else '')"
step pytest_models "$PY" -m pytest -q -p no:cacheprovider tests/models/deep -m "not slow" -ra --durations=8
for prec in 32-true bf16-mixed; do
    step "overhead_$prec" "$PY" bench/lightning_overhead.py --device cuda --precision "$prec" --out "$out/overhead_$prec.json"
done
step overhead_large "$PY" bench/lightning_overhead.py --device cuda --precision bf16-mixed --users 32000 \
    --batch-size 1024 --d-model 128 --threads 4 --out "$out/overhead_large.json"
step model_quick "$PY" bench/model.py --quick --jobs 1 --threads 4 --out "$out/model_quick.json"
exit "$failed"
