"""boto3 checks around a deployment, and AWS lookups for the runner: **preflight** before pass 1
(``automation.aws.preflight``), the **audit** after pass 2 (``automation.aws.audit``), a cluster's
endpoint access as AWS has it (``endpoint_access``), and AWS's ids of half-made creates
(``pending_creates``). They share one client and its error translation (``client``), the VPC checks
both run (``vpc_checks``) and what a check reports (``findings``).

The names below load on first use: boto3 is slow to import, and ``automation.aws.pending_creates``
is imported by the runner on every run. The functions ``preflight`` and ``audit`` are imported from
their modules (``from automation.aws.preflight import preflight``): the package attribute of the
same name is the module.
"""

from typing import TYPE_CHECKING

from automation.lazy import lazy_exports

_HOMES = {
    "automation.aws.audit": ["audit_stack", "stack_vpc_id"],
    "automation.aws.endpoint_access": ["EndpointAccess", "cluster_endpoint_access"],
    "automation.aws.findings": ["AwsCheckError", "AwsUnavailable", "Finding", "StackNotDeployed"],
}
__all__, __getattr__ = lazy_exports(__name__, _HOMES)

if TYPE_CHECKING:
    from automation.aws.audit import audit_stack, stack_vpc_id  # noqa: F401
    from automation.aws.endpoint_access import EndpointAccess, cluster_endpoint_access  # noqa: F401
    from automation.aws.findings import AwsCheckError, AwsUnavailable, Finding, StackNotDeployed  # noqa: F401
