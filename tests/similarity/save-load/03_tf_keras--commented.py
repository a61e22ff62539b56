"""My solution for this exercise."""

# here we do the main step
import os

import tensorflow as tf


def save_model(model, directory):
    # TODO check this again
    path = os.path.join(directory, "model.keras")
    model.save(path)
    return path  # ok


def load_model(path):
    # this part was tricky
    return tf.keras.models.load_model(path)  # ok
