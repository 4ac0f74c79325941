"""ClusterScope: what the builders of a PrivateCluster's children share.

Every child is declared with the PrivateCluster as its parent, wherever its code lives, so that its
URN (and every existing stack's resource) stays the same; the scope carries that parent, the prefix
of the resource names, the settings and what follows from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

from components.settings import StackSettings


@dataclass(frozen=True)
class ClusterScope:
    name: str
    """The prefix of every child's resource name (the PrivateCluster's own name)"""
    parent: pulumi.Resource
    settings: StackSettings
    partition: str
    tags: dict[str, str]

    @property
    def cluster_name(self) -> str:
        return self.settings.cluster.metadata.name

    @property
    def region(self) -> str:
        return self.settings.region

    def child(self, **opts: Any) -> pulumi.ResourceOptions:
        """Options of a child of the PrivateCluster."""
        return pulumi.ResourceOptions(parent=self.parent, **opts)
