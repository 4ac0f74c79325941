"""VPC endpoint policies: checking the user's, and the S3 gateway policy limited to what nodes pull.

The rules (AWS PrivateLink guide, "Control access to VPC endpoints using endpoint policies"): an
endpoint policy is an IAM policy document that must contain a Principal element, of at most 20,480
characters including white space; a gateway endpoint's Principal must be ``*`` (principals are then
named with the ``aws:PrincipalArn`` condition key). The document is sent as compact JSON, so the
size checked is the size AWS counts.
"""

from __future__ import annotations

import json
from typing import Any

from components import catalog, iam_policy

ENDPOINT_POLICY_MAX = 20_480


def endpoint_policy_problems(document: Any, loc: tuple[Any, ...], *, gateway: bool) -> list[tuple[tuple[Any, ...], str]]:
    out = iam_policy.check(document, loc, kind="resource", max_size=ENDPOINT_POLICY_MAX,
                           size_quota="a VPC endpoint policy (PrivateLink quotas)")
    if gateway and isinstance(document, dict):
        statements = document.get("Statement")
        for i, st in enumerate(statements if isinstance(statements, list) else [statements]):
            if isinstance(st, dict) and "Principal" in st and st["Principal"] != "*":
                where = loc + (("Statement", i) if isinstance(statements, list) else ("Statement",)) + ("Principal",)
                out.append((where, "must be \"*\" on a gateway endpoint; name principals with the aws:PrincipalArn "
                                   "condition key (PrivateLink guide, 'Principals for gateway endpoints')"))
    return out


def policy_json(document: Any) -> str:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def node_buckets(region: str) -> list[str]:
    """The buckets nodes read without being told: ECR's image layers for the region (ECR User Guide,
    "Amazon ECR interface VPC endpoints", "Create the Amazon S3 gateway endpoint": the minimum policy
    names ``prod-<region>-starport-layer-bucket``), and the Amazon Linux package repositories, which
    a node's user data may install from (AWS Knowledge Center, "How do I update yum or install packages
    without internet access on my EC2 instances that run Amazon Linux": ``amazonlinux.<region>.amazonaws.com``
    and ``amazonlinux-2-repos-<region>`` for AL2, and for AL2023 the ``al2023-repos-<region>-<suffix>``
    bucket, matched with a wildcard because the suffix is AWS's to change)."""
    return [f"prod-{region}-starport-layer-bucket", f"amazonlinux.{region}.amazonaws.com",
            f"amazonlinux-2-repos-{region}", f"al2023-repos-{region}-*"]


def s3_gateway_policy(region: str, buckets: list[str]) -> dict[str, Any]:
    """Reads of the nodes' buckets, and all of S3's actions on the buckets the user names (the
    endpoint limits which buckets; the roles' own policies say what may be done there)."""
    arn = f"arn:{catalog.partition(region)}:s3:::"
    statements: list[dict[str, Any]] = [{
        "Sid": "NodeImagesAndPackages", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": [f"{arn}{b}/*" for b in node_buckets(region)],
    }]
    if buckets:
        statements.append({
            "Sid": "NamedBuckets", "Effect": "Allow", "Principal": "*", "Action": "s3:*",
            "Resource": [r for b in buckets for r in (f"{arn}{b}", f"{arn}{b}/*")],
        })
    return {"Version": "2012-10-17", "Statement": statements}


def endpoint_policies(private_cluster: Any, region: str) -> dict[str, str]:
    """Short service name -> the policy JSON of each created endpoint that gets one."""
    out: dict[str, str] = {}
    for key, document in private_cluster.endpoint_policies.items():
        try:
            out[catalog.resolve(key, region).name] = policy_json(document)
        except ValueError:
            continue  # refused at validate, by path
    if private_cluster.s3_endpoint_buckets is not None:
        out["s3"] = policy_json(s3_gateway_policy(region, list(private_cluster.s3_endpoint_buckets)))
    return out
