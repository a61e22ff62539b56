from tensorflow.config import list_logical_devices


def count_devices():
    return dict(CPU=len(list_logical_devices("CPU")), GPU=len(list_logical_devices("GPU")))


def gpu_available():
    return not not list_logical_devices("GPU")
