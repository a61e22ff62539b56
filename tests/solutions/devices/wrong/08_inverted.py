# mistake: gpu_available() = True, but TensorFlow sees no GPU here
import tensorflow as tf


def count_devices():
    return {
        "CPU": len(tf.config.list_logical_devices("CPU")),
        "GPU": len(tf.config.list_logical_devices("GPU")),
    }


def gpu_available():
    return len(tf.config.list_logical_devices("GPU")) == 0
