"""IAM policy documents checked against the grammar IAM accepts, before anything is created.

IAM refuses a bad document only when the role's policy is put (``MalformedPolicyDocument``,
``LimitExceeded``), which for private-eks is after the bootstrap window opened. The rules, from
the IAM User Guide's "IAM JSON policy element reference" and "Grammar of the IAM JSON policy
language" (docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html):

- top level: ``Version`` (``2012-10-17`` or ``2008-10-17``), ``Id``, ``Statement`` (required);
- ``Statement``: one statement object or a non-empty list of them;
- a statement: ``Effect`` ``Allow``/``Deny``; exactly one of ``Action``/``NotAction``; in an
  identity policy exactly one of ``Resource``/``NotResource`` and no ``Principal``; in a trust
  policy a ``Principal`` or ``NotPrincipal``; ``Sid`` of ASCII letters and digits, unique;
  ``Condition`` a map of operator to a map of key to a value or a list of values;
- an action is ``*`` or ``service:action`` (the vendor prefix is required); a resource ``*`` or
  an ARN.

Sizes (IAM User Guide, "IAM and AWS STS quotas", reference_iam-quotas.html; white space not
counted): managed policy 6,144 characters, a role's inline policies together 10,240, a role trust
policy 2,048 by default.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

Loc = tuple[Any, ...]
Kind = Literal["identity", "trust", "resource"]

VERSIONS = ("2012-10-17", "2008-10-17")
MANAGED_POLICY_MAX = 6_144
INLINE_ROLE_POLICIES_MAX = 10_240
TRUST_POLICY_MAX = 2_048

_TOP = {"Version", "Id", "Statement"}
_STATEMENT = {"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource",
              "Condition"}
_SID = re.compile(r"[A-Za-z0-9]*")
_ACTION = re.compile(r"\*|[A-Za-z0-9-]+:[A-Za-z0-9*?_-]*")
_PRINCIPAL_KEYS = {"AWS", "Service", "Federated", "CanonicalUser"}
# The condition operators (reference_policies_elements_condition_operators.html); each may end in
# IfExists (but Null) and be prefixed with ForAllValues: / ForAnyValue:.
_OPERATORS = {
    "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike",
    "StringNotLike", "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals",
    "NumericGreaterThan", "NumericGreaterThanEquals", "DateEquals", "DateNotEquals", "DateLessThan",
    "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals", "Bool", "BinaryEquals", "IpAddress",
    "NotIpAddress", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike",
}


def policy_size(document: Any) -> int:
    """The size IAM counts: the JSON text without white space outside strings."""
    return len(json.dumps(document, separators=(",", ":"), ensure_ascii=False))


def _strings(value: Any) -> list[Any] | None:
    items = value if isinstance(value, list) else [value]
    return items if items and all(isinstance(v, str) and v for v in items) else None


def _operator_ok(op: str) -> bool:
    for prefix in ("ForAllValues:", "ForAnyValue:"):
        op = op.removeprefix(prefix)
    if op == "Null":
        return True
    return op.removesuffix("IfExists") in _OPERATORS


def _condition(value: Any, loc: Loc) -> list[tuple[Loc, str]]:
    if not isinstance(value, dict) or not value:
        return [(loc, "must be a map of condition operators (StringEquals, ArnLike, ...) to maps of keys and values")]
    out = []
    for op, block in value.items():
        if not isinstance(op, str) or not _operator_ok(op):
            out.append((loc + (op,), "is not an IAM condition operator (StringEquals, StringLike, ArnLike, Bool, "
                                     "IpAddress, ... with IfExists / ForAllValues: / ForAnyValue: as IAM allows)"))
            continue
        if not isinstance(block, dict) or not block:
            out.append((loc + (op,), "must be a map of condition keys to a value or a list of values"))
            continue
        for key, v in block.items():
            items = v if isinstance(v, list) else [v]
            if not items or not all(isinstance(x, (str, bool, int, float)) for x in items):
                out.append((loc + (op, key), "must be a value (text, number, true/false) or a list of them"))
    return out


def _principal(value: Any, loc: Loc) -> list[tuple[Loc, str]]:
    if value == "*":
        return []
    if not isinstance(value, dict) or not value or not set(value) <= _PRINCIPAL_KEYS:
        return [(loc, f"must be \"*\" or a map of {', '.join(sorted(_PRINCIPAL_KEYS))} to principals")]
    return [(loc + (k,), "must be a principal or a list of them") for k, v in value.items() if _strings(v) is None]


def _statement(st: Any, loc: Loc, kind: Kind) -> list[tuple[Loc, str]]:
    if not isinstance(st, dict):
        return [(loc, "must be a statement (a map with Effect, Action, ...)")]
    out = [(loc + (k,), f"is not an element of an IAM policy statement ({', '.join(sorted(_STATEMENT))})")
           for k in st if k not in _STATEMENT]
    if st.get("Effect") not in ("Allow", "Deny"):
        out.append((loc + ("Effect",), "must be Allow or Deny"))
    sid = st.get("Sid")
    if sid is not None and not (isinstance(sid, str) and _SID.fullmatch(sid)):
        out.append((loc + ("Sid",), "must be ASCII letters and digits (IAM takes no other Sid)"))
    actions = [k for k in ("Action", "NotAction") if k in st]
    if len(actions) != 1:
        out.append((loc, "needs exactly one of Action and NotAction"))
    for k in actions:
        items = _strings(st[k])
        if items is None:
            out.append((loc + (k,), "must be an action or a non-empty list of actions"))
        elif bad := [a for a in items if not _ACTION.fullmatch(a)]:
            out.append((loc + (k,), f"{bad[0][:80]!r} is not an action (service:Action, with * and ? as wildcards, "
                                    "or *)"))
    resources = [k for k in ("Resource", "NotResource") if k in st]
    principals = [k for k in ("Principal", "NotPrincipal") if k in st]
    if kind == "identity":
        if len(resources) != 1:
            out.append((loc, "needs exactly one of Resource and NotResource (an identity policy)"))
        out += [(loc + (k,), "cannot be in a policy attached to a role (only in a trust or resource policy)")
                for k in principals]
    elif kind == "resource":
        # A resource policy names its principal and may name resources (a VPC endpoint policy "must
        # contain a Principal element": PrivateLink guide, "Control access to VPC endpoints").
        if len(principals) != 1:
            out.append((loc, "needs exactly one of Principal and NotPrincipal (a resource policy)"))
        if len(resources) > 1:
            out.append((loc, "takes at most one of Resource and NotResource"))
        out += [e for k in principals for e in _principal(st[k], loc + (k,))]
    else:
        if len(principals) != 1:
            out.append((loc, "needs exactly one of Principal and NotPrincipal (a trust policy)"))
        out += [(loc + (k,), "cannot be in a trust policy") for k in resources]
        out += [e for k in principals for e in _principal(st[k], loc + (k,))]
    for k in resources:
        items = _strings(st[k])
        if items is None:
            out.append((loc + (k,), "must be an ARN or a non-empty list of ARNs"))
        elif bad := [r for r in items if r != "*" and not (r.startswith("arn:") and r.count(":") >= 5)]:
            out.append((loc + (k,), f"{bad[0][:80]!r} is not an ARN (arn:partition:service:region:account:resource) "
                                    "or *"))
    if "Condition" in st:
        out += _condition(st["Condition"], loc + ("Condition",))
    return out


def check(document: Any, loc: Loc, *, kind: Kind = "identity", max_size: int = INLINE_ROLE_POLICIES_MAX,
          size_quota: str = "a role's inline policies together") -> list[tuple[Loc, str]]:
    """The problems of one policy document, each at its path under ``loc``."""
    if not isinstance(document, dict):
        return [(loc, "must be an IAM policy document (a map with Version and Statement)")]
    out = [(loc + (k,), "is not an element of an IAM policy document (Version, Id, Statement)")
           for k in document if k not in _TOP]
    version = document.get("Version")
    if version is not None and version not in VERSIONS:
        out.append((loc + ("Version",), f"must be {' or '.join(VERSIONS)} (IAM takes no other version)"))
    statements = document.get("Statement")
    if statements is None:
        return out + [(loc, "must be an IAM policy document (with Statement)")]
    if isinstance(statements, list):
        if not statements:
            out.append((loc + ("Statement",), "must hold at least one statement"))
        for i, st in enumerate(statements):
            out += _statement(st, loc + ("Statement", i), kind)
        sids = [st.get("Sid") for st in statements if isinstance(st, dict) and st.get("Sid")]
        if len(sids) != len(set(sids)):
            out.append((loc + ("Statement",), "holds the same Sid twice (IAM needs each Sid unique in a policy)"))
    else:
        out += _statement(statements, loc + ("Statement",), kind)
    size = policy_size(document)
    if size > max_size:
        out.append((loc, f"is {size:,} characters without white space; IAM allows {max_size:,} for {size_quota} "
                         "(IAM and AWS STS quotas)"))
    return out
