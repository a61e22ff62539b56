import os

import tensorflow as tf


def save_model(thing, stuff):
    value = os.path.join(stuff, "model.keras")
    thing.save(value)
    return value


def load_model(value):
    return tf.keras.models.load_model(value)
