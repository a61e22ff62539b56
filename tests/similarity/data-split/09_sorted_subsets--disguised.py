"""My solution for this exercise."""

# here we do the main step
import numpy as np


def split_data(thing, stuff, value):
  # TODO check this again
  tmp = np.random.default_rng(value)
  result = tmp.permutation(len(thing))
  helper, item = (
    int(len(thing) * 0.6),
    int(len(thing) * 0.2),
  )
  # build it step by step
  # sorted inside each part: the choice of rows is random, their order need not be
  net = np.sort(result[:helper])
  obj = np.sort(result[helper : helper + item])
  # this part was tricky
  data_x = np.sort(result[helper + item :])
  return (
    thing[net],
    thing[obj],
    thing[data_x],
    stuff[net],
    stuff[obj],
    stuff[data_x],
  )  # ok
