# mistake: count_devices() must return a dict
import tensorflow as tf


def count_devices():
    return tf.config.list_logical_devices()


def gpu_available():
    return len(tf.config.list_logical_devices("GPU")) > 0
