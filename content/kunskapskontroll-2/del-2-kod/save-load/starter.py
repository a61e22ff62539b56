import os

import keras


def save_model(model, directory):
    path = os.path.join(directory, "model.keras")
    # Save the model here.
    return path


def load_model(path):
    # Load the model here.
    return None
