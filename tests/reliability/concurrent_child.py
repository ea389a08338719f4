"""A process that syncs `clients` several times through the product's SyncService, as a second PC sharing the
state database would; the concurrency suite starts two of them at once.

    python -m tests.reliability.concurrent_child STORE_URL DATA_DIR PROFILE ROUNDS [hold]

With `hold`, the first run stops at its first progress event, prints "holding" and waits for a line on
standard input before it goes on. Prints how many runs it made and how many found the entity busy, as JSON.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from erpsync_gui.app.service import EntityBusyError, SyncService
from erpsync_gui.records import Direction, Side
from erpsync_gui.sandbox.tokens import DEMO_AUTH_TOKEN, DEMO_CLIENT_TOKEN
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store.db import open_store


def main(argv: list[str]) -> int:
    store_url, data_dir, profile, rounds = argv[0], Path(argv[1]), argv[2], int(argv[3])
    hold = {"armed": len(argv) > 4 and argv[4] == "hold"}
    store = open_store(store_url)
    secrets = SecretStore()
    secrets.set(profile, Side.ERP, "token", DEMO_AUTH_TOKEN)
    secrets.set(profile, Side.ERP, "client_token", DEMO_CLIENT_TOKEN)
    service = SyncService(store, secrets, data_dir, time_gate_s=0)

    def progress(_event) -> None:
        if hold["armed"]:
            hold["armed"] = False
            print("holding", flush=True)
            sys.stdin.readline()

    ran = busy = 0
    busy_messages: list[str] = []
    for _ in range(rounds):
        try:
            # approved as with --yes: what is proven here is one run at a time, not the brake's review
            service.sync("clients", profile_name=profile, direction=Direction.BOTH, trigger="cli", progress=progress,
                         approved=True)
            ran += 1
        except EntityBusyError as exc:
            busy += 1
            busy_messages.append(str(exc))
    print(json.dumps({"ran": ran, "busy": busy, "messages": busy_messages[:3]}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
