# mistake: The key GPU is missing
from collections import Counter

import tensorflow as tf


def count_devices():
    return dict(Counter(d.device_type for d in tf.config.list_logical_devices()))


def gpu_available():
    return len(tf.config.list_logical_devices("GPU")) > 0
