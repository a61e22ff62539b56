import os

from keras.models import load_model as keras_load


def save_model(model, directory):
    path = os.path.join(directory, "model.keras")
    model.save(path)
    return path


def load_model(path):
    return keras_load(path)
