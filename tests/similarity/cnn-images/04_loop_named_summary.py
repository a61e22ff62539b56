import keras
from keras import layers


def build_cnn():
    model = keras.Sequential(name="cnn")
    model.add(keras.Input(shape=(28, 28, 1), name="bild"))
    for i, filters in enumerate([16, 32]):
        model.add(layers.Conv2D(filters, kernel_size=(3, 3), activation="relu", name=f"conv_{i}"))
        model.add(layers.MaxPooling2D(pool_size=(2, 2), name=f"pool_{i}"))
    model.add(layers.Flatten(name="platta"))
    model.add(layers.Dense(64, activation="relu", name="dold"))
    model.add(layers.Dense(10, activation="softmax", name="ut"))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.summary()
    return model
