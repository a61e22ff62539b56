# mistake: No .keras file was saved (files: model.weights.h5)
import os

import keras


def save_model(model, directory):
    path = os.path.join(directory, "model.weights.h5")
    model.save_weights(path)
    return path


def load_model(path):
    return keras.models.load_model(path)
