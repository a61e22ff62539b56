# mistake: has no L2 regularisation; the task asks for L2 0.001
import keras
from keras import layers, regularizers


def build_model(n_cols):
    model = keras.Sequential([
        keras.Input(shape=(n_cols,)),
        layers.Dense(128, activation="relu", bias_regularizer=regularizers.l2(0.001)),
        layers.Dropout(0.3),
        layers.Dense(64, activation="relu", bias_regularizer=regularizers.l2(0.001)),
        layers.Dropout(0.3),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model
