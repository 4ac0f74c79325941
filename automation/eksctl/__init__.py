"""The eksctl import (``private-eks import-eksctl``): an eksctl ClusterConfig becomes a stack file.

importer.py holds the sequence; spec.py what each eksctl path becomes (derived from the settings
models, plus overrides); walk.py the generic walk; handlers.py the fields translated or noted;
fixups.py the rules over several fields; reasons.py why fields are dropped; render.py the YAML text;
results.py what an import returns and raises.
"""

from automation.eksctl.fixups import EKSCTL_DEFAULT_AUTHENTICATION_MODE, EKSCTL_DEFAULT_VERSION
from automation.eksctl.importer import API_VERSION, KIND, import_cluster_config
from automation.eksctl.reasons import documented_reason
from automation.eksctl.results import (
    Dropped,
    EksctlImportError,
    ImportInvalid,
    ImportRefused,
    ImportResult,
    NotAClusterConfig,
    Note,
)
from automation.eksctl.spec import SPEC, carried_paths, config_paths
from components.settings import STACK_NAME_RE

__all__ = [
    "API_VERSION", "EKSCTL_DEFAULT_AUTHENTICATION_MODE", "EKSCTL_DEFAULT_VERSION", "KIND", "SPEC", "STACK_NAME_RE",
    "Dropped", "EksctlImportError", "ImportInvalid", "ImportRefused", "ImportResult", "NotAClusterConfig", "Note",
    "carried_paths", "config_paths", "documented_reason", "import_cluster_config",
]
