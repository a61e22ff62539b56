import numpy as np
import tensorflow as tf


def count_devices():
    types = np.array([d.device_type for d in tf.config.list_physical_devices()] + ["none"])
    return {"CPU": np.sum(types == "CPU"), "GPU": np.sum(types == "GPU")}


def gpu_available():
    return True if tf.config.list_physical_devices("GPU") else False
