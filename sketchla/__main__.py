"""Command line: ``python -m sketchla tour [--quick] [--only TEXT] [--quiet]``."""

import argparse
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m sketchla")
    sub = parser.add_subparsers(dest="command", required=True)
    tour = sub.add_parser("tour", help="run each capability on a synthetic problem")
    tour.add_argument("--quick", action="store_true", help="smaller problems")
    tour.add_argument("--only", default=None, help="run sections whose title contains TEXT")
    tour.add_argument("--quiet", action="store_true", help="tables only, no progress")
    args = parser.parse_args(argv)
    if args.command == "tour":
        from ._tour import run_tour

        run_tour(quick=args.quick, verbose=not args.quiet, only=args.only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
