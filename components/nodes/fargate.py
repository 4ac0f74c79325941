"""Fargate profiles: pods of the selected namespaces and labels run on Fargate, on the private subnets."""

from __future__ import annotations

from typing import Sequence

import pulumi
import pulumi_aws as aws

from components.scope import ClusterScope
from components.settings import FargateProfile


def fargate_profile(scope: ClusterScope, fp: FargateProfile, pod_role: aws.iam.Role, *,
                    subnets: Sequence[pulumi.Input[str]], opts: pulumi.ResourceOptions) -> pulumi.Resource:
    return aws.eks.FargateProfile(
        f"{scope.name}-{fp.name}",
        cluster_name=scope.cluster_name,
        fargate_profile_name=fp.name,
        pod_execution_role_arn=pod_role.arn,
        subnet_ids=subnets,
        selectors=[aws.eks.FargateProfileSelectorArgs(namespace=s.namespace, labels=dict(s.labels) or None)
                   for s in fp.selectors],
        tags={**scope.tags, **fp.tags} or None,
        opts=opts,
    )
