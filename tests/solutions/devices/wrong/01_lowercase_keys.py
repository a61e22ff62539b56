# mistake: The key CPU, GPU is missing
import tensorflow as tf


def count_devices():
    return {
        "cpu": len(tf.config.list_logical_devices("CPU")),
        "gpu": len(tf.config.list_logical_devices("GPU")),
    }


def gpu_available():
    return len(tf.config.list_logical_devices("GPU")) > 0
