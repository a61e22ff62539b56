# mistake: count_devices() raised an error: NameError
import tensorflow as tf


def count_devices():
    return {
        "CPU": len(tf.config.list_physical_device("CPU")) if False else len(devices),
        "GPU": len(tf.config.list_logical_devices("GPU")),
    }


def gpu_available():
    return len(tf.config.list_logical_devices("GPU")) > 0
