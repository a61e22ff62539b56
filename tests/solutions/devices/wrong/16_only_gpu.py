# mistake: The key CPU is missing
import tensorflow as tf


def count_devices():
    return {
        "GPU": len(tf.config.list_logical_devices("GPU")),
    }


def gpu_available():
    return len(tf.config.list_logical_devices("GPU")) > 0
