"""The ``aws`` provider double: check (auto-names and their limits), diff (replace or update from the
real provider's force-new inputs), create/read/update/delete with AWS's waits, state in moto where
moto models the resource (VPC, subnets, route tables, security groups, endpoints, IAM roles, EKS
clusters), in the rehearsal's world file otherwise."""

from __future__ import annotations

import json
import os
import random
import string
import time
import uuid
from typing import Any

from automation.plan.replacements import FORCE_NEW
from automation.rehearse import readiness, relay_world, world
from automation.rehearse.moto_state import MotoState
from automation.rehearse.rules import AUTO_NAMES, DEFAULT_WAIT, ENDPOINT_ACCESS_UPDATE, RANDOM_CHARS, WAITS
from automation.rehearse.server import UNKNOWN, ProviderError

VERSION = "7.51.1"


def split_urn(urn: str) -> tuple[str, str]:
    """(type, logical name) of a URN: ``urn:pulumi:stack::project::parent$type::name``."""
    parts = urn.split("::")
    return parts[2].rsplit("$", 1)[-1], parts[3]


def auto_name(urn: str, news: dict[str, Any], olds: dict[str, Any], seed: bytes) -> dict[str, Any]:
    """``news`` with the name pulumi-aws would give it, or the limit it breaks, by name."""
    type_, logical = split_urn(urn)
    rule = AUTO_NAMES.get(type_)
    if rule is None:
        return news
    out = dict(news)
    given = out.get(rule.prop)
    if given in (None, "") and out.get(rule.prop + "Prefix"):
        prefix = out[rule.prop + "Prefix"]
        # terraform-provider-aws create.Name: the prefix and 26 characters of a unique id.
        if len(prefix) + 26 > rule.max_length:
            raise ProviderError(f"{logical} ({type_}): {rule.prop}Prefix '{prefix}' plus 26 characters is longer "
                                f"than maximum length {rule.max_length} ({rule.source})")
        if olds.get(rule.prop):
            out[rule.prop] = olds[rule.prop]
        else:  # id.PrefixedUniqueId: the prefix, a timestamp and a counter (26 characters)
            rng = random.Random(seed or logical)
            out[rule.prop] = prefix + "".join(rng.choice(string.digits) for _ in range(26))
        return out
    if given in (None, ""):
        if olds.get(rule.prop):
            out[rule.prop] = olds[rule.prop]  # an existing resource keeps its name
            return out
        rng = random.Random(seed or logical)
        suffix = "".join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(RANDOM_CHARS))
        if len(logical) + 1 + RANDOM_CHARS > rule.max_length:
            raise ProviderError(f"{logical} ({type_}): name '{logical}' plus {RANDOM_CHARS} random chars is longer "
                                f"than maximum length {rule.max_length} ({rule.source})")
        out[rule.prop] = f"{logical}-{suffix}"
    elif isinstance(given, str) and given != UNKNOWN and len(given) > rule.max_length:
        raise ProviderError(f"{logical} ({type_}): {rule.prop} '{given}' is {len(given)} characters, longer than "
                            f"maximum length {rule.max_length} ({rule.source})")
    return out


def _covers(path: str, key: str) -> bool:
    return path == key or path.startswith(key + ".")


