"""Refuse early what AWS and Kubernetes refuse late, and keep every input bounded.

Checked on the stack file's ``private-eks:cluster`` document as written (so every problem has its
config path, and runs even when other fields are wrong), by :func:`problems`:

- **names AWS and Kubernetes validate** (:data:`NAME_RULES`): add-on names and versions, identity
  provider names and claims, Kubernetes groups and user names, namespaces, service account
  names, instance types — no newline, NUL byte or 100,000-character value gets to ``up``;
- **IAM policy documents** (:mod:`components.iam_policy`) where the program puts them on a role
  as an inline policy;
- **list lengths** (:data:`QUOTAS`): AWS's own quotas, named in the message; any other list at
  most :data:`MAX_ITEMS` (a bound of this tool, so that a plan stays quick);
- **JSON held in strings** (``configurationValues``): the size and depth limits of the stack
  files themselves (:mod:`components.input_files`).
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterator

import yaml

from components import iam_policy, input_files

Loc = tuple[Any, ...]
Check = Callable[[Any], "str | None"]

MAX_ITEMS = 1_000


def _pattern(regex: str, what: str, max_len: int) -> Check:
    compiled = re.compile(regex)

    def check(value: Any) -> str | None:
        if not isinstance(value, str):
            return None  # the model says what type it must be
        if len(value) > max_len or not compiled.fullmatch(value):
            shown = repr(value) if len(value) <= 80 else repr(value[:77]) + "..."
            return f"{shown} is not {what} (at most {max_len} characters)"
        return None

    return check


def _printable(what: str, max_len: int) -> Check:
    """Free text that reaches an API as one token: no white space or control characters."""
    return _pattern(r"[^\s\x00-\x1f\x7f]+", f"{what}: printable characters without spaces", max_len)


# Kubernetes (kubernetes/apimachinery pkg/util/validation/validation.go): IsDNS1123Label (a
# namespace, 63) and IsDNS1123Subdomain (a ServiceAccount name, 253).
NAMESPACE = _pattern(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", "a Kubernetes namespace (an RFC 1123 label: lower-case "
                     "letters, digits and '-', starting and ending with a letter or digit)", 63)
SERVICE_ACCOUNT = _pattern(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*",
                           "a Kubernetes ServiceAccount name (an RFC 1123 subdomain)", 253)
# RBAC group and user names are free strings to Kubernetes, but they travel in the aws-auth
# ConfigMap's YAML and EKS's access entries: no white space or control characters. EKS reserves
# user name prefixes (CreateAccessEntry, ``username``: "can't start with system:, eks:, aws:,
# amazon:, or iam:").
K8S_GROUP = _printable("a Kubernetes group", 253)
K8S_USER = _printable("a Kubernetes user name", 253)
RESERVED_USER_PREFIXES = ("system:", "eks:", "aws:", "amazon:", "iam:")


def ACCESS_ENTRY_USER(value: Any) -> str | None:  # noqa: N802 (a rule, like the constants beside it)
    if isinstance(value, str) and value.startswith(RESERVED_USER_PREFIXES):
        return f"cannot start with {', '.join(RESERVED_USER_PREFIXES)} (EKS reserves them)"
    return K8S_USER(value)


# EKS add-on names as DescribeAddonVersions lists them (vpc-cni, aws-ebs-csi-driver, and the
# marketplace's vendor_product names); the API's model has no pattern, so this is the shape of
# every name it returns.
ADDON_NAME = _pattern(r"[a-z0-9]([a-z0-9._-]*[a-z0-9])?", "an EKS add-on name (lower-case letters, digits, '-', "
                      "'_' and '.', as DescribeAddonVersions lists them)", 100)
# Add-on versions as DescribeAddonVersions lists them (v1.19.0-eksbuild.1); `latest` is this tool's.
ADDON_VERSION = _pattern(r"latest|v?[0-9]+(\.[0-9]+){1,3}([-+][0-9A-Za-z.-]+)?",
                         "an EKS add-on version (v1.19.0-eksbuild.1, or latest)", 100)
# EKS identity provider configuration names: EKS's own name rule (botocore eks ClusterName pattern).
EKS_NAME = _pattern(r"[0-9A-Za-z][A-Za-z0-9_-]*", "an EKS name (letters, digits, '-' and '_', starting with a "
                    "letter or digit)", 100)
CLAIM = _printable("an OIDC claim name", 256)
PREFIX = _printable("a name prefix", 256)
CLIENT_ID = _printable("an OIDC client ID", 512)
# EC2 instance types (DescribeInstanceTypes: family, generation, options, a dot, the size);
# `mixed` is eksctl's marker for instancesDistribution.
INSTANCE_TYPE = _pattern(r"[a-z0-9-]+\.[a-z0-9]+", "an EC2 instance type (like m5.large)", 64)
INSTANCE_TYPE_OR_MIXED = _pattern(r"mixed|[a-z0-9-]+\.[a-z0-9]+", "an EC2 instance type (like m5.large) or mixed", 64)

NAME_RULES: tuple[tuple[Loc, Check], ...] = (
    (("addons", "*", "name"), ADDON_NAME),
    (("addons", "*", "version"), ADDON_VERSION),
    (("addons", "*", "podIdentityAssociations", "*", "serviceAccount"), SERVICE_ACCOUNT),
    (("identityProviders", "*", "name"), EKS_NAME),
    (("identityProviders", "*", "clientID"), CLIENT_ID),
    (("identityProviders", "*", "usernameClaim"), CLAIM),
    (("identityProviders", "*", "groupsClaim"), CLAIM),
    (("identityProviders", "*", "usernamePrefix"), PREFIX),
    (("identityProviders", "*", "groupsPrefix"), PREFIX),
    (("accessConfig", "accessEntries", "*", "kubernetesGroups", "*"), K8S_GROUP),
    (("accessConfig", "accessEntries", "*", "kubernetesUsername"), ACCESS_ENTRY_USER),
    (("iamIdentityMappings", "*", "groups", "*"), K8S_GROUP),
    (("iamIdentityMappings", "*", "username"), K8S_USER),
    (("iam", "podIdentityAssociations", "*", "namespace"), NAMESPACE),
    (("iam", "podIdentityAssociations", "*", "serviceAccountName"), SERVICE_ACCOUNT),
    (("managedNodeGroups", "*", "instanceType"), INSTANCE_TYPE),
    (("managedNodeGroups", "*", "instanceTypes", "*"), INSTANCE_TYPE),
    (("nodeGroups", "*", "instanceType"), INSTANCE_TYPE_OR_MIXED),
)

# Where the program puts a document on a role as an inline policy (components/iam/service_accounts.py
# role_policies: aws.iam.RolePolicy).
POLICY_DOCUMENTS: tuple[Loc, ...] = (
    ("addons", "*", "attachPolicy"),
    ("iam", "serviceAccounts", "*", "attachPolicy"),
    ("iam", "podIdentityAssociations", "*", "permissionPolicy"),
    ("capabilities", "*", "attachPolicy"),
)

# AWS's default quotas (Amazon EKS User Guide, "View and manage Amazon EKS and Fargate service
# quotas", service-quotas.html; Amazon EC2 Auto Scaling User Guide, "Quotas for Amazon EC2 Auto
# Scaling"): a stack asking for more would fail at `up`, after the window opened.
QUOTAS: tuple[tuple[Loc, int, str], ...] = (
    (("managedNodeGroups",), 30, "EKS quota: managed node groups per cluster"),
    (("fargateProfiles",), 10, "EKS quota: Fargate profiles per cluster"),
    (("fargateProfiles", "*", "selectors"), 5, "EKS quota: selectors per Fargate profile"),
    (("fargateProfiles", "*", "selectors", "*", "labels"), 5, "EKS quota: label pairs per Fargate profile selector"),
    (("vpc", "publicAccessCIDRs"), 40, "EKS quota: public endpoint access CIDR ranges per cluster"),
    (("nodeGroups",), 500, "EC2 Auto Scaling quota: Auto Scaling groups per Region (one per node group)"),
)

# JSON (or YAML) held in a string: the stack files' own limits.
JSON_STRINGS: tuple[Loc, ...] = (("addons", "*", "configurationValues"),)


def _at(node: Any, pattern: Loc, loc: Loc = ()) -> Iterator[tuple[Loc, Any]]:
    """The values at ``pattern`` (``*``: every item of a list or mapping), with their paths."""
    if not pattern:
        yield loc, node
        return
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        if isinstance(node, list):
            for i, item in enumerate(node):
                yield from _at(item, rest, loc + (i,))
        elif isinstance(node, dict):
            for key, item in node.items():
                yield from _at(item, rest, loc + (key,))
    elif isinstance(node, dict) and head in node:
        yield from _at(node[head], rest, loc + (head,))


def _long_lists(data: Any, quota_paths: set[Loc]) -> list[tuple[Loc, str]]:
    out: list[tuple[Loc, str]] = []
    stack: list[tuple[Loc, Any]] = [((), data)]
    while stack:
        loc, node = stack.pop()
        if isinstance(node, list):
            if len(node) > MAX_ITEMS and loc not in quota_paths:
                out.append((loc, f"has {len(node):,} items; private-eks takes at most {MAX_ITEMS:,} in a list"))
                continue
            stack.extend((loc + (i,), v) for i, v in enumerate(node))
        elif isinstance(node, dict):
            stack.extend((loc + (k,), v) for k, v in node.items())
    return out


def json_string_problem(text: str) -> str | None:
    """A string holding JSON/YAML, with the stack files' limits (size, depth, values)."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > input_files.MAX_BYTES:
        return f"is {size:,} bytes; at most {input_files.MAX_BYTES:,} (the stack files' limit)"
    try:
        value = input_files.load_yaml_snippet(text)
    except (yaml.YAMLError, input_files.InputFileError, RecursionError, ValueError) as e:
        return f"cannot be read as JSON: {str(e).splitlines()[0][:200] if str(e) else type(e).__name__}"
    if not input_files.json_depth_ok(value):
        return f"is nested more than {input_files.MAX_DEPTH} levels deep (the stack files' limit)"
    return None


