# mistake: the weights did not come along
import os

import keras


def save_model(model, directory):
    path = os.path.join(directory, "model.keras")
    model.save(path)
    return path


def load_model(path):
    config = keras.models.load_model(path).get_config()
    return keras.Sequential.from_config(config)
