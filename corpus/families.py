"""Per family and runtime: verdicts, the largest |runtime - Keras| (abs, rel, and over the
output's peak) over the passing cases, and seconds per case, from corpus reports. A
family is an application's family, a keras-hub architecture (backbone and task), or a
guide's model."""

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
    if model.startswith("app_"):
        name = model.removeprefix("app_")
        return next(label for prefix, label in FAMILIES if name.startswith(prefix))
    if model.startswith("hub_"):
        name = model.removeprefix("hub_")
        for suffix in ("_tokenized_task", "_backbone", "_task"):
            name = name.removesuffix(suffix)
        return f"keras-hub {name}"
    return model


for path in sys.argv[1:]:
    cases = json.load(open(path))["cases"]
    table = collections.defaultdict(
        lambda: {
            "v": collections.Counter(),
            "abs": 0.0,
            "rel": 0.0,
            "peak": 0.0,
            "s": [],
            "worst": "",
        }
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
            cell["rel"] = max(cell["rel"], float(c["max_rel"] or 0.0))
            cell["peak"] = max(cell["peak"], float(c.get("max_peak_rel") or 0.0))
    print(
        f"\n{path}\n| family | format | verdicts | max abs (model) | max rel "
        "| of the peak | s per case (median) |\n|---|---|---|---|---|---|---|"
    )
    for (fam, fmt), cell in sorted(table.items()):
        s = sorted(cell["s"])
        print(
            f"| {fam} | {fmt} | {', '.join(f'{k} {n}' for k, n in sorted(cell['v'].items()))} "
            f"| {cell['abs']:.3g} ({cell['worst']}) | {cell['rel']:.3g} | {cell['peak']:.3g} "
            f"| {s[len(s) // 2]:.1f} |"
        )
    for figure in ("abs", "peak"):
        by_format = collections.defaultdict(float)
        for (_family, fmt), cell in table.items():
            by_format[fmt] = max(by_format[fmt], cell[figure])
        print(f"max {figure} per format:", dict(by_format))
