"""One report from a full corpus run and a rerun of some of its models (the rerun's
cases replace the full run's): ``python merge_reports.py FULL RERUN > merged.json``."""

import json
import sys


def key(case: dict) -> tuple:
    return (case["check"], case["model"], case["scenario"], case["subject"])


full, rerun = (json.load(open(path)) for path in sys.argv[1:3])
cases = {key(case): case for case in full["cases"]}
cases.update({key(case): case for case in rerun["cases"]})
json.dump({**full, "cases": list(cases.values())}, sys.stdout, indent=1)
