# mistake: save_model must return the path of the .keras file; it returned NoneType
import os

import keras


def save_model(model, directory):
    path = os.path.join(directory, "model.keras")
    model.save(path)


def load_model(path):
    return keras.models.load_model(path)
