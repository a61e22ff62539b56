# mistake: returned the very object that was saved
import os

import keras


def save_model(model, directory):
    path = os.path.join(directory, "model.keras")
    model.save(path)
    global _LAST
    _LAST = model
    return path


def load_model(path):
    return _LAST
