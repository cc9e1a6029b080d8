"""River's side of bench/learn (run by run.ts inside a venv under .sluice/bench; never by the product).

  python river_side.py dump  OUT.json   data sets (features in River's order, label), River's progressive
                                        metrics and its predict_one/learn_one throughput
  python river_side.py score IN.json    scores Sluice's predictions with the same River metrics
  python river_side.py speed SECONDS    River's predict_one/learn_one throughput per data set (rows/s, CPU µs/row), JSON

Models, as River's documentation writes them, with the hyper-parameters Sluice's job gets too:
  Phishing       StandardScaler | LogisticRegression()                 (SGD lr 0.01, intercept_lr 0.01, l2 0)
  TrumpApproval  StandardScaler | LinearRegression(intercept_lr=0.1)   (SGD lr 0.01, l2 0)
"""

import json
import sys
import time

from river import datasets, linear_model, metrics, preprocessing

SETS = {
    "phishing": {
        "dataset": datasets.Phishing,
        "model": lambda: preprocessing.StandardScaler() | linear_model.LogisticRegression(),
        "params": {"eta0": 0.01, "interceptLr": 0.01, "standardize": True},
        "kind": "classification",
    },
    "trump_approval": {
        "dataset": datasets.TrumpApproval,
        "model": lambda: preprocessing.StandardScaler() | linear_model.LinearRegression(intercept_lr=0.1),
        "params": {"eta0": 0.01, "interceptLr": 0.1, "standardize": True},
        "kind": "regression",
    },
}


def new_metrics(kind):
    if kind == "classification":
        return {"accuracy": metrics.Accuracy(), "roc_auc": metrics.ROCAUC()}
    return {"mae": metrics.MAE()}


def update(ms, kind, y, prediction):
    if kind == "classification":
        proba = {True: prediction, False: 1.0 - prediction}
        ms["accuracy"].update(y, prediction > 0.5)
        ms["roc_auc"].update(y, proba)
    else:
        ms["mae"].update(y, prediction)


def river_run(entry, rows):
    """Progressive validation (predict, then learn) over the rows; the metrics and the predictions."""
    model = entry["model"]()
    ms = new_metrics(entry["kind"])
    predictions = []
    for x, y in rows:
        if entry["kind"] == "classification":
            p = model.predict_proba_one(x).get(True, 0.0)
        else:
            p = model.predict_one(x)
        predictions.append(p)
        update(ms, entry["kind"], y, p)
        model.learn_one(x, y)
    return {k: m.get() for k, m in ms.items()}, predictions


def throughput(entry, rows, seconds=3.0):
    """River's predict_one/learn_one loop (fresh models, repeated for `seconds`): rows per second of
    wall-clock time, and CPU microseconds per row (this process's CPU time: the machine is shared)."""
    done = 0
    start, cpu_start = time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        model = entry["model"]()
        for x, y in rows:
            if entry["kind"] == "classification":
                model.predict_proba_one(x)
            else:
                model.predict_one(x)
            model.learn_one(x, y)
        done += len(rows)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    return {"rowsPerSecond": done / wall, "cpuMicros": 1e6 * cpu / done}


def dump(path):
    out = {}
    for name, entry in SETS.items():
        rows = list(entry["dataset"]())
        features = list(rows[0][0].keys())
        score, predictions = river_run(entry, rows)
        out[name] = {
            "kind": entry["kind"],
            "params": entry["params"],
            "features": features,
            "rows": [[[float(x[f]) for f in features], float(y)] for x, y in rows],
            "river": {"metrics": score, "predictions": predictions},
        }
    with open(path, "w") as f:
        json.dump(out, f)


def score(path):
    with open(path) as f:
        data = json.load(f)
    result = {}
    for name, run in data.items():
        ms = new_metrics(run["kind"])
        for y, p in zip(run["labels"], run["predictions"]):
            if p is not None:
                update(ms, run["kind"], bool(y) if run["kind"] == "classification" else y, p)
        result[name] = {k: m.get() for k, m in ms.items()}
    json.dump(result, sys.stdout)


def speed(seconds):
    result = {}
    for name, entry in SETS.items():
        result[name] = throughput(entry, list(entry["dataset"]()), float(seconds))
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    {"dump": dump, "score": score, "speed": speed}[sys.argv[1]](sys.argv[2])
