"""The CLI's one error boundary: :func:`main` parses the arguments, runs the command and turns
what escapes it into a message and an exit code.

Every expected failure is a :class:`~automation.errors.PrivateEksError` carrying its exit code (0
success, 1 the operation failed and nothing is left exposed, 2 bad input, 3 a security problem);
this is the one place that prints it and returns that code. ``--debug`` adds the traceback. An
output failure (a closed pipe, a full disk) is said in one line, a bug in one line with its type.
"""

from __future__ import annotations

import sys
import traceback

from automation.cli.common import output_error
from automation.cli.parser import build_parser
from automation.errors import EXIT_FAILED, PrivateEksError


def _say_last(line: str) -> None:
    """The boundary's last message: stdout may be the closed pipe, so it goes to stderr, and
    stdout is pointed at /dev/null so that the interpreter's final flush cannot fail again."""
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    try:
        print(line, file=sys.stderr, flush=True)
    except OSError:
        pass


def main(argv: list[str] | None = None) -> int:
    """The CLI's one error boundary: a PrivateEksError prints its message and exits with its code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse: 2 for bad arguments, 0 for --help and --version
        return int(e.code or 0)
    try:
        return int(args.run(args))
    except PrivateEksError as e:
        print(e.render(), file=sys.stderr)
        if args.debug:
            traceback.print_exc()
        return e.exit_code
    except KeyboardInterrupt:
        print("private-eks: interrupted", file=sys.stderr)
        return 130
    except OSError as e:
        what = output_error(e)
        _say_last(f"private-eks: error: {what}" if what else f"private-eks: unexpected error (OSError): {e}"
                  + ("" if args.debug else " (--debug shows the traceback)"))
        if args.debug:
            traceback.print_exc()
        return EXIT_FAILED
    except Exception as e:  # a bug: a clean message, the traceback with --debug
        print(f"private-eks: unexpected error ({type(e).__name__}): {e}"
              + ("" if args.debug else " (--debug shows the traceback)"), file=sys.stderr)
        if args.debug:
            traceback.print_exc()
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
