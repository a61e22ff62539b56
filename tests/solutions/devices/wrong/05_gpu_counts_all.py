# mistake: count_devices() says 1 GPU, but TensorFlow sees 0 here
import tensorflow as tf


def count_devices():
    return {
        "CPU": len(tf.config.list_physical_devices("CPU")),
        "GPU": len(tf.config.list_physical_devices()),
    }


def gpu_available():
    return len(tf.config.list_physical_devices("GPU")) > 0
