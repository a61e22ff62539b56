# mistake: save_model must return the path of the .keras file
import os

import keras


def save_model(model, directory):
    model.save(os.path.join(directory, "model.keras"))
    return directory


def load_model(path):
    return keras.models.load_model(os.path.join(path, "model.keras"))
