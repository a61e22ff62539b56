# mistake: The number of GPUs must be an integer (int), not float
import tensorflow as tf


def count_devices():
    return {
        "CPU": len(tf.config.list_logical_devices("CPU")),
        "GPU": len(tf.config.list_logical_devices("GPU")) / 1,
    }


def gpu_available():
    return len(tf.config.list_logical_devices("GPU")) > 0
