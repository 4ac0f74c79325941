"""`pulumi up -s <stack>`: always the private phase, so a plain `pulumi up` never opens public access.

When the stack needs the Kubernetes API (automation/plain_up.py), Pulumi prints a warning for each
resource that does: without a window those resources are reachable only from inside the VPC.
"""

import pulumi

from automation.plain_up import register
from components.program import build
from components.settings import SettingsError, settings_from_pulumi_config

try:
    settings = settings_from_pulumi_config()
except SettingsError as e:
    # RunError: Pulumi prints the message (every problem with its config path), no traceback.
    raise pulumi.RunError(e.render()) from None
register(settings.cluster.access_config.authentication_mode)
build(settings, "private")
