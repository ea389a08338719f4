"""The service on Linux: a systemd unit that runs `erpsync service run` as its own account.

The state store's URL (it may hold the database password) is not written into the unit: it comes from
/etc/erpsync/service.env (ERPSYNC_STORE_URL=...), a file only root reads. packaging/linux/erpsync.service is
this unit as rendered for /usr/local/bin/erpsync.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from erpsync_gui.errors import ConfigError

UNIT_NAME = "erpsync.service"
UNIT_PATH = Path("/etc/systemd/system") / UNIT_NAME
ENV_FILE = "/etc/erpsync/service.env"
DATA_DIR = "/var/lib/erpsync"
EXECUTABLE = "/usr/local/bin/erpsync"

_UNIT = """\
# ERPSync's headless service: the schedule, webhook receivers, control API and sync workers.
# Put ERPSYNC_STORE_URL=postgresql+psycopg://user:password@host/database in {env_file} (mode 0600).
# Workers on further machines: the same unit with "service run --worker-only".
[Unit]
Description=ERPSync service (CRM <-> ERP sync)
Wants=network-online.target
After=network-online.target postgresql.service

[Service]
Type=simple
User={user}
Group={user}
EnvironmentFile={env_file}
ExecStart={executable} --data-dir {data_dir} --store-url ${{ERPSYNC_STORE_URL}} service run
Restart=on-failure
RestartSec=10
TimeoutStopSec=90
KillSignal=SIGTERM
StateDirectory=erpsync
LogsDirectory=erpsync
NoNewPrivileges=yes
PrivateTmp=yes
ProtectSystem=strict
ProtectHome=yes
ReadWritePaths={data_dir}

[Install]
WantedBy=multi-user.target
"""


def default_executable() -> str:
    """The `erpsync` beside this Python (a venv or a system install), else the usual place."""
    beside = Path(sys.executable).with_name("erpsync")
    return str(beside) if beside.exists() else (shutil.which("erpsync") or EXECUTABLE)


def render_unit(*, user: str = "erpsync", data_dir: Path | str | None = None, executable: str | None = None,
                store_url: str | None = None) -> str:
    """The unit file's text. `store_url` is never written into it (see the module's docstring)."""
    del store_url
    return _UNIT.format(user=user, env_file=ENV_FILE, data_dir=str(data_dir or DATA_DIR),
                        executable=executable or default_executable())


def control(action: str, *, user: str, data_dir: Path, store_url: str | None) -> int:
    """install (write the unit, reload systemd), start, stop, remove: through systemctl."""
    systemctl = shutil.which("systemctl")
    if systemctl is None:
        raise ConfigError("systemctl is not there: this machine does not run systemd",
                          hint="`erpsync service install --dry-run` prints the unit to install by hand")
    try:
        if action == "install":
            UNIT_PATH.write_text(render_unit(user=user, data_dir=DATA_DIR), encoding="utf-8")
            _run(systemctl, "daemon-reload")
            _run(systemctl, "enable", UNIT_NAME)
            print(f"{UNIT_PATH} installed and enabled; put ERPSYNC_STORE_URL in {ENV_FILE}, then "
                  "`erpsync service start`")
        elif action == "remove":
            subprocess.run([systemctl, "disable", "--now", UNIT_NAME], check=False)
            UNIT_PATH.unlink(missing_ok=True)
            _run(systemctl, "daemon-reload")
            print(f"{UNIT_PATH} removed")
        else:
            _run(systemctl, action, UNIT_NAME)
    except PermissionError:
        raise ConfigError(f"installing {UNIT_PATH} needs root", hint="run it with sudo") from None
    return 0


def _run(*command: str) -> None:
    done = subprocess.run(list(command), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ConfigError(f"{' '.join(command[1:])} failed: {done.stderr.strip() or done.stdout.strip()}")
