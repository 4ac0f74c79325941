"""``python -m automation`` with the engine test project's stand-in program.

Run as ``python -m tests.engine.standin_cli [private-eks arguments]``: it puts the stand-in
``build`` where the Runner looks for ``components.program.build`` (the same seam as the Runner's
``program=`` argument, which the CLI does not expose) and then runs the ``automation`` package as
``python -m automation`` does, so argument parsing, output and exit codes are the real CLI's.
"""

import runpy

from automation import runner
from tests.engine.project import program

runner._default_program = lambda settings, phase, cidrs: program.build(settings, phase, tuple(cidrs))
runpy.run_module("automation", run_name="__main__", alter_sys=True)
