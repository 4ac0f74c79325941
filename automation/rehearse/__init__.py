"""Rehearsal: the real program on the real Pulumi engine, with the ``aws``, ``eks`` and
``kubernetes`` providers played by doubles that keep the real providers' rules (docs/architecture.md §1, automation/rehearse/)."""
