import keras
from keras import layers

HIDDEN = [(100, 0.2), (50, None)]


def build_model(n_cols: int) -> keras.Model:
    model = keras.Sequential(name="fraga_5")
    model.add(keras.Input(shape=(n_cols,), name="features"))
    for i, (units, dropout) in enumerate(HIDDEN):
        model.add(layers.Dense(units, activation="relu", name=f"hidden_{i}"))
        if dropout:
            model.add(layers.Dropout(dropout, name=f"dropout_{i}"))
    model.add(layers.Dense(1, activation="sigmoid", name="output"))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model
