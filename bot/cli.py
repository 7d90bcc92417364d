"""The ``omnicanal`` command: run, check, chat, eval."""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from collections import Counter
from pathlib import Path

from bot import cli_dev, logs, loop
from bot.config import load_settings, parse_settings
from bot.config.settings import Settings
from bot.dialogue.loading import find_project_modules
from bot.errors import BotError, ConfigError

DEFAULT_CONFIG = "config.yaml"
#: The demo's knowledge base, wherever the package is installed (flows/ sits beside bot/).
DEMO_KNOWLEDGE = Path(__file__).resolve().parents[1] / "flows" / "store_assistant" / "knowledge"
#: What runs with no config.yaml at all: the shipped config's essentials (the demo flows,
#: their knowledge base and the web chat). The framework's own settings name no flows.
WITHOUT_CONFIG = {"flows": {"modules": ["flows.store_assistant"]},
                  "knowledge": {"paths": [str(DEMO_KNOWLEDGE)]},
                  "connectors": {"webchat": {"enabled": True}}}


def _settings(path: str | None) -> Settings:
    if path is None and not Path(DEFAULT_CONFIG).exists():
        return parse_settings(WITHOUT_CONFIG, source="(embedded defaults: the demo)")
    find_project_modules(Path(path or DEFAULT_CONFIG))
    return load_settings(path or DEFAULT_CONFIG)


def _source(args: argparse.Namespace) -> str:
    """The configuration file this command reads, as errors name it."""
    path = getattr(args, "config", None)
    if path is None and not Path(DEFAULT_CONFIG).exists():
        return "(embedded defaults: the demo)"
    return str(path or DEFAULT_CONFIG)


def _check(args: argparse.Namespace) -> int:
    settings = _settings(args.config)
    from bot.channels import registry
    from bot.composition import build_engine
    from bot.knowledge import load_knowledge

    engine = build_engine(settings)
    knowledge = load_knowledge(settings)
    connectors = [registry.build(n, c) for n, c in settings.enabled_connectors().items()]
    print(f"{args.config or DEFAULT_CONFIG}: OK")
    print(f"  store: {'embedded' if settings.store.embedded else 'external Redis'}")
    print(f"  server: http://{settings.server.host}:{settings.server.port}")
    print(f"  flows: {', '.join(sorted(engine.flows))} (default: {engine.default_flow})")
    print(f"  connectors: {', '.join(c.channel for c in connectors) or 'none'}")
    if knowledge is not None:
        counts = Counter(entry.locale for entry in knowledge.entries())
        print(f"  knowledge: {len(knowledge)} entries "
              f"({', '.join(f'{n} {locale}' for locale, n in sorted(counts.items()))})")
    return 0


async def _run(args: argparse.Namespace) -> int:
    settings = _settings(args.config)
    logs.configure(settings.logging.level, settings.logging.format)
    from bot.runtime import Runtime

    async with Runtime(settings, role=args.role) as runtime:
        if runtime.role == "worker":
            print("Omnicanal worker running: processing messages (Ctrl-C to stop)", flush=True)
        if runtime.server is not None:
            print(f"Omnicanal is running: open {runtime.server.url}/ (Ctrl-C to stop)",
                  flush=True)
            if runtime.desk is not None:
                print(f"Operator console: {runtime.server.url}/operator", flush=True)
            if runtime.generated_admin_password:
                print("  log in as 'admin' with the password "
                      f"{runtime.generated_admin_password} (made up for this run; list "
                      "operators under handoff.operators in config.yaml to choose your own)",
                      flush=True)
        await runtime.run_until_signalled()
    return 0


