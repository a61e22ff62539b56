import keras
import os




def load_model(path):
    model = keras.models.load_model(path, compile=False)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def save_model(model, directory):
    path = os.path.join(directory, "model.keras")
    model.save(path)
    return path
