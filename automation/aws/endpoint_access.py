"""A cluster's API endpoint access as AWS has it: what ``status`` and the runner compare the state
with (the state can be behind AWS after a run killed while EKS applied a change)."""

from __future__ import annotations

from dataclasses import dataclass

import boto3
import botocore.exceptions as bx
from botocore.config import Config

from automation.aws.client import Aws, error_code, translated_errors

# `status` asks on every run: a short answer or none (the state is then all it can say).
QUICK_CONFIG = Config(connect_timeout=5, read_timeout=10, retries={"max_attempts": 2})


@dataclass(frozen=True)
class EndpointAccess:
    """A cluster's API endpoint access as AWS has it (DescribeCluster's resourcesVpcConfig)."""

    public: bool
    private: bool
    public_cidrs: tuple[str, ...]
    status: str


def cluster_endpoint_access(region: str, name: str, *, session: boto3.Session | None = None) -> EndpointAccess | None:
    """The cluster's endpoint access from AWS, None when there is no such cluster. The state can be
    behind AWS (a run killed while EKS applied a change): this is the truth the runner compares it
    with. Raises AwsUnavailable when AWS cannot be asked."""
    aws = Aws(region, session, QUICK_CONFIG)
    with translated_errors(region):
        try:
            cluster = aws.client("eks").describe_cluster(name=name)["cluster"]
        except bx.ClientError as e:
            if error_code(e) == "ResourceNotFoundException":
                return None
            raise
    cfg = cluster.get("resourcesVpcConfig", {})
    public = bool(cfg.get("endpointPublicAccess", True))
    cidrs = tuple(cfg.get("publicAccessCidrs") or (["0.0.0.0/0"] if public else []))
    return EndpointAccess(public, bool(cfg.get("endpointPrivateAccess", not public)), cidrs if public else (),
                          str(cluster.get("status", "")))
