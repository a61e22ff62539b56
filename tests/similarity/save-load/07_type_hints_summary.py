import os

import keras


def save_model(model: keras.Model, directory: str) -> str:
    path = os.path.join(directory, "model.keras")
    model.save(path)
    return path


def load_model(path: str) -> keras.Model:
    loaded = keras.models.load_model(path)
    loaded.summary()
    return loaded
