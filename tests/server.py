"""A real Charter server in a child process, on a free loopback port, for HTTP tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def charter_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "charter", *args]


def charter_env(data_dir: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHARTER_")}
    env["CHARTER_DATA_DIR"] = str(data_dir)
    env["CHARTER_SCHEDULER"] = "false"  # a test that wants the jobs running says so
    env.update(extra or {})
    return env


@contextmanager
def running_server(
    data_dir: Path, extra_env: Mapping[str, str] | None = None, *, timeout: float = 120.0
) -> Iterator[str]:
    """Start `charter serve`, wait until /healthz answers, yield the base URL, then stop."""
    port = free_port()
    log_path = data_dir.parent / f"server-{port}.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            charter_command("serve", "--port", str(port)),
            env=charter_env(data_dir, extra_env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    raise RuntimeError(
                        f"server exited with {process.returncode}: {log_path.read_text()}"
                    )
                try:
                    if httpx.get(f"{base_url}/healthz", timeout=1.0).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"server did not start: {log_path.read_text()}")
                time.sleep(0.1)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
