# mistake: GPU, but TensorFlow sees 0 here
import tensorflow as tf


def count_devices():
    return {
        "CPU": len(tf.config.list_logical_devices("CPU")),
        "GPU": len(tf.config.list_logical_devices()),
    }


def gpu_available():
    return len(tf.config.list_logical_devices("GPU")) > 0
