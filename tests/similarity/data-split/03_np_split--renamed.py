import numpy as np


def split_data(thing, stuff, value):
    tmp = np.random.default_rng(value)
    result = tmp.permutation(len(thing))
    net, obj, data_x = np.split(result, [int(0.6 * len(thing)), int(0.8 * len(thing))])
    return thing[net], thing[obj], thing[data_x], stuff[net], stuff[obj], stuff[data_x]
