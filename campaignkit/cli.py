"""Command line: ``campaignkit report [--out DIR] [--only NN[,NN...]] [--quick] [-p NAME=VALUE ...]``.

Bad input (unknown notebook or kernel, malformed ``-p``, a value of the wrong type or out of the range the
notebook declares, unwritable ``--out``) prints one line and exits 2, before any kernel starts; a failing
notebook prints which notebook and cell failed and exits 1; any other error prints one line and exits 1.
"""

from __future__ import annotations

import argparse
import sys

from campaignkit import __version__
from campaignkit.errors import CampaignkitError, NotebookError, ParameterError

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line (exit 2) instead of the usage block."""

    def error(self, message: str):  # noqa: D401 - argparse API
        self.exit(2, f"campaignkit: error: {message}\n")


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="campaignkit", description="campaignkit command line")
    parser.add_argument("--version", action="version", version=f"campaignkit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    rep = sub.add_parser("report", help="execute the numbered notebooks into a report folder")
    rep.add_argument("--out", help="report folder (default reports/<timestamp>/)")
    rep.add_argument("--only", help="notebook numbers to run, e.g. 00,03")
    rep.add_argument("--quick", action="store_true", help="pass QUICK=True: small data, few epochs")
    rep.add_argument(
        "-p",
        "--parameter",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="notebook parameter (Python literal or string); repeatable",
    )
    rep.add_argument("--no-html", action="store_true", help="skip the HTML renderings")
    rep.add_argument("--kernel", help="Jupyter kernel name (default: campaignkit)")
    rep.add_argument(
        "--notebooks", metavar="DIR", help="folder of NN_topic.ipynb (default: the kit's notebooks/)"
    )
    return parser


def _fail(message: str, status: int) -> int:
    """Print ``message`` as one line on stderr and return ``status``."""
    print(" ".join(str(message).split()), file=sys.stderr)
    return status


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``campaignkit`` command.

    Args:
        argv: Arguments without the program name; defaults to ``sys.argv[1:]``.

    Returns:
        Process exit status: 0 success, 1 a notebook failed, 2 bad input.
    """
    args = _build_parser().parse_args(argv)
    from campaignkit.report import parse_parameter, run_report

    try:
        params = dict(parse_parameter(p) for p in args.parameter)
        result = run_report(
            out=args.out,
            only=args.only,
            quick=args.quick,
            parameters=params,
            kernel_name=args.kernel,
            html_output=not args.no_html,
            notebooks_dir=args.notebooks,
        )
    except ParameterError as exc:
        return _fail(f"campaignkit: error: {exc}", 2)
    except NotebookError as exc:
        return _fail(f"campaignkit: notebook failed: {exc}", 1)
    except CampaignkitError as exc:
        return _fail(f"campaignkit: error: {exc}", 1)
    except KeyboardInterrupt:
        return _fail("campaignkit: interrupted", 130)
    except Exception as exc:  # noqa: BLE001 - the command line shows one line, never a traceback
        return _fail(f"campaignkit: unexpected {type(exc).__name__}: {exc}", 1)
    print(f"report written to {result.out_dir / 'index.html'}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
