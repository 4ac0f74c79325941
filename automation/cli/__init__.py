"""The `private-eks` command line (also `python -m automation`; the console script is
``automation.cli:main``).

A thin layer: parse arguments, call the library, print. :mod:`~automation.cli.main` is the one
error boundary; :mod:`~automation.cli.parser` the parser and the list of commands;
:mod:`~automation.cli.offline` the commands that neither run Pulumi nor talk to AWS;
:mod:`~automation.cli.stacks` the commands that run the Runner, several stacks at once through
:mod:`~automation.cli.running`; :mod:`~automation.cli.common` what they all read and print.
"""

from automation.cli.common import load_settings, output_error
from automation.cli.main import main
from automation.cli.parser import EXIT_CODES, build_parser
from automation.errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, EXIT_SECURITY, UsageError

__all__ = ["EXIT_BAD_INPUT", "EXIT_CODES", "EXIT_FAILED", "EXIT_OK", "EXIT_SECURITY", "UsageError", "build_parser",
           "load_settings", "main", "output_error"]
