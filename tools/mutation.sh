#!/usr/bin/env bash
# Mutation testing of erpsync_gui/engine, erpsync_gui/mapping and erpsync_gui/config with mutmut, run by hand
# (not in CI: a pass over all three takes hours on two cores). What is mutated and which tests run: [tool.mutmut] in
# pyproject.toml. A surviving mutant is a change of the code that no test notices: a missing test, or a
# mutation that changes nothing a caller can observe (say which, and why, when you leave one).
#
#   tools/mutation.sh                                  every module of engine/, mapping/ and config/
#   tools/mutation.sh engine/matcher mapping/mapper    only these modules (the tests still run in full once)
#   tools/mutation.sh config                           every module of one package
#   tools/mutation.sh --results [modules]               the table of the last run, without running again
#   tools/mutation.sh --survivors [modules]             the last run's survivors again, after tests were added
#   MUTATION_KEEP=1 tools/mutation.sh NAME...          these mutants only (names as the table lists them)
#
# Ends with a table per module (killed, survived, other verdicts) and the names of the survivors;
# `.venv/bin/mutmut show NAME` prints one survivor's diff. MUTATION_CHILDREN sets the parallel workers
# (default 2); MUTATION_KEEP=1 keeps the verdicts of an earlier run instead of starting afresh.
set -euo pipefail
cd "$(dirname "$0")/.."
mutmut=.venv/bin/mutmut
if [[ ! -x "$mutmut" ]]; then
    echo "mutmut is not installed: .venv/bin/pip install -e '.[test,mutation]'" >&2
    exit 2
fi
export QT_QPA_PLATFORM=offscreen

mode=run
case "${1:-}" in
    --results) mode=results; shift ;;
    --survivors) mode=survivors; shift ;;
esac
patterns=()
for module in "$@"; do
    if [[ $module == *__mutmut_* ]]; then  # one mutant, by the name the table lists
        patterns+=("$module")
        continue
    fi
    module=${module%.py}
    module=${module#erpsync_gui/}
    patterns+=("erpsync_gui.${module//\//.}.*")
done

# mutmut brings the files it does not mutate (the profile schema, a module without functions) into mutants/ only
# when it starts afresh: a run that keeps the directory gets the current ones here
if [[ $mode != results && -d mutants/erpsync_gui && ( $mode == survivors || "${MUTATION_KEEP:-0}" == 1 ) ]]; then
    .venv/bin/python - <<'PY'
import json
import shutil
from pathlib import Path

for source in Path("erpsync_gui").rglob("*"):
    if not source.is_file() or source.suffix == ".pyc" or "__pycache__" in source.parts:
        continue
    copy, meta = Path("mutants") / source, Path("mutants") / f"{source}.meta"
    if source.suffix == ".py" and meta.exists() and json.loads(meta.read_text())["exit_code_by_key"]:
        continue  # a mutated module: mutmut generates it again itself when it changed
    if not copy.exists() or copy.read_bytes() != source.read_bytes():
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, copy)
PY
fi

if [[ $mode == run ]]; then
    # verdicts kept from an older source or older tests would be wrong: start afresh unless told otherwise
    if [[ "${MUTATION_KEEP:-0}" != 1 ]]; then
        rm -rf mutants
    fi
    nice "$mutmut" run --max-children "${MUTATION_CHILDREN:-2}" "${patterns[@]}"
elif [[ $mode == survivors ]]; then
    # only the last run's survivors, against the tests as they are now (the other verdicts stand: the source
    # must not have changed since, or mutmut starts those modules afresh)
    mapfile -t survivors < <("$mutmut" results --all true | .venv/bin/python -c '
import sys
from fnmatch import fnmatch

for line in sys.stdin:
    name, _, status = line.strip().rpartition(": ")
    if status == "survived" and (len(sys.argv) == 1 or any(fnmatch(name, p) for p in sys.argv[1:])):
        print(name)
' "${patterns[@]}")
    if [[ ${#survivors[@]} == 0 ]]; then
        echo "no survivors to run again" >&2
    else
        nice "$mutmut" run --max-children "${MUTATION_CHILDREN:-2}" "${survivors[@]}"
    fi
fi

"$mutmut" results --all true | .venv/bin/python -c '
import re
import sys
from collections import Counter, defaultdict

wanted = [p[:-2] for p in sys.argv[1:]]
by_module: dict[str, Counter] = defaultdict(Counter)
survivors: list[str] = []
for line in sys.stdin:
    name, _, status = line.strip().rpartition(": ")
    module = re.split(r"\.x_|\.x\u01c1", name, maxsplit=1)[0]
    if not name or (wanted and not any(module == w or module.startswith(w + ".") for w in wanted)):
        continue
    by_module[module][status] += 1
    if status == "survived":
        survivors.append(name)
print("module".ljust(40), "mutants".rjust(8), "killed".rjust(8), "survived".rjust(9), " other")
for module in sorted(by_module):
    c = by_module[module]
    other = ", ".join(f"{k} {v}" for k, v in sorted(c.items()) if k not in ("killed", "survived"))
    print(module.ljust(40), str(sum(c.values())).rjust(8), str(c["killed"]).rjust(8), str(c["survived"]).rjust(9),
          "", other)
print()
print("survivors:")
print("\n".join(f"  {name}" for name in survivors) or "  none")
' "${patterns[@]}"
