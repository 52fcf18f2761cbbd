"""From corpus reports (gzip'd JSON): per runtime, the verdicts and the passing cases
nearest their row, by |difference| over the output's peak (what ``peak_rtol`` bounds)
and by |difference| over the row's atol.

    python3 peaks.py guides-hub-3.15.1.json.gz [...]
"""

import collections
import gzip
import json
import sys

ATOL = {"onnx": 3e-5, "litert": 1.4e-3, "openvino": 1.1e-3}
"""The rows' atol (keras_gate/engine/formats/deployment.py); peak_rtol is 6e-6 for each."""

for path in sys.argv[1:]:
    cases = json.load(gzip.open(path))["cases"]
    print(f"\n{path}: {len(cases)} cases")
    print(dict(collections.Counter((c["subject"], c["verdict"]) for c in cases)))
    for fmt, atol in ATOL.items():
        passes = [c for c in cases if c["subject"] == fmt and c["verdict"] == "pass"]
        if not passes:
            continue
        by_peak = sorted(passes, key=lambda c: -float(c.get("max_peak_rel") or 0.0))
        worst = max(passes, key=lambda c: c["max_abs"])
        print(
            f"{fmt}: {len(passes)} passes; largest abs {worst['max_abs']:.3g} "
            f"({worst['model']}, {worst['max_abs'] / atol:.2g} of atol {atol:g})"
        )
        for c in by_peak[:3]:
            rel = float(c.get("max_peak_rel") or 0.0)
            peak = c["max_abs"] / rel if rel else 0.0
            print(f"  of the peak {rel:.3g}: {c['model']}", end=" ")
            print(f"(abs {c['max_abs']:.3g}, peak {peak:.3g})")
