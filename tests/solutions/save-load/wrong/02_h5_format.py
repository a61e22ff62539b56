# mistake: No .keras file was saved
import os

import keras


def save_model(model, directory):
    path = os.path.join(directory, "model.h5")
    model.save(path)
    return path


def load_model(path):
    return keras.models.load_model(path)
