from pathlib import Path

import keras


def save_model(model, directory):
    path = Path(directory) / "min_modell.keras"
    model.save(path)
    return str(path)


def load_model(path):
    return keras.models.load_model(path)
