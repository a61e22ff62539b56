import tensorflow as tf
from tensorflow import keras


def make_early_stopping():
    return tf.keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)


def train(X, y):
    model = keras.Sequential([
        keras.Input(shape=(X.shape[1],)),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model.fit(X, y, validation_split=0.2, epochs=100, callbacks=[make_early_stopping()], verbose=0)
