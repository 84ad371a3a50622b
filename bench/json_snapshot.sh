#!/usr/bin/env bash
# Record the --json output of a set of CLI commands on the bundled data into OUT (issue 25: the engine's
# refactor keeps them byte-identical). Usage: bench/json_snapshot.sh OUT [HOME]
#   HOME: a fixed MOVIEREC_HOME holding a trained neumf + deepcontent (tests/conftest.py's trained-neumf
#   cache folder copied in as HOME/cache) so nothing is trained here; the profile "snap" is made there
#   once (its ratings' times are part of the output, so it is never remade). Compare two runs with
#   `diff -r OUT1 OUT2`; timing fields (*seconds*) are masked in the .norm copies of eval's output.
set -u
out=${1:?usage: json_snapshot.sh OUT [HOME]}
export MOVIEREC_HOME=${2:-/tmp/i25-home}
here=$(cd "$(dirname "$0")/.." && pwd)
py=${PYTHON:-$here/.venv/bin/python}
mr() { "$py" -m movierec --headless "$@"; }
mkdir -p "$out"
if [ ! -f "$MOVIEREC_HOME/.snap-profile" ]; then
  for pair in "Toy Story=5" "Matrix=4.5" "Heat=4" "Titanic=1" "Alien=5"; do
    mr rate "${pair%=*}" "${pair#*=}" --profile snap >/dev/null
  done
  mr dismiss "Jumanji" --profile snap >/dev/null
  for t in "Blade Runner" "Fargo" "Amelie" "Casablanca"; do mr watch "$t" --profile snap >/dev/null; done
  touch "$MOVIEREC_HOME/.snap-profile"
fi
run() { local name=$1; shift; mr "$@" --json >"$out/$name.json" 2>"$out/$name.err"; echo "rc $?" >>"$out/$name.err"; }
run search-toy search "toy story"
run search-typo search "matrx" --n 5
run search-filters search "love" --genre Comedy --from-year 1990 --to-year 1999 --n 8
run search-empty search "" --genre Horror --n 5
run search-none search "zzqqxx"
run similar-content similar "Alien" --n 10
run similar-learned similar "Alien" --n 10 --learned
run starters starters --n 12
run ratings ratings --profile snap
run watchlist watchlist --profile snap
run profile-list profile list
run data-list data list
run rec-profile recommend --profile snap
run rec-content recommend --profile snap --mode content --n 7
run rec-ncf recommend --profile snap --mode ncf --n 7
run rec-rate recommend --rate "Toy Story=5" --rate "Heat=4" --rate "Se7en=2" --n 6
run rec-genre recommend --profile snap --genre Comedy --from-year 1980 --to-year 1999 --diversity 0
run rec-rate-content recommend --rate "Casablanca=5" --mode content --diversity 1 --n 5
run eval-ease eval --model ease
run eval-pop eval --model pop
run eval-neumf eval --model neumf
"$py" - "$out" <<'PY'
import json, pathlib, re, sys
for p in pathlib.Path(sys.argv[1]).glob("eval-*.json"):
    def mask(v):
        if isinstance(v, dict):
            return {k: ("<t>" if re.search("seconds|created", k) else mask(x)) for k, x in v.items()}
        return [mask(x) for x in v] if isinstance(v, list) else v
    try:
        p.with_suffix(".norm").write_text(json.dumps(mask(json.loads(p.read_text())), indent=1))
    except ValueError:
        pass
PY
