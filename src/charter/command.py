"""What every CLI command shares: opening the installation, the actor, and error output.

A command is an edge like a web request: it opens one unit of work and owns its
transaction. Errors from the tree in ``errors.py`` are printed (public message only) and
end the command with exit status 1.
"""

from __future__ import annotations

import functools
import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console

from charter.errors import CharterError
from charter.runtime import Runtime, Work
from charter.settings import Settings

P = ParamSpec("P")
R = TypeVar("R")

console = Console()
error_console = Console(stderr=True)


def cli_actor() -> str:
    """Audit actor for commands: the operating-system account that ran them."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


@contextmanager
def cli_runtime(*, record: bool = False, create_keys: bool = False) -> Iterator[Runtime]:
    from charter.installation.service import open_runtime

    runtime = open_runtime(Settings(), create_keys=create_keys, record=record)
    try:
        yield runtime
    finally:
        runtime.close()


@contextmanager
def cli_unit(*, write: bool) -> Iterator[Work]:
    """Open the installation named by the settings and one unit of work on it."""
    with cli_runtime() as runtime, runtime.unit(write=write) as work:
        yield work


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn a :class:`CharterError` into its public message on stderr and exit status 1."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except CharterError as exc:
            error_console.print(f"[bold red]Error:[/] {exc.public_message}")
            raise typer.Exit(1) from exc

    return wrapper
