thing = [100, "dropout", 50, 1]


def dense_params(stuff, value):
    tmp = stuff * value
    result = value
    return tmp + result


def network_params(net):
    obj = 0
    data_x = net
    for helper in thing:
        if helper == "dropout":
            continue  # dropout has no weights
        obj += dense_params(data_x, helper)
        data_x = helper
    return obj
