import tensorflow as tf


def count_devices():
    return {kind: len(tf.config.experimental.list_physical_devices(kind)) for kind in ("CPU", "GPU")}


def gpu_available():
    gpus = tf.config.experimental.list_physical_devices("GPU")
    return len(gpus) != 0
