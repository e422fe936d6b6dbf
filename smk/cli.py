"""The ``smk`` command. Each subcommand lives in the module of its concept, which provides
``add_arguments(parser)`` and ``run(args) -> int``; this file only registers them."""
from __future__ import annotations

import argparse
import importlib
import sys

from smk.errors import SmkError

#: subcommand -> (module, one-line help)
COMMANDS = {
    "validate": ("smk.run.validate", "check a client's exports and print what the playbook can do with them"),
    "run": ("smk.run.runner", "execute the notebooks on a client and write the report"),
    "synth": ("smk.io.synth", "generate a synthetic client (demo data or benchmark data)"),
    "init": ("smk.run.init", "inspect a folder of exports and propose a client.yml"),
    "refresh": ("smk.run.runner", "re-execute the notebooks in place on the demo client (stored nbval outputs)"),
    "bench": ("smk.run.bench", "benchmark load, notebooks and the whole run on a large synthetic client"),
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


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "_unavailable", None):
        print(f"smk {args.command}: not available in this version ({args._unavailable} is missing)", file=sys.stderr)
        return 2
    try:
        return int(args._run(args) or 0)
    except SmkError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
