"""Validation of one stack's settings: every problem at once, as ``PATH: message``, from unknown keys
(with the closest known one), numbers beyond AWS's, input limits, pydantic's errors and the
sections' rules, in a stable order; and the walk over the models that the schema shares."""

from __future__ import annotations

import re
import types
from typing import Any, Mapping, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from components import catalog, eks_versions, endpoint_needs, endpoint_policy, input_rules
from components.settings.base import ARN_RE, AZ_RE, Problem, SettingsError, brief, format_path, suggest
from components.settings.capabilities import ARGOCD_ENDPOINT_SERVICE
from components.settings.cluster import ClusterSettings, StackSettings
from components.settings.defaults import CONFIG_KEY, REGION_KEY, UNSUPPORTED_REGIONS
from components.settings.karpenter import POD_IDENTITY_SINCE, pod_identity_warning, version_tuple
from components.settings.network import subnet_zone, wide_window

# A region name's characters; which regions exist is the catalog's partition table's to say.
_REGION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,49}$")


def model_of(annotation: Any) -> Any:
    """The model class inside ``X | None``, ``list[X]`` or ``dict[str, X]``, with how to step in."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        for arg in get_args(annotation):
            if arg is not type(None):
                return model_of(arg)
        return None, None
    if origin is list:
        return model_of(get_args(annotation)[0])[0], "list"
    if origin is dict:
        return model_of(get_args(annotation)[1])[0], "dict"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, "model"
    return None, None


def _unknown_keys(model: type[BaseModel], data: Any, loc: tuple[Any, ...]) -> list[Problem]:
    """Unknown keys anywhere in the document, each with the closest known key suggested."""
    if not isinstance(data, Mapping):
        return []
    known = {(f.alias or name): f for name, f in model.model_fields.items()}
    problems = []
    for key, value in data.items():
        if key not in known:
            names = list(known)
            problems.append(Problem(format_path(loc + (key,)), f"unknown field{suggest(str(key), names)}"))
            continue
        sub, how = model_of(known[key].annotation)
        if sub is None:
            continue
        if how == "model":
            problems += _unknown_keys(sub, value, loc + (key,))
        elif how == "list" and isinstance(value, list):
            for i, item in enumerate(value):
                problems += _unknown_keys(sub, item, loc + (key, i))
        elif how == "dict" and isinstance(value, Mapping):
            for k, item in value.items():
                problems += _unknown_keys(sub, item, loc + (key, k))
    return problems


# Every whole number in the settings reaches an AWS API ``integer`` (botocore's models, e.g.
# botocore/data/eks/2017-11-01/service-2.json NodegroupScalingConfig): 32 bits, signed.
INT32_MAX = 2**31 - 1


def _oversized_numbers(data: Any) -> list[Problem]:
    """Whole numbers beyond what AWS accepts, anywhere in the document (walked without recursion:
    a hostile document may nest thousands deep)."""
    found: list[Problem] = []
    stack: list[tuple[tuple[Any, ...], Any]] = [((), data)]
    while stack:
        loc, node = stack.pop()
        if isinstance(node, Mapping):
            stack.extend((loc + (k,), v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((loc + (i,), v) for i, v in enumerate(node))
        elif isinstance(node, int) and not isinstance(node, bool) and abs(node) > INT32_MAX:
            found.append(Problem(format_path(loc), f"{brief(node)} is out of range (AWS takes whole numbers up "
                                                   f"to {INT32_MAX:,})"))
    return sorted(found, key=lambda p: p.path)


_TYPE_MESSAGES = {
    "dict_type": "must be a mapping",
    "model_type": "must be a mapping",
    "list_type": "must be a list",
    "string_type": "must be a string",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "missing": "is required",
}


def _problems_from(error: ValidationError) -> list[Problem]:
    problems: list[Problem] = []
    for err in error.errors(include_url=False):
        loc = tuple(err["loc"])
        kind = err["type"]
        if kind == "extra_forbidden":
            continue  # reported with a suggestion by _unknown_keys
        if kind == "rules":
            for sub, msg in err["ctx"]["problems"]:
                problems.append(Problem(format_path(loc + tuple(sub)), msg))
            continue
        msg = _TYPE_MESSAGES.get(kind)
        if msg is None:
            msg = err["msg"].removeprefix("Value error, ")
            if kind == "literal_error":
                msg = f"{brief(err['input'])} is not allowed; expected {err['ctx']['expected']}"
        elif kind not in ("missing",):
            msg = f"{msg}, not {type(err['input']).__name__} {brief(err['input'])}"
        problems.append(Problem(format_path(loc), msg))
    return problems


def _path_key(path: str) -> tuple:
    """A problem's path as a sort key: document fields by name, list items by number."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"[.\[\]]+", path) if p)


