"""`pulumi up -s <stack>`: always the private phase, so a plain `pulumi up` never opens public access."""

from components.program import build
from components.settings import settings_from_pulumi_config

build(settings_from_pulumi_config(), "private")
