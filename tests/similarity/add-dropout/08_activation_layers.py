import keras
from keras import layers


def build_model(n_cols):
    model = keras.Sequential([
        keras.Input(shape=(n_cols,)),
        layers.Dense(128),
        layers.ReLU(),
        layers.Dropout(0.3),
        layers.Dense(64),
        layers.Activation("relu"),
        layers.Dropout(0.3),
        layers.Dense(1),
        layers.Activation("sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model
