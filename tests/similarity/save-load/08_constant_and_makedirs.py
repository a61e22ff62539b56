import os

import keras


FILENAME = "best_model.keras"


def save_model(model, directory):
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, FILENAME)
    model.save(path)
    return path


def load_model(path):
    return keras.models.load_model(path)
