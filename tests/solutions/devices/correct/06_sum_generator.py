import tensorflow as tf


def count_devices():
    devices = tf.config.list_logical_devices()
    return {
        "CPU": sum(1 for d in devices if d.device_type == "CPU"),
        "GPU": sum(1 for d in devices if d.device_type == "GPU"),
    }


def gpu_available():
    return any(d.device_type == "GPU" for d in tf.config.list_logical_devices())
