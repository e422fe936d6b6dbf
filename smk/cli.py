"""The ``smk`` command. Each subcommand lives in the module of its concept, which provides
``add_arguments(parser)`` and ``run(args) -> int``; this file only registers them."""
from __future__ import annotations

import argparse
import contextlib
import importlib
import signal
import sys
import threading
from typing import Iterator

from smk.errors import SmkError

#: subcommand -> (module, one-line help)
COMMANDS = {
    "validate": ("smk.run.validate", "check a client's exports and print what the playbook can do with them"),
    "run": ("smk.run.runner", "execute the notebooks on a client and write the report"),
    "synth": ("smk.io.synth", "generate a synthetic client (demo data or benchmark data)"),
    "init": ("smk.run.init", "inspect a folder of exports and propose a client.yml"),
    "refresh": ("smk.run.runner", "re-execute the notebooks in place on the demo client (stored nbval outputs)"),
    "bench": ("smk.run.bench", "benchmark load, notebooks and the whole run on a large synthetic client"),
    "dashboard": ("smk.run.dashboard", "the day's smarketing dashboard as an e-mail (.eml); --send delivers it over SMTP"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="smk", description="smarketing playbook: measure and fix sales-marketing alignment")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            p.set_defaults(_unavailable=module_name)
            continue
        adder = getattr(module, f"add_{name}_arguments", None) or getattr(module, "add_arguments")
        runner = getattr(module, f"run_{name}", None) or getattr(module, "run")
        adder(p)
        p.set_defaults(_run=runner)
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM: unwinds like Ctrl-C, so every command cleans up on the way out (temporary files,
    worker processes, locks)."""


def _terminate(signum, frame) -> None:
    raise Terminated()


@contextlib.contextmanager
def sigterm_unwinds() -> Iterator[None]:
    """While a command runs, SIGTERM raises :class:`Terminated` (only possible in the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: list[str] | None = None) -> int:
    """Run one command. Exit status: what the command returns (0 fine, 1 something failed), 2 for
    a problem the user can fix (the message says what), 130 when interrupted with Ctrl-C and 143
    when stopped with SIGTERM; an interruption prints one line, never a traceback."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "_unavailable", None):
        print(f"smk {args.command}: not available in this version ({args._unavailable} is missing)", file=sys.stderr)
        return 2
    try:
        with sigterm_unwinds():
            return int(args._run(args) or 0)
    except SmkError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        stopped = isinstance(exc, Terminated)
        detail = "; ".join(str(a) for a in exc.args if a)
        # on a terminal the line starts after the "^C" the terminal echoed
        lead = "\n" if sys.stderr.isatty() and not stopped else ""
        print(f"{lead}smk {args.command}: {'stopped' if stopped else 'interrupted'}{f' ({detail})' if detail else ''}",
              file=sys.stderr)
        return 143 if stopped else 130


if __name__ == "__main__":
    sys.exit(main())
