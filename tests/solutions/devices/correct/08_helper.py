import tensorflow as tf


def _n(kind: str) -> int:
    return len(tf.config.list_logical_devices(device_type=kind))


def count_devices():
    result = dict()
    result["CPU"] = _n("CPU")
    result["GPU"] = _n("GPU")
    return result


def gpu_available():
    return _n("GPU") > 0
