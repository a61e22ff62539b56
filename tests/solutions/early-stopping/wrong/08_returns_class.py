# mistake: not keras.callbacks.EarlyStopping
import keras


def make_early_stopping():
    return [keras.callbacks.ModelCheckpoint("/tmp/best.keras", monitor="val_loss", save_best_only=True)]


def train(X, y):
    model = keras.Sequential([
        keras.Input(shape=(X.shape[1],)),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model.fit(X, y, validation_split=0.2, epochs=100, callbacks=[make_early_stopping()], verbose=0)
