"""The boto3 side of the checks: one session's clients (region pinned, fail-fast timeouts),
botocore's failures translated into errors a user can act on, and the reads that preflight and the
audit share (VPC, subnets, route tables, endpoints, the region's endpoint services).

The clients follow boto3's standard configuration chain (profiles, ``AWS_REGION``,
``AWS_ENDPOINT_URL``, ``AWS_MAX_ATTEMPTS``, …), so the checks run against whatever endpoint the
user's environment names — moto's server included. They only read; they never change anything.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterable, Iterator, Mapping, Sequence

import boto3
import botocore.exceptions as bx
from botocore.config import Config

from automation.aws.findings import AwsCheckError, AwsUnavailable
from components import catalog
from components.endpoints import ASSOCIATED, cidrs_to_admit

# Fail fast when an endpoint does not answer; retries stay with the user's configuration.
CLIENT_CONFIG = Config(connect_timeout=10, read_timeout=30)

AUTH_ERRORS = frozenset({
    "AuthFailure", "UnrecognizedClientException", "InvalidClientTokenId", "ExpiredToken",
    "ExpiredTokenException", "SignatureDoesNotMatch", "InvalidSignatureException",
    "IncompleteSignature", "MissingAuthenticationToken", "AccessDenied", "AccessDeniedException",
    "UnauthorizedOperation", "OptInRequired",
})


@contextmanager
def translated_errors(region: str) -> Iterator[None]:
    """botocore's failures → AwsUnavailable/AwsCheckError with a message a user can act on."""
    try:
        yield
    except (bx.NoCredentialsError, bx.PartialCredentialsError, bx.CredentialRetrievalError) as e:
        raise AwsUnavailable(f"no usable AWS credentials ({e}); set a profile or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY") from None
    except bx.ProfileNotFound as e:
        raise AwsUnavailable(f"{e}") from None
    except (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ReadTimeoutError, bx.ConnectionClosedError) as e:
        raise AwsUnavailable(f"cannot reach AWS in {region}: {e}") from None
    except bx.ClientError as e:
        err = e.response.get("Error", {})
        code, msg = err.get("Code", "?"), err.get("Message", "")
        op = getattr(e, "operation_name", "?")
        if code in AUTH_ERRORS:
            raise AwsUnavailable(f"AWS refused the credentials or the permission for {op} in {region}: {code}: {msg}") from None
        raise AwsCheckError(f"AWS call {op} failed in {region}: {code}: {msg}") from None
    except bx.BotoCoreError as e:
        raise AwsUnavailable(f"AWS call failed in {region}: {e}") from None


class Aws:
    """The few clients a check needs, from one session, region pinned."""

    def __init__(self, region: str, session: boto3.Session | None, config: Config = CLIENT_CONFIG):
        self.region = region
        self._session = session or boto3.Session(region_name=region)
        self._clients: dict[str, Any] = {}
        self._config = config

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self._session.client(service, region_name=self.region, config=self._config)
        return self._clients[service]

    @property
    def ec2(self) -> Any:
        return self.client("ec2")

    def pages(self, operation: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for page in self.ec2.get_paginator(operation).paginate(**kwargs):
            out.extend(page.get(key, []))
        return out


def error_code(e: bx.ClientError) -> str:
    return e.response.get("Error", {}).get("Code", "")


def short_name(name: str, region: str) -> str:
    """``com.amazonaws.us-west-2.ecr.api`` → ``ecr.api``; short names pass through."""
    marker = f".{region}."
    return name.split(marker, 1)[1] if marker in name else name


def full_name(name: str, region: str) -> str:
    return name if f".{region}." in name else catalog.service_name(name, region)


def endpoint_type(name: str, region: str) -> str:
    svc = catalog.BY_NAME.get(short_name(name, region))
    return svc.type if svc else "Interface"


def describe_vpc(aws: Aws, vpc_id: str) -> dict[str, Any] | None:
    try:
        vpcs = aws.ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
    except bx.ClientError as e:
        if error_code(e) in ("InvalidVpcID.NotFound", "InvalidVpcID.Malformed"):
            return None
        raise
    return vpcs[0] if vpcs else None


def vpc_cidrs(vpc: Mapping[str, Any]) -> list[str]:
    # The rule the endpoints are built by (components/endpoints.py, cidrs_to_admit).
    return cidrs_to_admit(vpc["CidrBlock"], [
        a["CidrBlock"] for a in vpc.get("CidrBlockAssociationSet", [])
        if a.get("CidrBlockState", {}).get("State", ASSOCIATED) == ASSOCIATED])


def describe_route_tables(aws: Aws, vpc_id: str) -> list[dict[str, Any]]:
    return aws.pages("describe_route_tables", "RouteTables", Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])


def explicit_tables(tables: Iterable[Mapping[str, Any]]) -> tuple[dict[str, str], str | None]:
    """subnet id → its explicitly associated route table, and the VPC's main route table."""
    by_subnet: dict[str, str] = {}
    main = None
    for t in tables:
        for a in t.get("Associations", []):
            if a.get("AssociationState", {}).get("State", "associated") != "associated":
                continue
            if a.get("Main"):
                main = t["RouteTableId"]
            elif a.get("SubnetId"):
                by_subnet[a["SubnetId"]] = t["RouteTableId"]
    return by_subnet, main


def describe_subnets(aws: Aws, *, ids: Sequence[str] | None = None, vpc_id: str | None = None) -> list[dict[str, Any]]:
    # A filter rather than SubnetIds: an unknown id then simply does not come back.
    filters = [{"Name": "subnet-id", "Values": list(ids)}] if ids is not None else [{"Name": "vpc-id", "Values": [vpc_id]}]
    if ids is not None and not ids:
        return []
    return aws.pages("describe_subnets", "Subnets", Filters=filters)


def describe_vpc_endpoints(aws: Aws, vpc_id: str) -> list[dict[str, Any]]:
    return aws.pages("describe_vpc_endpoints", "VpcEndpoints", Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])


def offered_services(aws: Aws) -> dict[str, dict[str, set[str]]]:
    """The region's endpoint services: name → endpoint type → availability zones.

    The whole catalog, paged, rather than ServiceNames=[…]: an unknown name there fails the whole
    call instead of coming back missing. A name can come back more than once (S3 is listed as a
    Gateway and as an Interface service): the zones that matter are those of the type we create.
    """
    offered: dict[str, dict[str, set[str]]] = {}
    for page in aws.ec2.get_paginator("describe_vpc_endpoint_services").paginate():
        for d in page.get("ServiceDetails", []):
            by_type = offered.setdefault(d["ServiceName"], {})
            for t in d.get("ServiceType", []):
                by_type.setdefault(t.get("ServiceType", "?"), set()).update(d.get("AvailabilityZones", []))
    return offered
