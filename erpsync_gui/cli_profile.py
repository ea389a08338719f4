"""`erpsync profile new NAME --preset PRESET` (a whole profile for a known pair) and `erpsync profile presets`."""

from __future__ import annotations

import argparse
import json
from typing import Any

from erpsync_gui.cli_commands import EXIT_OK, Context
from erpsync_gui.errors import ConfigError


def add_profile_parser(sub: Any) -> None:
    profile = sub.add_parser("profile", help="make a profile from a preset of a known CRM and ERP pair").add_subparsers(
        dest="profile_command", required=True, metavar="ACTION")
    c = profile.add_parser("new", help="make and save a profile from a preset; then store its secrets with "
                                       "`erpsync --profile NAME secret set ...`")
    c.add_argument("name", help="the new profile's name")
    c.add_argument("--preset", required=True, help="the pair preset, e.g. payamgostar-siagh (see `profile presets`)")
    c.add_argument("--crm-url", required=True, help="the CRM's address")
    c.add_argument("--crm-user", required=True, help="the CRM user ERPSync signs in as")
    c.add_argument("--erp-url", required=True, help="the ERP's address")
    c.add_argument("--erp-user", required=True, help="the ERP user ERPSync signs in as")
    c.add_argument("--crm-option", action="append", default=[], metavar="PATH=VALUE",
                   help="set a CRM endpoint option, e.g. webhook.host=192.168.1.5 (repeatable; a JSON list for a list)")
    c.add_argument("--erp-option", action="append", default=[], metavar="PATH=VALUE",
                   help="set an ERP endpoint option, e.g. pre_invoice.codevaseteh=31 (repeatable)")
    profile.add_parser("presets", help="the pair presets and what each sets up")


def option_pairs(items: list[str], flag: str) -> dict[str, Any]:
    """PATH=VALUE pairs; a VALUE that reads as a JSON list, table or true/false is taken as that, anything else as
    text (a number stays text: the typed options turn it into a number where they want one, and a code such as
    "031" keeps its zero)."""
    out: dict[str, Any] = {}
    for item in items:
        path, sep, text = item.partition("=")
        if not sep or not path.strip():
            raise ConfigError(f"{flag} {item!r} is not PATH=VALUE", hint=f"for example {flag} webhook.port=8766")
        value: Any = text
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if isinstance(parsed, list | dict | bool):
            value = parsed
        out[path.strip()] = value
    return out


def cmd_profile(ctx: Context, args: argparse.Namespace) -> int:
    from erpsync_gui.app.pair_presets import PAIR_PRESETS, PresetInputs, missing_site_options, preset_named

    if args.profile_command == "presets":
        for preset in PAIR_PRESETS.values():
            print(f"{preset.name}: {preset.title} ({preset.crm_kind} + {preset.erp_kind})")
            for line in preset.summary:
                print(f"  - {line}")
        return EXIT_OK
    preset = preset_named(args.preset)
    if args.name in {p.name for p in ctx.service.config.list_profiles()}:
        raise ConfigError(f"a profile named {args.name!r} already exists", hint="choose another name")
    inputs = PresetInputs(args.name, args.crm_url, args.crm_user, args.erp_url, args.erp_user,
                          crm_options=option_pairs(args.crm_option, "--crm-option"),
                          erp_options=option_pairs(args.erp_option, "--erp-option"))
    saved = ctx.service.config.save_profile(preset.build(inputs))
    print(f"profile {saved.name!r} made from the preset {preset.name}:")
    for line in preset.summary:
        print(f"  - {line}")
    from erpsync_gui.app.connectors import needed_secrets

    secrets = [f"{e.side.value}.{spec.name}" for e in (saved.crm, saved.erp) for spec in needed_secrets(saved, e)
               if spec.required and not ctx.secrets.has(saved.name, e.side, spec.name)]
    print("next:")
    for name in secrets:
        print(f"  erpsync --profile {saved.name} secret set {name}")
    for path, why in missing_site_options(preset, saved).items():
        side, _, option = path.partition(".")
        print(f"  not set: {path}, {why} (--{side}-option {option}=VALUE, or on the Connections page)")
    print(f"  erpsync --profile {saved.name} sync -e clients   (the initial import: it shows its preview and "
          "waits; run it again with --yes to apply)")
    return EXIT_OK
