# mistake: but TensorFlow sees
def count_devices():
    return {"CPU": 1, "GPU": 0}


def gpu_available():
    return False
