"""`pulumi up -s <stack>`: always the private phase, so a plain `pulumi up` never opens public access."""

import pulumi

from components.program import build
from components.settings import SettingsError, settings_from_pulumi_config

try:
    settings = settings_from_pulumi_config()
except SettingsError as e:
    # RunError: Pulumi prints the message (every problem with its config path), no traceback.
    raise pulumi.RunError(e.render()) from None
build(settings, "private")
