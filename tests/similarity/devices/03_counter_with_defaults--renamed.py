from collections import Counter

import tensorflow as tf


def count_devices():
    thing = Counter(stuff.device_type for stuff in tf.config.list_physical_devices())
    return {"CPU": thing.get("CPU", 0), "GPU": thing.get("GPU", 0)}


def gpu_available():
    return bool(tf.config.list_physical_devices("GPU"))
