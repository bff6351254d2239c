"""The adoption policy: a team's rules (model), read from TOML (load), applied to reports
(judge), and a starter policy to begin from (starter)."""

from openness.policy.judge import effective, evaluate
from openness.policy.load import find_policy_file, load_policy, resolve_license_id
from openness.policy.model import Policy, PolicyException

__all__ = [
    "Policy",
    "PolicyException",
    "effective",
    "evaluate",
    "find_policy_file",
    "load_policy",
    "resolve_license_id",
]
