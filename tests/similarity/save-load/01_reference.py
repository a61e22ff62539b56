import os

import keras


def save_model(model, directory):
    path = os.path.join(directory, "model.keras")
    model.save(path)
    return path


def load_model(path):
    return keras.models.load_model(path)
