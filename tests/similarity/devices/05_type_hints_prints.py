import tensorflow as tf

print("TensorFlow", tf.__version__)


def count_devices() -> dict[str, int]:
    cpus = tf.config.list_physical_devices("CPU")
    gpus = tf.config.list_physical_devices("GPU")
    print("CPU:", cpus)
    print("GPU:", gpus)
    return {"CPU": len(cpus), "GPU": len(gpus)}


def gpu_available() -> bool:
    return count_devices()["GPU"] >= 1
