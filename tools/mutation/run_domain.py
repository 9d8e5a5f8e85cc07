"""run_tests.py for the domain (docs/development.md, "Mutation testing of the domain"): the same
harness with the domain's import-time functions and its test modules to try first.

Usage, from the scratch copy of the repository: run_domain.py <out.json> <names-file> -- <pytest args>
(the two files are taken relative to mutants/, where run_tests.py changes directory)."""

import run_tests

run_tests.IMPORT_TIME = {
    "casebook.domain.rules.framework.x_rules_of",
    "casebook.domain.rules.framework.x_rule",
    "casebook.domain.rules.ordinance.x__judgement",
}
run_tests.FIRST = {
    "payments": ["tests/test_payments.py", "tests/test_finance.py"],
    "finance": ["tests/test_finance.py", "tests/test_payments.py"],
    "rules": ["tests/test_rules.py", "tests/test_follow_up_rules.py", "tests/test_rule_five_clause.py"],
}

if __name__ == "__main__":
    run_tests.main()
