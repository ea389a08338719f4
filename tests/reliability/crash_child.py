"""The process the crash suite kills: one two-way sync of `clients` through the product's SyncService (which,
as the app does at start, first closes the runs a killed process left running).

    python -m tests.reliability.crash_child STORE_URL DATA_DIR PROFILE [KILL_AT_COMMIT]

With KILL_AT_COMMIT = N the process SIGKILLs itself inside its Nth state-store commit, after the statements
were sent and before the database committed them. Prints the run's status and counts as one JSON line.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

from sqlalchemy import event

from erpsync_gui.app.service import SyncService
from erpsync_gui.records import Direction, Side
from erpsync_gui.sandbox.tokens import DEMO_AUTH_TOKEN, DEMO_CLIENT_TOKEN
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store.db import open_store


def main(argv: list[str]) -> int:
    store_url, data_dir, profile = argv[0], Path(argv[1]), argv[2]
    kill_at_commit = int(argv[3]) if len(argv) > 3 else 0
    store = open_store(store_url)
    secrets = SecretStore()  # this process's own keyring (the suite's in-memory backend)
    secrets.set(profile, Side.ERP, "token", DEMO_AUTH_TOKEN)
    secrets.set(profile, Side.ERP, "client_token", DEMO_CLIENT_TOKEN)
    service = SyncService(store, secrets, data_dir, time_gate_s=0)
    if kill_at_commit:
        commits = {"n": 0}

        @event.listens_for(store.engine, "commit")
        def die_mid_commit(_conn) -> None:
            commits["n"] += 1
            if commits["n"] == kill_at_commit:
                os.kill(os.getpid(), signal.SIGKILL)

    print("started", flush=True)
    # approved as with --yes: what is proven here is a crash mid-run, not the brake's review
    result = service.sync("clients", profile_name=profile, direction=Direction.BOTH, trigger="cli", approved=True)
    print(json.dumps({"status": result.status, "counts": dict(result.counts)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
