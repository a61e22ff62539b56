import keras
from keras import layers, regularizers

L2 = 0.001
DROPOUT = 0.3


def block(x, units: int):
    x = layers.Dense(units, activation="relu", kernel_regularizer=regularizers.l2(L2))(x)
    return layers.Dropout(DROPOUT)(x)


def build_model(n_cols: int) -> keras.Model:
    inputs = keras.Input(shape=(n_cols,))
    x = block(inputs, 128)
    x = block(x, 64)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.summary()
    return model
