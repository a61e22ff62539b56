import tensorflow as tf


def count_devices():
    counts = {"CPU": 0, "GPU": 0}
    for device in tf.config.list_logical_devices():
        if device.device_type in counts:
            counts[device.device_type] += 1
    return counts


def gpu_available():
    return count_devices()["GPU"] > 0
