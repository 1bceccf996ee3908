"""Command line: ``python -m sketchla tour [--full] [--only NAMES] [--quiet]``,
``python -m sketchla --version``."""

import argparse
import sys


def main(argv=None):
    from . import __version__

    parser = argparse.ArgumentParser(prog="python -m sketchla")
    parser.add_argument("--version", action="version", version=f"sketchla {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    tour = sub.add_parser(
        "tour", help="run each capability on a synthetic problem (its measured duration "
                     "is in its first line)",
        description="Each capability on a synthetic problem, checked and timed beside its "
                    "baseline (both measured in this run). Plots go to $SKETCHLA_TOUR_PLOTS "
                    "(default: the current directory).")
    tour.add_argument("--full", action="store_true",
                      help="the larger problems (a few minutes)")
    tour.add_argument("--only", default=None, metavar="NAMES",
                      help="run the sections of these comma-separated names (whole names; "
                           "a name that matches none lists them)")
    tour.add_argument("--quiet", action="store_true",
                      help="the tables and their definitions only: no progress, no notes, "
                           "no warnings")
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
