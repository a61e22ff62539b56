# mistake: the weights did not come along
import os

import keras


def save_model(model, directory):
    path = os.path.join(directory, "model.keras")
    with open(path.replace(".keras", ".json"), "w") as f:
        f.write(model.to_json())
    model.save(path)
    return path


def load_model(path):
    with open(path.replace(".keras", ".json")) as f:
        return keras.models.model_from_json(f.read())
