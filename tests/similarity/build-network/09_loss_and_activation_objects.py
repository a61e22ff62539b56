import keras


def build_model(n_cols):
    inputs = keras.layers.Input(shape=(n_cols,))
    hidden = keras.layers.Dense(100, activation=keras.activations.relu)(inputs)
    hidden = keras.layers.Dropout(0.2)(hidden)
    hidden = keras.layers.Dense(50, activation=keras.activations.relu)(hidden)
    output = keras.layers.Dense(1, activation=keras.activations.sigmoid)(hidden)
    model = keras.Model(inputs, output)
    model.compile(
        optimizer=keras.optimizers.Adam(),
        loss=keras.losses.binary_crossentropy,
        metrics=[keras.metrics.BinaryAccuracy(name="accuracy"), "AUC"],
    )
    return model
