"""A private PostgreSQL server for tests that stop and start it (the shared one on 5432 is
left alone): a throwaway cluster under a temporary folder, on a free port, run by the
`postgres` system user with the machine's own PostgreSQL binaries."""

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.e2e.servers import free_port

_BINARIES = sorted(Path("/usr/lib/postgresql").glob("*/bin"))


def available() -> bool:
    """Whether this machine has PostgreSQL's server binaries and its system user."""
    return bool(_BINARIES) and shutil.which("runuser") is not None and _has_user("postgres")


class PrivateCluster:
    def __init__(self, folder: Path, port: int) -> None:
        self.folder, self.port = folder, port
        self.url = f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._pg_ctl("start", "-w", "-o", options, "-l", str(self.folder / "server.log"))

    def stop(self) -> None:
        """A fast shutdown: open sessions are ended, as in a real restart."""
        self._pg_ctl("stop", "-w", "-m", "fast")

    def _pg_ctl(self, *arguments: str) -> None:
        _as_postgres(str(_BINARIES[-1] / "pg_ctl"), "-D", str(self.folder / "data"), *arguments)


@contextmanager
def private_cluster() -> Iterator[PrivateCluster]:
    """A fresh, running cluster with trust authentication; removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="marketplace-pg-"))
    shutil.chown(folder, user="postgres")
    cluster = PrivateCluster(folder, free_port())
    initdb = str(_BINARIES[-1] / "initdb")
    _as_postgres(initdb, "-D", str(folder / "data"), "-U", "postgres", "-A", "trust", "-N")
    cluster.start()
    try:
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _as_postgres(*command: str) -> None:
    subprocess.run(  # noqa: S603 - the machine's PostgreSQL binaries, our own arguments
        ["runuser", "-u", "postgres", "--", *command],  # noqa: S607 - runuser is a system tool
        check=True, capture_output=True, env=os.environ | {"LC_ALL": "C"},
    )  # fmt: skip


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
