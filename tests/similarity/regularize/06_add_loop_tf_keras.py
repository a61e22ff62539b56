import tensorflow as tf


def build_model(n_cols):
    model = tf.keras.Sequential()
    model.add(tf.keras.Input(shape=(n_cols,)))
    for units in (128, 64):
        model.add(tf.keras.layers.Dense(units, activation="relu", kernel_regularizer=tf.keras.regularizers.l2(0.001)))
        model.add(tf.keras.layers.Dropout(0.3))
    model.add(tf.keras.layers.Dense(1, activation="sigmoid"))
    model.compile(optimizer=tf.keras.optimizers.Adam(), loss="binary_crossentropy", metrics=["accuracy"])
    return model
