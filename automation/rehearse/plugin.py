"""Entry point of the three plugins: ``python -m automation.rehearse.plugin aws|eks|kubernetes ENGINE``."""

from __future__ import annotations

import sys


def main() -> None:
    kind = sys.argv.pop(1)
    from automation.rehearse.server import serve

    if kind == "aws":
        from automation.rehearse.aws_double import AwsDouble

        serve(AwsDouble())
    elif kind == "eks":
        from automation.rehearse.eks_double import EksDouble

        serve(EksDouble())
    elif kind == "kubernetes":
        from automation.rehearse.kubernetes_double import KubernetesDouble

        serve(KubernetesDouble())
    else:
        raise SystemExit(f"unknown double {kind!r}")


if __name__ == "__main__":
    main()
