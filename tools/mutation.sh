#!/usr/bin/env bash
# Mutation testing of erpsync_gui/engine and erpsync_gui/mapping with mutmut, run by hand (not in CI: a pass
# over both packages takes hours on two cores). What is mutated and which tests run: [tool.mutmut] in
# pyproject.toml. A surviving mutant is a change of the code that no test notices: a missing test, or a
# mutation that changes nothing a caller can observe (say which, and why, when you leave one).
#
#   tools/mutation.sh                                  every module of engine/ and mapping/
#   tools/mutation.sh engine/matcher mapping/mapper    only these modules (the tests still run in full once)
#   tools/mutation.sh --results [modules]               the table of the last run, without running again
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

only_results=0
if [[ "${1:-}" == --results ]]; then
    only_results=1
    shift
fi
patterns=()
for module in "$@"; do
    module=${module%.py}
    module=${module#erpsync_gui/}
    patterns+=("erpsync_gui.${module//\//.}.*")
done

if [[ $only_results == 0 ]]; then
    # verdicts kept from an older source or older tests would be wrong: start afresh unless told otherwise
    if [[ "${MUTATION_KEEP:-0}" != 1 ]]; then
        rm -rf mutants
    fi
    nice "$mutmut" run --max-children "${MUTATION_CHILDREN:-2}" "${patterns[@]}"
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
    if not name or (wanted and module not in wanted):
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
