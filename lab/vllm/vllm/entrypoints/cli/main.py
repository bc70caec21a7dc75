"""The `vllm` command: the same parser layout as vLLM's CLI, so errors read the same.

vLLM parses the whole command line with the top-level parser, so an unknown flag after
`vllm serve MODEL` is reported by it: `vllm: error: unrecognized arguments: --foo` (exit 2),
while a bad value is reported by the subcommand: `vllm serve: error: argument --port: ...`.
"""

import argparse
import sys

from vllm import args as serve_args
from vllm.version import __version__

SUBCOMMANDS = ["chat", "complete", "serve", "bench", "collect-env", "run-batch"]


def build_parser():
    parser = argparse.ArgumentParser(
        prog="vllm", description="vLLM CLI",
        epilog="For full list:            vllm [subcommand] --help=all\n"
               "For a section:            vllm [subcommand] --help=ModelConfig    (case-insensitive)\n"
               "For a flag:               vllm [subcommand] --help=max-model-len  (_ or - accepted)",
        formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False)
    parser.add_argument("-v", "--version", action="version", version=__version__)
    sub = parser.add_subparsers(required=False, dest="subparser")
    for name in SUBCOMMANDS:
        if name == "serve":
            p = sub.add_parser("serve", help="Launch a local OpenAI-compatible API server to serve LLM completions "
                               "via HTTP.", description="Launch a local OpenAI-compatible API server to serve LLM "
                               "completions via HTTP.", usage="vllm serve [model_tag] [options]",
                               allow_abbrev=False)
            serve_args.add_serve_args(p)
        else:
            p = sub.add_parser(name, help=f"vLLM {name} (not part of the lab stand-in).")
            p.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    return parser


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "serve":
        rest = serve_args.normalize_argv(argv[1:])
        if "--config" in rest or any(a.startswith("--config=") for a in rest):
            path = None
            for i, a in enumerate(rest):
                if a == "--config" and i + 1 < len(rest):
                    path = rest[i + 1]
                elif a.startswith("--config="):
                    path = a.split("=", 1)[1]
            if path:
                try:
                    extra = serve_args.config_file_args(path)
                except OSError as e:
                    print(f"usage: vllm serve [model_tag] [options]\nvllm serve: error: {e}", file=sys.stderr)
                    return 2
                model = [rest[0]] if rest and not rest[0].startswith("-") else []
                rest = model + extra + rest[len(model):]
        argv = ["serve"] + rest
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.subparser is None:
        parser.print_help()
        return 0
    if args.subparser != "serve":
        print(f"vllm {args.subparser}: not available in the lab's vLLM stand-in (only `vllm serve` is).",
              file=sys.stderr)
        return 1
    from vllm.entrypoints.serve import serve

    return serve(args)


if __name__ == "__main__":
    sys.exit(main())
