from tensorflow.config import list_physical_devices


def count_devices():
    return dict(CPU=len(list_physical_devices("CPU")), GPU=len(list_physical_devices("GPU")))


def gpu_available():
    return not not list_physical_devices("GPU")
