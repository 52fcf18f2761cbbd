"""Per family and runtime: verdicts, the largest |runtime - Keras| (abs, rel) over the
passing cases, and seconds per case, from corpus reports of the applications."""

import collections
import json
import sys

FAMILIES = [
    ("convnext", "ConvNeXt"),
    ("densenet", "DenseNet"),
    ("efficientnetv2", "EfficientNetV2"),
    ("efficientnet", "EfficientNet"),
    ("inception", "Inception"),
    ("mobilenet", "MobileNet"),
    ("nasnet", "NASNet"),
    ("resnet", "ResNet"),
    ("vgg", "VGG"),
    ("xception", "Xception"),
]


def family(model):
    name = model.removeprefix("app_")
    return next(label for prefix, label in FAMILIES if name.startswith(prefix))


for path in sys.argv[1:]:
    cases = json.load(open(path))["cases"]
    table = collections.defaultdict(
        lambda: {"v": collections.Counter(), "abs": 0.0, "rel": 0.0, "s": [], "worst": ""}
    )
    for c in cases:
        cell = table[(family(c["model"]), c["subject"])]
        cell["v"][
            c["verdict"]
            if c["verdict"] != "xfail"
            else "xfail " + ",".join(c["shown"] or c["known_failures"] or ["limitation"])
        ] += 1
        cell["s"].append(c["seconds"])
        if c["verdict"] == "pass" and c["max_abs"] is not None:
            if c["max_abs"] >= cell["abs"]:
                cell["worst"] = c["model"]
            cell["abs"] = max(cell["abs"], c["max_abs"])
            cell["rel"] = max(cell["rel"], c["max_rel"] or 0.0)
    print(
        f"\n{path}\n| family | format | verdicts | max abs (model) | max rel "
        "| s per case (median) |\n|---|---|---|---|---|---|"
    )
    for (fam, fmt), cell in sorted(table.items()):
        s = sorted(cell["s"])
        print(
            f"| {fam} | {fmt} | {', '.join(f'{k} {n}' for k, n in sorted(cell['v'].items()))} "
            f"| {cell['abs']:.3g} ({cell['worst']}) | {cell['rel']:.3g} | {s[len(s) // 2]:.1f} |"
        )
    by_format = collections.defaultdict(float)
    for (_family, fmt), cell in table.items():
        by_format[fmt] = max(by_format[fmt], cell["abs"])
    print("max abs per format:", dict(by_format))
