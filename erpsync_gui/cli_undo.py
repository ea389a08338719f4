"""`erpsync undo RUN_ID`: show what undoing a run would do (always), and do it with --apply."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from erpsync_gui.cli_commands import EXIT_FAILED, EXIT_OK, Context

if TYPE_CHECKING:
    from erpsync_gui.engine.undo import UndoPlan


def add_undo_parser(sub: Any) -> None:
    c = sub.add_parser("undo", help="undo a run: restore what it changed, remove what it created (dry run first)")
    c.add_argument("run_id", type=int, help="the run's number (see `erpsync log` or `erpsync status`)")
    c.add_argument("--apply", action="store_true", help="carry the undo out after showing it")
    c.add_argument("--json", action="store_true", help="machine-readable plan and result")


def _plan_json(plan: UndoPlan) -> dict[str, Any]:
    return {"run_id": plan.run_id, "entity": plan.entity,
            "steps": [{"side": s.side.value, "record_id": s.record_id, "action": s.action, "fields": dict(s.fields),
                       "current": dict(s.current)} for s in plan.steps],
            "cannot": [{"side": c.side.value, "record_id": c.record_id, "reason": c.reason} for c in plan.cannot]}


def _print_plan(plan: UndoPlan) -> None:
    print(f"UNDO of run {plan.run_id} ({plan.entity}): {len(plan.steps)} to undo, {len(plan.cannot)} cannot be undone")
    for step in plan.steps:
        print(f"  {step.action:<8} {step.side.value.upper()} {step.record_id}")
        for name, value in step.fields.items():
            print(f"      {name}: {step.current.get(name)!r} -> {value!r}")
    for item in plan.cannot:
        print(f"  cannot   {item.side.value.upper()} {item.record_id}: {item.reason}")


def cmd_undo(ctx: Context, args: argparse.Namespace) -> int:
    from erpsync_gui.app.undo import preview_undo, undo_run

    plan = preview_undo(ctx.service, args.run_id, args.profile)
    if not args.apply:
        if args.json:
            print(json.dumps({"plan": _plan_json(plan), "applied": None}, ensure_ascii=False, default=str))
        else:
            _print_plan(plan)
            print(f"  (a dry run: nothing was changed; `erpsync undo {args.run_id} --apply` does it)")
        return EXIT_OK
    result = undo_run(ctx.service, args.run_id, args.profile)
    if args.json:
        print(json.dumps({"plan": _plan_json(result.plan), "applied": {
            "run_id": result.run_id, "status": result.status, "done": result.done,
            "failed": [{"side": f.side.value, "record_id": f.record_id, "reason": f.reason} for f in result.failed]}},
            ensure_ascii=False, default=str))
    else:
        _print_plan(result.plan)
        print(f"  {result.status.upper()}: {result.done} undone as run {result.run_id} (undo that with "
              f"`erpsync undo {result.run_id}`)")
        for item in result.failed:
            print(f"  failed   {item.side.value.upper()} {item.record_id}: {item.reason}")
    return EXIT_OK if result.status == "success" else EXIT_FAILED
