"""Hidden checks for devices (trusted side only).

The truth is what TensorFlow sees in the sandbox child that ran the student's code (reported
by the runner next to the answer), not a number written here: the same item is right on a CPU
worker and on a GPU worker. Before the student's code runs, the sandbox shows TensorFlow a
number of logical CPUs drawn for each job (make_probe), so a count typed in by hand does not
match and only code that asks TensorFlow does. The worker's own GPU visibility (``worker_gpu_count``, read from the
driver without initialising TensorFlow in the worker) is compared with the sandbox's view and
recorded in the feedback, so a GPU node whose sandbox cannot reach its GPU is noticed.
"""

import random

from grader.checks import INTEGER_TYPES, Check, decoded, msg, worker_gpu_count

LOGICAL_CPUS = (2, 3, 4, 5, 6)


def make_probe(variant):
    return {
        "preload": ["tensorflow"],
        "logical_cpus": random.SystemRandom().choice(LOGICAL_CPUS),
        "calls": [
            {"id": "count", "function": "count_devices", "describe": "devices"},
            {"id": "gpu", "function": "gpu_available", "describe": "devices"},
        ],
    }


def _truth(result):
    devices = result.data.get("devices") if isinstance(result.data.get("devices"), list) else []
    counts = {"CPU": 0, "GPU": 0}
    for device in devices:
        kind = device.get("device_type") if isinstance(device, dict) else None
        if kind in counts:
            counts[kind] += 1
    return counts


def grade(report):
    checks = []
    count = report.call("count")
    truth = _truth(count)
    worker_gpus = worker_gpu_count()
    report.feedback["devices"] = {"sandbox": truth, "worker_gpus": worker_gpus,
                                  "consistent": worker_gpus is None or worker_gpus == truth["GPU"]}
    if count.error:
        checks.append(Check("count-devices", False, msg(
            sv=f"count_devices() gav ett fel: {count.error_text('sv')}",
            en=f"count_devices() raised an error: {count.error_text('en')}"), weight=3))
    else:
        kind, value = decoded(count.data.get("value"))
        if kind != "dict" or not isinstance(value, dict):
            checks.append(Check("count-devices", False, msg(
                sv=f"count_devices() ska returnera en dict som {{'CPU': 1, 'GPU': 0}}; den returnerade {kind}.",
                en=f"count_devices() must return a dict like {{'CPU': 1, 'GPU': 0}}; it returned {kind}."), weight=3))
        else:
            missing = [k for k in ("CPU", "GPU") if k not in value]
            checks.append(Check("keys", not missing, msg(
                sv="Nycklarna CPU och GPU finns." if not missing else f"Nyckeln {', '.join(missing)} saknas (nycklarna ska vara exakt \"CPU\" och \"GPU\", även när antalet är 0).",
                en="The keys CPU and GPU are there." if not missing else f"The key {', '.join(missing)} is missing (the keys must be exactly \"CPU\" and \"GPU\", even when the count is 0).")))
            for key in ("CPU", "GPU"):
                if key not in value:
                    continue
                item_type, got = value[key]
                is_int = item_type in INTEGER_TYPES and type(got) is int
                ok = is_int and got == truth[key]
                if ok:
                    text = msg(sv=f"{key}: {got}, rätt.", en=f"{key}: {got}, correct.")
                elif not is_int:
                    text = msg(sv=f"Antalet {key} ska vara ett heltal (int), inte {item_type}.",
                               en=f"The number of {key}s must be an integer (int), not {item_type}.")
                else:
                    text = msg(sv=f"count_devices() säger {got} {key}, men TensorFlow ser {truth[key]} här.",
                               en=f"count_devices() says {got} {key}, but TensorFlow sees {truth[key]} here.")
                checks.append(Check(f"count-{key.lower()}", ok, text))
    gpu = report.call("gpu")
    if gpu.error:
        checks.append(Check("gpu-available", False, msg(
            sv=f"gpu_available() gav ett fel: {gpu.error_text('sv')}",
            en=f"gpu_available() raised an error: {gpu.error_text('en')}")))
    else:
        kind, value = decoded(gpu.data.get("value"))
        expected = _truth(gpu)["GPU"] > 0
        ok = kind == "bool" and value is expected
        checks.append(Check("gpu-available", ok, msg(
            sv=f"gpu_available() = {value}, rätt." if ok else
            (f"gpu_available() ska returnera True eller False (bool), inte {kind}." if kind != "bool" else
             f"gpu_available() = {value}, men TensorFlow ser {'en GPU' if expected else 'ingen GPU'} här."),
            en=f"gpu_available() = {value}, correct." if ok else
            (f"gpu_available() must return True or False (bool), not {kind}." if kind != "bool" else
             f"gpu_available() = {value}, but TensorFlow sees {'a GPU' if expected else 'no GPU'} here."))))
    return checks