def length_problems(data: Any) -> list[tuple[Loc, str]]:
    """Lists over AWS's quotas or :data:`MAX_ITEMS`: checked first, and alone (thousands of node
    groups are not validated one by one, nor planned)."""
    if not isinstance(data, dict):
        return []
    out: list[tuple[Loc, str]] = []
    quota_paths = set()
    for pattern, limit, quota in QUOTAS:
        for loc, value in _at(data, pattern):
            quota_paths.add(loc)
            if isinstance(value, (list, dict)) and len(value) > limit:
                out.append((loc, f"has {len(value):,} items; {quota} is {limit} by default (raise the quota and "
                                 "split the stack, or use fewer)"))
    return out + _long_lists(data, quota_paths)


def problems(data: Any) -> list[tuple[Loc, str]]:
    """Every other problem of the document at its config path (under ``private-eks:cluster``)."""
    if not isinstance(data, dict):
        return []
    out: list[tuple[Loc, str]] = []
    for pattern, check in NAME_RULES:
        for loc, value in _at(data, pattern):
            message = check(value)
            if message:
                out.append((loc, message))
    for pattern in POLICY_DOCUMENTS:
        for loc, value in _at(data, pattern):
            if value:  # empty: no policy (the models' default)
                out += iam_policy.check(value, loc)
    for pattern in JSON_STRINGS:
        for loc, value in _at(data, pattern):
            if isinstance(value, str):
                message = json_string_problem(value)
                if message:
                    out.append((loc, message))
    return out
