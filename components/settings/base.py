"""What every settings section shares: the model base, a problem and the error that carries them,
config paths as printed, and the checks of values AWS and Kubernetes restrict (names, tags,
labels, ARNs), with how a value is quoted in a message."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Annotated, Any, Iterable

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from components import input_files
from components.errors import EXIT_BAD_INPUT, PrivateEksError

# aws-sdk-go's arn.Parse, as eksctl uses it: arn:partition:service:region:account:resource.
ARN_RE = re.compile(r"^arn:(?P<partition>aws[a-z-]*):(?P<service>[a-z0-9-]+):(?P<region>[a-z0-9-]*):"
                    r"(?P<account>\d*|aws):(?P<resource>.+)$")
AZ_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+[a-z]$")
# Names as EKS and eksctl allow them: eksctl refuses anything outside [a-zA-Z0-9-]
# (validation.go, IsInvalidNameArg), EKS wants a letter or digit first (CreateCluster and
# CreateNodegroup: ^[0-9A-Za-z][A-Za-z0-9\-_]*), a cluster name up to 100 and a node group name up
# to 63 characters.
NAME_RE = re.compile(r"^[0-9A-Za-z][-a-zA-Z0-9]*$")
CLUSTER_NAME_MAX = 100
NODE_GROUP_NAME_MAX = 63
NAME_RULE = "must start with a letter or digit and contain only letters, digits and '-'"
# Kubernetes (kubernetes/apimachinery pkg/util/validation/validation.go): a label value or the name
# part of a qualified name; a DNS-1123 subdomain as its prefix; a DNS-1123 label for a namespace.
K8S_NAME_RE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$")
K8S_PREFIX_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS_LABEL_RE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
# AWS tags (the EC2 User Guide's "Tag restrictions", for every service's tags): letters, digits,
# spaces and _ . : / = + - @; keys of 1-128 characters not starting with aws:, values up to 256.
_TAG_RE = re.compile(r"^[\w .:/=+\-@]*$")


def _check_tags(tags: dict[str, str]) -> dict[str, str]:
    for key, value in tags.items():
        if not 1 <= len(key) <= 128 or not _TAG_RE.fullmatch(key) or key.lower().startswith("aws:"):
            raise ValueError(f"tag key {key!r}: AWS takes 1-128 letters, digits, spaces and _ . : / = + - @, "
                             "not starting with aws:")
        if len(value) > 256 or not _TAG_RE.fullmatch(value):
            raise ValueError(f"tag {key!r}: its value may have up to 256 letters, digits, spaces and _ . : / = + - @")
    return tags


def is_label_key(key: str) -> bool:
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not K8S_PREFIX_RE.fullmatch(prefix)):
        return False
    return bool(K8S_NAME_RE.fullmatch(name))


def _check_labels(labels: dict[str, str]) -> dict[str, str]:
    for key, value in labels.items():
        if not is_label_key(key):
            raise ValueError(f"label key {key!r} is not a Kubernetes qualified name ([prefix/]name, the name up to 63 "
                             "letters, digits, '-', '_', '.', starting and ending with a letter or digit)")
        if value and not K8S_NAME_RE.fullmatch(value):
            raise ValueError(f"label {key!r}: its value is not a Kubernetes label value (up to 63 letters, digits, "
                             "'-', '_', '.', starting and ending with a letter or digit)")
    return labels


Tags = Annotated[dict[str, str], AfterValidator(_check_tags)]
Labels = Annotated[dict[str, str], AfterValidator(_check_labels)]


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class SettingsError(PrivateEksError):
    """The stack settings are invalid. ``problems`` holds every one of them. A
    :class:`~components.errors.PrivateEksError` with the exit code of bad input (2)."""

    exit_code = EXIT_BAD_INPUT
    summary = "bad settings"

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        n = len(self.problems)
        head = f"{self.source}: {n} problem{'s' if n != 1 else ''} in the stack settings"
        return "\n".join([head] + [f"  {p}" for p in self.problems])


# A key printed as it is: anything else (a newline, a backtick, a NUL, 100,000 characters) is
# quoted and cut, so that a hostile field name stays one short line of validate's output.
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_.:/@+=-]{1,128}")


def format_path(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not _PLAIN_KEY.fullmatch(str(part)):
            text = repr(str(part))
            out += f"[{text if len(text) <= 66 else text[:60] + '...' + text[0]}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def raise_rules(problems: list[tuple[tuple[Any, ...], str]]) -> None:
    """Raise every rule problem of one section at once (validate.py expands them, one problem each)."""
    if problems:
        raise PydanticCustomError("rules", "{count} rule problems", {"count": len(problems), "problems": problems})


class SettingsModel(BaseModel):
    """The base of every settings section: eksctl's camelCase keys, unknown keys refused, frozen."""

    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True, strict=False,
        # A field's docstring is its description: in the JSON Schema and the README's reference.
        use_attribute_docstrings=True,
    )


def check_arn(value: str | None, loc: tuple[Any, ...], problems: list[tuple[tuple[Any, ...], str]], *,
              service: str, resource: str | tuple[str, ...] = ()) -> "re.Match[str] | None":
    """An ARN of ``service`` whose resource starts with one of ``resource``, as eksctl parses ARNs."""
    if value is None:
        return None
    m = ARN_RE.match(value)
    kinds = (resource,) if isinstance(resource, str) else resource
    if m is None:
        problems.append((loc, f"{value!r} is not an ARN (arn:PARTITION:{service}:REGION:ACCOUNT:RESOURCE)"))
    elif m["service"] != service or (kinds and not m["resource"].startswith(tuple(f"{k}/" for k in kinds))):
        what = " or ".join(f"{service} {k}" for k in kinds) if kinds else service
        problems.append((loc, f"{value!r} is not the ARN of a {what}"))
        return None
    return m


def suggest(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    if not close:
        lowered = {o.lower(): o for o in options}
        if word.lower() in lowered:
            close = [lowered[word.lower()]]
    return f" (did you mean {close[0]!r}?)" if close else ""


def brief(value: Any) -> str:
    """A value as quoted in a message: short, whatever its size or depth (a hostile file's value
    may nest thousands deep or have thousands of digits)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"a number of about {int(value.bit_length() * 0.30103) + 1} digits"
    if isinstance(value, (dict, list)) and not input_files.json_depth_ok(value, 8):
        return f"a {type(value).__name__} nested more than 8 deep"
    try:
        text = repr(value)
    except ValueError:  # an integer of over 4,300 digits inside
        return f"a {type(value).__name__} holding a number of too many digits"
    return text if len(text) <= 200 else text[:197] + "..."


def yaml_error_message(e: yaml.YAMLError) -> str:
    """``YAML syntax error at line L, column C: reason`` — where a person looks first."""
    mark = getattr(e, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    return f"YAML syntax error{where}: {getattr(e, 'problem', None) or e}"