def one_per_typo(problems: list[Problem]) -> list[Problem]:
    """A misspelt key is one problem: the unknown key (with its suggestion), not also the field it
    meant as missing. Then a stable order: by path, then message."""
    meant = set()
    for p in problems:
        m = re.search(r"unknown (?:field|key) \(did you mean '([^']+)'\?\)", p.message)
        if m:
            parent = p.path.rsplit(".", 1)[0] if "." in p.path else ""
            meant.add(f"{parent}.{m[1]}" if parent else m[1])
    kept = [p for p in problems if not (p.path in meant and p.message in ("is required", "is missing"))]
    return sorted(kept, key=lambda p: (_path_key(p.path), p.message))


def endpoint_region_problems(cluster: ClusterSettings, region: str) -> list[Problem]:
    """Full service names of another region or partition prefix, and the S3 policy's size, by path."""
    pc = cluster.private_cluster
    out: list[Problem] = []
    for key, names in (("additionalEndpointServices", pc.additional_endpoint_services),
                       ("existingEndpointServices", pc.existing_endpoint_services),
                       ("endpointPolicies", list(pc.endpoint_policies))):
        resolved: dict[str, int | str] = {}
        for i, name in enumerate(names):
            at = f"privateCluster.{key}.{name}" if key == "endpointPolicies" else f"privateCluster.{key}[{i}]"
            if catalog.name_problem(name):
                continue  # said by the model
            try:
                svc = catalog.resolve(name, region)
            except ValueError as e:
                out.append(Problem(at, str(e)))
                continue
            if svc.name in resolved and resolved[svc.name] != name:
                out.append(Problem(at, f"names the same service as {resolved[svc.name]!r}"))
            resolved.setdefault(svc.name, name)
            if key == "additionalEndpointServices" and svc.name in catalog.REQUIRED_NAMES and name != svc.name:
                out.append(Problem(at, f"{name!r} is always created; list only additional services"))
    if pc.existing_endpoint_services and cluster.new_vpc:
        out.append(Problem("privateCluster.existingEndpointServices", "needs an existing VPC (vpc.id or existing "
                                                                       "subnets): a new VPC has no endpoints yet"))
    selection = endpoint_needs.select(cluster, region)
    reused = {s.name for s in selection.expected} if not pc.skip_endpoint_creation else set()
    created = {s.name for s in selection.create}
    for key in pc.endpoint_policies:
        try:
            svc = catalog.resolve(key, region)
        except ValueError:
            continue
        if svc.name in reused and key not in pc.existing_endpoint_services:
            out.append(Problem(f"privateCluster.endpointPolicies.{key}", "names a service in existingEndpointServices: "
                                                                          "its endpoint is not made here"))
        elif svc.name not in reused and svc.name not in created:
            out.append(Problem(f"privateCluster.endpointPolicies.{key}", f"no {svc.name} endpoint is made here: list it "
                                                                          "in additionalEndpointServices"))
    if pc.s3_endpoint_buckets:
        size = len(endpoint_policy.policy_json(endpoint_policy.s3_gateway_policy(region, list(pc.s3_endpoint_buckets))))
        if size > endpoint_policy.ENDPOINT_POLICY_MAX:
            out.append(Problem("privateCluster.s3EndpointBuckets", f"make an S3 endpoint policy of {size:,} characters; "
                               f"AWS allows {endpoint_policy.ENDPOINT_POLICY_MAX:,} (PrivateLink quotas)"))
    return out


