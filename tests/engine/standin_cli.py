"""``python -m automation`` with the engine test project's stand-in program.

Run as ``python -m tests.engine.standin_cli [private-eks arguments]``: it puts the stand-in
``build`` where the Runner looks for ``components.program.build`` (the same seam as the Runner's
``program=`` argument, which the CLI does not expose) and then runs the ``automation`` package as
``python -m automation`` does, so argument parsing, output and exit codes are the real CLI's.
"""

import runpy

from automation import runner
from automation.aws import pending_creates
from tests.engine.project import program

runner._default_program = lambda settings, phase, cidrs: program.build(settings, phase, tuple(cidrs))


def _find_standin(aws, inputs):
    """The stand-ins share one type; the node group's is looked up as the real one is (by cluster
    and node group name: EKS DescribeNodegroup). Others are kept, as an unknown type would be."""
    if {"clusterName", "name", "instanceType"} <= set(inputs):
        return pending_creates.FINDERS["aws:eks/nodeGroup:NodeGroup"](
            aws, {"clusterName": inputs["clusterName"], "nodeGroupName": inputs["name"]})
    raise pending_creates.CannotTell("a stand-in the engine tests do not look up")


pending_creates.FINDERS["pulumi-python:dynamic/standin:Resource"] = _find_standin
runpy.run_module("automation", run_name="__main__", alter_sys=True)
