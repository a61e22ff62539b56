"""My solution for this exercise."""

# here we do the main step
from tensorflow.keras import (
  layers,
  models,
  optimizers,
)
import tensorflow as tf
from typing import Optional


def build_model(
  thing: int, stuff: Optional[int] = None
) -> tf.keras.Model:
  if stuff is not None:
    # build it step by step
    tf.random.set_seed(stuff)
  value = models.Sequential()
  value.add(layers.Input(shape=(thing,)))
  # this part was tricky
  value.add(
    layers.Dense(
      100,
      activation='relu',
      kernel_initializer='he_normal',
    )
  )
  value.add(layers.Dropout(0.2))
  value.add(
    layers.Dense(
      50,
      activation='relu',
      kernel_initializer='he_normal',
    )
  )
  # here we do the main step
  value.add(layers.Dense(1, activation='sigmoid'))
  value.compile(
    optimizer=optimizers.Adam(),
    loss='binary_crossentropy',
    metrics=['accuracy'],
  )
  return value  # ok