async def _chat(args: argparse.Namespace) -> int:
    settings = _settings(args.config)
    if args.attach:
        from bot.attach import attached_settings

        settings = attached_settings(settings)
    logs.configure("WARNING", "text")
    from bot.channels import registry
    from bot.runtime import Runtime

    kind = registry.connector_class("console")
    console = kind.from_settings("console", kind.settings_model.model_validate(
        {"user": args.user, "locale": args.locale}))
    session = uuid.uuid4().hex[:8]
    async with Runtime(settings, connectors=[console], serve_http=False) as runtime:
        print("Talking to the bot. Say hello to start, Ctrl-D to leave.", flush=True)
        loop = asyncio.get_running_loop()
        while True:
            print("you> ", end="", flush=True)
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                print()
                return 0
            messages = console.parse({"text": line, "session": session})
            if messages:
                await runtime.pipeline.submit(messages)
                await runtime.settle()


async def _eval(args: argparse.Namespace) -> int:
    """Run labelled utterances against the configured provider; 1 under the accuracy."""
    settings = _settings(args.config)
    from bot.dialogue.loading import load_flows
    from bot.understanding.evaluation import evaluate, load_utterances
    from bot.understanding.wiring import build_understander

    utterances = load_utterances(Path(args.file))
    understander = build_understander(settings, load_flows(settings.flows.modules))
    report = await evaluate(understander, utterances)
    print(f"{args.file}: provider {understander.provider.name}, threshold "
          f"{understander.threshold}")
    print("\n".join(report.lines()))
    if report.accuracy < args.min_accuracy:
        print(f"FAILED: intent accuracy {report.accuracy:.1%} is under --min-accuracy "
              f"{args.min_accuracy:.0%}", file=sys.stderr)
        return 1
    return 0


def _hash_password(args: argparse.Namespace) -> int:
    from bot.handoff.passwords import hash_password

    if sys.stdin.isatty():
        import getpass

        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Again: "):
            print("error: the passwords differ", file=sys.stderr)
            return 2
    else:
        password = sys.stdin.readline().rstrip("\n")
    if len(password) < 10:
        print("error: use at least 10 characters", file=sys.stderr)
        return 2
    print(hash_password(password))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="omnicanal", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (("run", "run the bot"), ("check", "validate the configuration"),
                            ("chat", "talk to the bot in this terminal")):
        command = sub.add_parser(name, help=help_text)
        command.add_argument("-c", "--config", default=None,
                             help=f"configuration file (default: ./{DEFAULT_CONFIG})")
        if name == "run":
            command.add_argument(
                "--role", choices=("all", "web", "worker"), default="all",
                help="all: one process does everything (default); web: serve HTTP and record "
                     "messages; worker: process them (run any number, on any machine)")
            command.add_argument("--reload", action="store_true",
                                 help="restart when a flow, knowledge or the config changes "
                                      "(pip install 'omnicanal[reload]')")
        if name == "chat":
            command.add_argument("--user", default="developer", help="who you are to the bot")
            command.add_argument("--locale", default=None, help="e.g. es or en")
            command.add_argument("--attach", action="store_true",
                                 help="talk to the bot running on this config, over its "
                                      "store (link with the browser by /link)")
    evaluation = sub.add_parser("eval", help="measure how well the configured provider "
                                "understands labelled utterances (a YAML file)")
    evaluation.add_argument("file", help="e.g. flows/store_assistant/eval.yaml")
    evaluation.add_argument("-c", "--config", default=None,
                            help=f"configuration file (default: ./{DEFAULT_CONFIG})")
    evaluation.add_argument("--min-accuracy", type=float, default=0.9,
                            help="exit 1 when the intent accuracy is under it (default 0.9)")
    sub.add_parser("hash-password",
                   help="hash an operator password for handoff.operators[].password_hash")
    developer_commands = cli_dev.add_commands(sub)
    args = parser.parse_args(argv)
    try:
        if args.command in developer_commands:
            return developer_commands[args.command](args)
        if args.command == "hash-password":
            return _hash_password(args)
        if args.command == "check":
            return _check(args)
        if args.command == "eval":
            return loop.run(_eval(args))
        if args.command == "run" and args.reload:
            return cli_dev.run_reloading(args, _settings(args.config))
        return loop.run(_run(args) if args.command == "run" else _chat(args))
    except ConfigError as exc:
        print(f"error: {exc.at(_source(args))}", file=sys.stderr)
        return 2
    except BotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
