import tensorflow as tf


def count_devices():
    counts = {}
    for kind in ["CPU", "GPU"]:
        try:
            counts[kind] = len(tf.config.list_logical_devices(kind))
        except RuntimeError:
            counts[kind] = 0
    return counts


def gpu_available():
    gpus = count_devices()["GPU"]
    if gpus > 0:
        return True
    return False
