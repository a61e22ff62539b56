# mistake: The number of CPUs must be an integer (int), not str
import tensorflow as tf


def count_devices():
    return {
        "CPU": str(len(tf.config.list_logical_devices("CPU"))),
        "GPU": len(tf.config.list_logical_devices("GPU")),
    }


def gpu_available():
    return len(tf.config.list_logical_devices("GPU")) > 0
