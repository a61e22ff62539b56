import os

import keras


def save_model(model, directory):
    path = f"{directory}/model.keras"
    model.save(path, overwrite=True)
    return path


def load_model(path):
    return keras.models.load_model(path)
