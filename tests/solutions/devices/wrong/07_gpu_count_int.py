# mistake: gpu_available() must return True or False (bool), not int
import tensorflow as tf


def count_devices():
    return {
        "CPU": len(tf.config.list_logical_devices("CPU")),
        "GPU": len(tf.config.list_logical_devices("GPU")),
    }


def gpu_available():
    return len(tf.config.list_logical_devices("GPU"))
