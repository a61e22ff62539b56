import os

import keras


def save_model(model, directory):
    path = os.path.join(directory, "model.keras")
    keras.saving.save_model(model, path)
    return path


def load_model(path):
    return keras.saving.load_model(path)
