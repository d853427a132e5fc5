"""Rules: the model (model.py), loading rule files (load.py), checking and compiling them
(check.py, conditions.py) and what they compare with (targets.py, profiles/); rule files
are validated like every user input (binlint/inputs.py). Importers use the names below."""
from binlint.rules.load import builtin_rules_dir, load_rules, parse_rule, parsed_rules_module
from binlint.rules.model import PLACEHOLDER, SEVERITIES, Rule, override_severities, select_rules

__all__ = ["PLACEHOLDER", "SEVERITIES", "Rule", "builtin_rules_dir", "load_rules", "override_severities",
           "parse_rule", "parsed_rules_module", "select_rules"]
