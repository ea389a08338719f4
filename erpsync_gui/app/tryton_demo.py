"""The demo against a real ERP: the demo CRM database and a local Tryton (created and seeded once, kept under
the data directory, served on a free 127.0.0.1 port while the demo runs), wired together with the default
mappings the two kinds' presets compose, the same the connection wizard offers for the pair."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from erpsync_gui.config.presets import pair_mappings
from erpsync_gui.errors import ConfigError
from erpsync_gui.profile import EndpointConfig, EntityConfig, ProfileConfig, Schedule
from erpsync_gui.records import Side
from erpsync_gui.sandbox.tryton_local import ADMIN, DATABASE, INSTALL_HINT, LocalTryton, missing
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.store.db import Store

TRYTON_DEMO_PROFILE = "demo-tryton"
#: in dependency order; the policy of each: the CRM masters its clients, Tryton its invoices
TRYTON_DEMO_ENTITIES = {"clients": "crm_wins", "invoices": "erp_wins"}
PASSWORD = "password"


@dataclasses.dataclass
class TrytonDemo:
    """The demo profile and its running Tryton server (stop it with `close`)."""

    profile: ProfileConfig
    server: LocalTryton

    def close(self) -> None:
        self.server.close(keep_files=True)


def tryton_demo_profile(crm_path: Path, url: str) -> ProfileConfig:
    crm = EndpointConfig(Side.CRM, "sql", f"sqlite:///{crm_path.as_posix()}", options={"preset": "smartcrm"})
    erp = EndpointConfig(Side.ERP, "tryton", url, auth="session", options={"database": DATABASE, "username": ADMIN})
    mappings = pair_mappings(crm, erp)
    from erpsync_gui.entities import spec

    entities = tuple(EntityConfig(
        entity=name, direction=spec(name).default_direction, policy=policy, match_keys=mappings[name].match_keys,
        fields=tuple(dict(r) for r in mappings[name].fields), crm_name=mappings[name].crm_name,
        erp_name=mappings[name].erp_name) for name, policy in TRYTON_DEMO_ENTITIES.items())
    return ProfileConfig(name=TRYTON_DEMO_PROFILE, crm=crm, erp=erp, entities=entities,
                         schedule=Schedule(enabled=False, entities=tuple(TRYTON_DEMO_ENTITIES)))


def start_tryton_demo(store: Store, secrets: SecretStore, data_dir: Path) -> TrytonDemo:
    """Create (the first time) the demo CRM and the Tryton database, start trytond, and save the demo profile
    pointed at it. ConfigError when trytond is missing or no keyring can hold Tryton's password."""
    reason = missing()
    if reason is not None:
        raise ConfigError(f"the Tryton demo needs a local Tryton: {reason}", hint=INSTALL_HINT)
    if not secrets.available():
        raise ConfigError("the Tryton demo keeps the Tryton admin's password in the keyring, and none works here",
                          hint="start a keyring (Secret Service, Credential Manager) and run the demo again")
    root = data_dir / "demo-tryton"
    crm_path = root / "crm.sqlite"
    server = LocalTryton(DATABASE, root / "tryton")
    known = secrets.get(TRYTON_DEMO_PROFILE, Side.ERP, PASSWORD)
    if known and server.db_file.exists():
        server.password = known
    else:
        for path in (server.db_file, crm_path):
            path.unlink(missing_ok=True)
        server.build()
        secrets.set(TRYTON_DEMO_PROFILE, Side.ERP, PASSWORD, server.password)
    if not crm_path.exists():
        from erpsync_gui.sandbox.demo_crm import create_demo_crm
        from erpsync_gui.sandbox.seed_data import overlap_clients

        create_demo_crm(crm_path, overlap_clients(25))
    server.start()
    try:
        repo = ConfigRepo(store)
        if TRYTON_DEMO_PROFILE in {p.name for p in repo.list_profiles()}:
            saved = repo.get_profile(TRYTON_DEMO_PROFILE)
            # the server has a new port each time: only the ERP's address changes, the rest is the person's
            profile = repo.save_profile(dataclasses.replace(saved, erp=dataclasses.replace(saved.erp,
                                                                                            url=server.url)))
        else:
            profile = repo.save_profile(tryton_demo_profile(crm_path, server.url))
    except BaseException:
        server.close(keep_files=True)
        raise
    return TrytonDemo(profile, server)
