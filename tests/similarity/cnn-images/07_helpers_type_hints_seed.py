import keras
from keras import layers

keras.utils.set_random_seed(123)


def conv_block(filters: int) -> list[layers.Layer]:
    return [layers.Conv2D(filters, (3, 3), activation="relu"), layers.MaxPooling2D((2, 2))]


def build_cnn() -> keras.Model:
    model = keras.Sequential([keras.Input((28, 28, 1)), *conv_block(16), *conv_block(32), layers.Flatten(),
                              layers.Dense(64, activation="relu"), layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    print("parametrar:", model.count_params())
    return model
