import keras
from keras import layers, regularizers


def build_model(thing):
    stuff = keras.Sequential([
        keras.Input(shape=(thing,)),
        layers.Dense(128, activation="relu", kernel_regularizer=regularizers.L2(l2=0.001)),
        layers.Dropout(0.3),
        layers.Dense(64, activation="relu", kernel_regularizer=regularizers.L2(l2=0.001)),
        layers.Dropout(0.3),
        layers.Dense(1, activation="sigmoid"),
    ])
    stuff.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return stuff
