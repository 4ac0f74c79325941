"""What a check reports: a :class:`Finding` when AWS answered and something is wrong; an
:class:`AwsCheckError` when the check could not run to the end, so nothing is known — AWS being
unreachable, or the credentials missing or refused, is :class:`AwsUnavailable`, not a finding."""

from __future__ import annotations

from dataclasses import dataclass

from automation.errors import EXIT_BAD_INPUT, PrivateEksError


@dataclass(frozen=True)
class Finding:
    """One problem: which check found it, the resource it is about, and what is wrong."""

    check: str
    resource: str
    message: str

    def __str__(self) -> str:
        return f"{self.resource}: {self.message}"


class AwsCheckError(PrivateEksError):
    """The checks could not run to the end; nothing is known about the resources (exit 1)."""


class AwsUnavailable(AwsCheckError):
    """AWS cannot be reached, or the credentials are missing or refused."""


class StackNotDeployed(AwsCheckError):
    """The stack's VPC is not known: no ``vpcId`` output and the settings name no existing VPC (exit 2)."""

    exit_code = EXIT_BAD_INPUT
