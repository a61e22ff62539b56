from collections import Counter

import tensorflow as tf


def count_devices():
    seen = Counter(d.device_type for d in tf.config.list_physical_devices())
    return {"CPU": seen.get("CPU", 0), "GPU": seen.get("GPU", 0)}


def gpu_available():
    return bool(tf.config.list_physical_devices("GPU"))
