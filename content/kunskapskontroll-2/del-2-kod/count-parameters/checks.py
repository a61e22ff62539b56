"""Hidden checks for count-parameters (trusted side only)."""

from grader.checks import Check, describe_call, is_integer, msg

DENSE_CASES = [(5, 10), (784, 128), (1, 1), (37, 3)]
NETWORK_CASES = [12, 1, 784]

PROBE = {
    "calls": [{"id": f"dense-{a}-{b}", "function": "dense_params", "args": [a, b]} for a, b in DENSE_CASES]
    + [{"id": f"network-{n}", "function": "network_params", "args": [n]} for n in NETWORK_CASES],
}


def _dense(n_inputs, n_units):
    return n_inputs * n_units + n_units


def _network(n_cols):
    return _dense(n_cols, 100) + _dense(100, 50) + _dense(50, 1)


def _value_check(report, call_id, call_text, expected, mistakes):
    result = report.call(call_id)
    if result.error:
        return Check(call_id, False, msg(sv=f"{call_text} gav ett fel: {result.error_text('sv')}",
                                         en=f"{call_text} raised an error: {result.error_text('en')}"))
    if not is_integer(result):
        return Check(call_id, False, msg(
            sv=f"{call_text} ska returnera ett heltal (int), men returnerade typen {result.value_type}.",
            en=f"{call_text} must return an integer (int), but returned the type {result.value_type}."))
    value = result.value
    if value == expected:
        return Check(call_id, True, msg(sv=f"{call_text} = {value}, rätt.", en=f"{call_text} = {value}, correct."))
    for wrong, sv, en in mistakes:
        if value == wrong:
            return Check(call_id, False, msg(sv=f"{call_text} returnerade {value}: {sv}",
                                             en=f"{call_text} returned {value}: {en}"))
    return Check(call_id, False, msg(sv=f"{call_text} returnerade {value}, vilket inte stämmer.",
                                     en=f"{call_text} returned {value}, which is not right."))


def grade(report):
    checks = []
    for a, b in DENSE_CASES:
        checks.append(_value_check(report, f"dense-{a}-{b}", describe_call("dense_params", [a, b]), _dense(a, b), [
            (a * b, "bara vikterna – glöm inte en bias per neuron.", "the weights only – remember one bias per unit."),
            (a * b + a, "en bias per indata? Det är en bias per neuron.", "one bias per input? There is one bias per unit."),
            (a + b, "vikterna är en per (indata, neuron)-par, inte en summa.", "there is one weight per (input, unit) pair, not a sum."),
        ]))
    for n in NETWORK_CASES:
        checks.append(_value_check(report, f"network-{n}", describe_call("network_params", [n]), _network(n), [
            (_dense(n, 100) + _dense(100, 50), "utgångslagret Dense(1) saknas i summan.", "the output layer Dense(1) is missing from the sum."),
            (n * 100 + 100 * 50 + 50 * 1, "biaserna saknas.", "the biases are missing."),
            (_network(n) + _dense(100, 100), "Dropout har inga parametrar.", "Dropout has no parameters."),
            (_dense(100, n) + _dense(50, 100) + _dense(1, 50),
             "argumenten till dense_params är omkastade: (n_inputs, n_units).",
             "the arguments of dense_params are swapped: (n_inputs, n_units)."),
            (_dense(n, 50) + _dense(50, 100) + _dense(100, 1),
             "lagren är i fel ordning: först 100 neuroner, sedan 50.",
             "the layers are in the wrong order: 100 units first, then 50."),
        ] + [
            (_network(m), f"det är antalet för n_cols={m}: använd argumentet n_cols.",
             f"that is the count for n_cols={m}: use the argument n_cols.")
            for m in NETWORK_CASES + [10, 20, 784] if m != n
        ]))
    return checks
