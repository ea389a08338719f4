"""`erpsync deletes`: the approval queue of deletes, with --approve ID and --keep ID."""

from __future__ import annotations

import argparse
from typing import Any

from erpsync_gui.cli_commands import EXIT_OK, Context


def add_deletes_parser(sub: Any) -> None:
    c = sub.add_parser("deletes", help="deletes waiting for approval (on_delete = queue); approve or keep them")
    c.add_argument("--entity", "-e", help="only this entity")
    c.add_argument("--approve", type=int, action="append", default=[], metavar="ID",
                   help="delete (or archive) the twin of queued delete ID (repeatable)")
    c.add_argument("--keep", type=int, action="append", default=[], metavar="ID",
                   help="keep the twin of queued delete ID (repeatable)")


def cmd_deletes(ctx: Context, args: argparse.Namespace) -> int:
    from erpsync_gui.app.deletes import decide, list_pending

    for delete_id in args.approve:
        print(f"delete {delete_id}: {decide(ctx.service, delete_id, True, args.profile)}")
    for delete_id in args.keep:
        print(f"delete {delete_id}: {decide(ctx.service, delete_id, False, args.profile)}")
    if args.approve or args.keep:
        return EXIT_OK
    pending = list_pending(ctx.service, args.profile, args.entity)
    print(f"{len(pending)} delete{'' if len(pending) == 1 else 's'} waiting for approval")
    for p in pending:
        twin_side = p.deleted_side.other.value.upper()
        print(f"  {p.id}: {p.entity} deleted in the {p.deleted_side.value.upper()} ({p.deleted_id}); "
              f"{twin_side} twin {p.twin_id}: " + ", ".join(f"{k}={v!r}" for k, v in list(p.last_values.items())[:6]))
    return EXIT_OK