def validate_cluster(data: Any, region: Any, *, stack: str, source: str) -> StackSettings:
    """Validate ``private-eks:cluster`` and the region; raise SettingsError with every problem."""
    problems: list[Problem] = []
    warnings: list[str] = []
    if not isinstance(region, str) or not region:
        problems.append(Problem(REGION_KEY, "is required (e.g. us-west-2)"))
        region = ""
    elif not _REGION_RE.fullmatch(region):
        problems.append(Problem(REGION_KEY, f"{brief(region)} is not an AWS region name (e.g. us-west-2)"))
        region = ""
    elif region in UNSUPPORTED_REGIONS:
        problems.append(Problem(REGION_KEY, UNSUPPORTED_REGIONS[region]))
    elif catalog.known_partition(region) is None:
        problems.append(Problem(REGION_KEY, f"{region!r} is not a region of a partition this project knows "
                                            f"({', '.join(catalog.PARTITIONS)}); endpoint service names would be guesses"))
        region = ""  # one problem: the availability zones are not checked against it
    elif eks_versions.aws_regions() and region not in eks_versions.aws_regions():
        problems.append(Problem(REGION_KEY, f"{region!r} is not an AWS region"
                                            f"{suggest(region, sorted(eks_versions.aws_regions()))}"))
        region = ""

    if not isinstance(data, Mapping):
        what = "missing" if data is None else f"a {type(data).__name__}, not a mapping"
        raise SettingsError(source, problems + [Problem(CONFIG_KEY, f"is {what}")])

    problems += _unknown_keys(ClusterSettings, data, ())
    problems += _oversized_numbers(data)
    too_long = [Problem(format_path(loc), message) for loc, message in input_rules.length_problems(dict(data))]
    if too_long:
        raise SettingsError(source, problems + too_long)
    problems += [Problem(format_path(loc), message) for loc, message in input_rules.problems(dict(data))]
    cluster = None
    try:
        cluster = ClusterSettings.model_validate(data)
    except ValidationError as e:
        problems += _problems_from(e)

    if cluster is not None and region:
        for i, az in enumerate(cluster.availability_zones):
            if not az.startswith(region) or not AZ_RE.fullmatch(az):
                problems.append(Problem(f"availabilityZones[{i}]", f"{az!r} is not an availability zone of {region}"))
        for key, s in cluster.private_subnets.items():
            zone = subnet_zone(key, s)
            if zone and (not zone.startswith(region) or not AZ_RE.fullmatch(zone)):
                problems.append(Problem(f"vpc.subnets.private.{key}", f"{zone!r} is not an availability zone of {region}"))
    if cluster is not None and region and cluster.secrets_encryption is not None:
        # EKS: the key must be in the cluster's region (EncryptionConfig, Provider.keyArn).
        m = ARN_RE.match(cluster.secrets_encryption.key_arn)
        if m and m["region"] != region:
            problems.append(Problem("secretsEncryption.keyARN", f"the key is in {m['region'] or 'no region'}; "
                                                                f"EKS needs a key in the cluster's region {region}"))
    if cluster is not None and region:
        # ECR user guide, "Creating a pull through cache rule": the secret is in the rule's region.
        for i, rule in enumerate(cluster.private_cluster.pull_through_cache):
            m = ARN_RE.match(rule.credential_arn or "")
            if m and m["region"] != region:
                problems.append(Problem(f"privateCluster.pullThroughCache[{i}].credentialARN",
                                        f"the secret is in {m['region'] or 'no region'}; ECR needs it in the "
                                        f"rule's region {region}"))
        problems += endpoint_region_problems(cluster, region)
        warnings += endpoint_needs.endpoint_warnings(cluster, region)
    if cluster is not None:
        wide = wide_window(cluster.vpc.public_access_cidrs)
        if wide:
            warnings.append(f"vpc.publicAccessCIDRs: {wide}")
        for i, cap in enumerate(cluster.capabilities):
            # EKS ArgoCdNetworkAccessConfigRequest: without VPC endpoint ids the Argo CD server EKS runs
            # for the capability is public (users sign in through IAM Identity Center).
            if cap.argocd is not None and not (cap.argocd.network_access and cap.argocd.network_access.vpce_ids):
                warnings.append(
                    f"capabilities[{i}].configuration.argocd.networkAccess.vpceIds: not set, so the Argo CD server of "
                    f"{cap.name!r} is reachable from the internet; to keep it inside the VPC, create an interface "
                    f"endpoint for com.amazonaws.{region or '<region>'}.{ARGOCD_ENDPOINT_SERVICE} and list its id here")

        if cluster.karpenter is not None and version_tuple(cluster.karpenter.version) < POD_IDENTITY_SINCE:
            warnings.append(pod_identity_warning(cluster.karpenter.version))

    problems = one_per_typo(list(dict.fromkeys(problems)))
    if problems or cluster is None:
        raise SettingsError(source, problems)
    return StackSettings(stack=stack, region=region, cluster=cluster, source=source, warnings=tuple(warnings))


def field_paths(model: type[BaseModel] = ClusterSettings, prefix: str = "") -> list[str]:
    """Every settings path the models accept, e.g. ``nodeGroups[].privateNetworking``."""
    paths = []
    for name, f in model.model_fields.items():
        path = f"{prefix}{f.alias or name}"
        paths.append(path)
        sub, how = model_of(f.annotation)
        if sub is not None:
            step = {"model": ".", "list": "[].", "dict": ".<name>."}[how]
            paths += field_paths(sub, path + step)
    return paths
