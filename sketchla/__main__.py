"""Command line: ``python -m sketchla tour [--full] [--only TEXT] [--quiet]``,
``python -m sketchla --version``."""

import argparse
import sys


def main(argv=None):
    from . import __version__

    parser = argparse.ArgumentParser(prog="python -m sketchla")
    parser.add_argument("--version", action="version", version=f"sketchla {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    tour = sub.add_parser(
        "tour", help="run each capability on a synthetic problem (under a minute)",
        description="Each capability on a synthetic problem, checked and timed beside its "
                    "baseline (both measured in this run). Plots go to $SKETCHLA_TOUR_PLOTS "
                    "(default: the current directory).")
    tour.add_argument("--full", action="store_true",
                      help="the larger problems (several minutes)")
    tour.add_argument("--only", default=None, metavar="TEXT",
                      help="run the sections whose title contains TEXT")
    tour.add_argument("--quiet", action="store_true", help="tables only, no progress")
    args = parser.parse_args(argv)
    if args.command == "tour":
        from ._tour import run_tour

        try:
            run_tour(full=args.full, verbose=not args.quiet, only=args.only)
        except ValueError as exc:
            if args.only is None:
                raise
            tour.error(str(exc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
