# mistake: but TensorFlow sees
# Physical devices: TensorFlow places operations on its logical devices, which the prompt asks for.
import tensorflow as tf


def count_devices():
    return {
        "CPU": len(tf.config.list_physical_devices("CPU")),
        "GPU": len(tf.config.list_physical_devices("GPU")),
    }


def gpu_available():
    return len(tf.config.list_physical_devices("GPU")) > 0
