"""Automation for private-eks: the two-pass runner, offline plan, reports, AWS checks and the CLI."""