def diff(urn: str, old_inputs: dict[str, Any], news: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(replacing keys, changed keys): a key replaces when the real provider marks it force-new."""
    type_, _ = split_urn(urn)
    changed = sorted(k for k in set(old_inputs) | set(news) if old_inputs.get(k) != news.get(k)
                     and not k.startswith("__"))
    rule = FORCE_NEW.get(type_)
    force = rule.replaces if rule else ()
    replaces = [k for k in changed if any(_covers(f, k) or _covers(k, f) for f in force)]
    return replaces, changed


class AwsDouble:
    version = VERSION
    schema = None

    def __init__(self) -> None:
        self.moto = MotoState()

    def configure(self, variables: dict[str, str], args: dict[str, Any]) -> None:
        self.moto.region = args.get("region") or variables.get("aws:config:region") or self.moto.region

    def check(self, urn: str, olds: dict[str, Any], news: dict[str, Any], seed: bytes) -> dict[str, Any]:
        try:
            return auto_name(urn, news, olds, seed)
        except ProviderError as e:
            type_, name = split_urn(urn)
            world.journal(urn=urn, type=type_, name=name, op="check", start=time.time(), end=time.time(),
                          minutes=0.0, error=str(e))
            raise

    def diff(self, urn: str, rid: str, old_inputs: dict[str, Any], olds: dict[str, Any],
             news: dict[str, Any]) -> tuple[list[str], list[str], bool]:
        replaces, changed = diff(urn, old_inputs or olds, news)
        if changed and os.environ.get("PRIVATE_EKS_REHEARSE_DEBUG"):
            base = old_inputs or olds
            world.journal(urn=urn, type="debug", name=split_urn(urn)[1], op="diff", start=0, end=0,
                          changes={k: [base.get(k), news.get(k)] for k in changed})
        return replaces, changed, False

    def _timed(self, urn: str, op: str, minutes: float, fn: Any, detail: dict[str, Any] | None = None) -> Any:
        type_, name = split_urn(urn)
        start = time.time()
        try:
            result = fn()
        except ProviderError as e:
            world.journal(urn=urn, type=type_, name=name, op=op, start=start, end=time.time(), error=str(e))
            raise
        world.wait(minutes)
        world.journal(urn=urn, type=type_, name=name, op=op, start=start, end=time.time(), minutes=minutes,
                      **(detail or {}))
        return result

    def create(self, urn: str, props: dict[str, Any], preview: bool) -> tuple[str, dict[str, Any]]:
        type_, name = split_urn(urn)
        if preview:
            return "", props
        wait = WAITS.get(type_, DEFAULT_WAIT)

        def make() -> tuple[str, dict[str, Any], float]:
            if type_ == relay_world.FUNCTION:
                relay_world.check_function(name, props)
            elif type_ == relay_world.ASSOCIATION:
                relay_world.check_association(name, props)
            rid, outs = self.moto.create(type_, name, props)
            minutes = readiness.check_create(urn, type_, name, outs, wait)
            return rid, outs, minutes

        start = time.time()
        try:
            rid, outs, minutes = make()
        except ProviderError as e:
            failed_after = getattr(e, "minutes", 0.0)
            world.wait(failed_after)
            world.journal(urn=urn, type=type_, name=name, op="create", start=start, end=time.time(),
                          minutes=failed_after, error=str(e))
            raise
        world.wait(minutes)
        world.journal(urn=urn, type=type_, name=name, op="create", start=start, end=time.time(), minutes=minutes,
                      **_detail(type_, outs))
        world.put(urn, {"type": type_, "id": rid, "props": outs, "status": "ACTIVE"})
        return rid, outs

    def read(self, urn: str, rid: str, props: dict[str, Any]) -> dict[str, Any] | None:
        for u, e in world.entries():
            if e["id"] == rid and (u == urn or split_urn(u)[0] == split_urn(urn)[0]):
                return {**e["props"], **props} if props else e["props"]
        return props or None

    def update(self, urn: str, rid: str, olds: dict[str, Any], news: dict[str, Any], preview: bool) -> dict[str, Any]:
        type_, name = split_urn(urn)
        outs = merge_outputs(olds, news)
        if preview:
            return outs
        minutes = DEFAULT_WAIT.minutes
        if type_ == "aws:eks/cluster:Cluster" and olds.get("vpcConfig") != news.get("vpcConfig"):
            minutes = ENDPOINT_ACCESS_UPDATE.minutes
        self._timed(urn, "update", minutes, lambda: self.moto.update(type_, rid, outs), _detail(type_, outs))
        world.put(urn, {"type": type_, "id": rid, "props": outs, "status": "ACTIVE"})
        return outs

    def delete(self, urn: str, rid: str, props: dict[str, Any]) -> None:
        type_, _ = split_urn(urn)
        self._timed(urn, "delete", WAITS.get(type_, DEFAULT_WAIT).minutes / 2, lambda: self.moto.delete(type_, rid))
        world.drop(urn)

    def invoke_token(self, token: str, args: dict[str, Any]) -> dict[str, Any]:
        return self.moto.invoke(token, args)


def merge_outputs(olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
    """The new inputs over the old outputs: what AWS computed (a cluster's security group id inside
    ``vpcConfig``, say) stays unless the inputs set it."""
    out = dict(olds)
    for key, value in news.items():
        old = olds.get(key)
        out[key] = merge_outputs(old, value) if isinstance(old, dict) and isinstance(value, dict) else value
    return out


def _detail(type_: str, props: dict[str, Any]) -> dict[str, Any]:
    """What the timeline needs beyond times: the cluster's public access after the operation."""
    if type_ != "aws:eks/cluster:Cluster" or not props:
        return {}
    return {"public": bool((props.get("vpcConfig") or {}).get("endpointPublicAccess"))}


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:17]}"


def as_json(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)
