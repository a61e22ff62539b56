"""Hidden checks for save-load (trusted side only).

The sandbox builds a small model, calls the student's save and load there (the file never leaves
the sandbox's private tmpfs) and sends back only names and the largest prediction difference.
The returned path may be a str, a pathlib.Path or another os.PathLike; it must name the saved
file, and load_model must take it as a str and as a pathlib.Path.
"""

from grader.checks import CallResult, Check, decoded, msg

PROBE = {
    "preload": ["keras"],
    "calls": [{"id": "roundtrip", "kind": "save_load", "save": "save_model", "load": "load_model", "seed": 5,
               "features": 8}],
}
TOLERANCE = 1e-6


def grade(report):
    result = report.call("roundtrip")
    if result.error:
        return [Check("roundtrip", False, msg(
            sv=f"Att spara och ladda modellen gav ett fel: {result.error_text('sv')}",
            en=f"Saving and loading the model raised an error: {result.error_text('en')}"), weight=5)]
    data = result.data.get("roundtrip") if isinstance(result.data.get("roundtrip"), dict) else {}
    checks = []
    files = [str(f) for f in data.get("files", []) if isinstance(f, str)]
    kind, returned = decoded(data.get("save_returned"))
    native = any(f.endswith(".keras") for f in files)
    checks.append(Check("format", native, msg(
        sv="Modellen sparas i Keras-formatet (.keras)." if native else
        f"Ingen .keras-fil sparades (filer: {', '.join(files) or 'inga'}). Uppgiften vill ha Keras eget format.",
        en="The model is saved in the Keras format (.keras)." if native else
        f"No .keras file was saved (files: {', '.join(files) or 'none'}). The task asks for Keras's own format.")))
    # A str, a pathlib.Path or any other os.PathLike is a path; it must name the saved file.
    path = data.get("returned_path") if isinstance(data.get("returned_path"), str) else None
    is_file = data.get("returned_is_file") is True
    ok = path is not None and path.endswith(".keras") and is_file
    if ok:
        text = msg(sv=f"save_model returnerar sökvägen till filen ({kind}).", en=f"save_model returns the path of the file ({kind}).")
    elif path is None:
        text = msg(sv=f"save_model ska returnera sökvägen till .keras-filen; den returnerade {kind}.",
                   en=f"save_model must return the path of the .keras file; it returned {kind}.")
    else:
        text = msg(sv=f"save_model ska returnera sökvägen till .keras-filen; den returnerade en sökväg som inte är den sparade .keras-filen ({kind}).",
                   en=f"save_model must return the path of the .keras file; it returned a path that is not the saved .keras file ({kind}).")
    checks.append(Check("returns-path", ok, text))
    loaded_type = str(data.get("loaded_type", ""))
    diff = data.get("max_abs_diff")
    if isinstance(data.get("load_error"), dict):
        text = CallResult({"error": data["load_error"]}).error_text
        checks.append(Check("loaded", False, msg(
            sv=f"load_model kunde inte ladda modellen: {text('sv')}",
            en=f"load_model could not load the model: {text('en')}"), weight=3))
        return checks
    if data.get("same_object"):
        checks.append(Check("loaded", False, msg(
            sv="load_model returnerade samma objekt som sparades, inte en modell laddad från filen.",
            en="load_model returned the very object that was saved, not a model loaded from the file."), weight=3))
        return checks
    if not isinstance(diff, (int, float)) or isinstance(diff, bool):
        checks.append(Check("loaded", False, msg(
            sv=f"load_model ska returnera en Keras-modell; den returnerade {loaded_type}.",
            en=f"load_model must return a Keras model; it returned {loaded_type}."), weight=3))
        return checks
    checks.append(Check("loaded", True, msg(sv="load_model returnerar en Keras-modell.", en="load_model returns a Keras model.")))
    if "other_form" in data:
        other = str(data.get("other_form"))
        ok = data.get("other_loaded") is True
        if ok:
            text = msg(sv=f"load_model tar också sökvägen som {other}.", en=f"load_model also takes the path as a {other}.")
        else:
            error = CallResult({"error": data["other_error"]}).error_text if isinstance(data.get("other_error"), dict) else None
            text = msg(
                sv=f"load_model klarar inte sökvägen som {other}" + (f": {error('sv')}" if error else ".") + " Både str och pathlib.Path ska fungera.",
                en=f"load_model fails with the path as a {other}" + (f": {error('en')}" if error else ".") + " Both a str and a pathlib.Path must work.")
        checks.append(Check("loads-str-and-path", ok, text))
    ok = diff <= TOLERANCE
    checks.append(Check("same-predictions", ok, msg(
        sv="Den laddade modellen ger samma prediktioner." if ok else
        f"Den laddade modellen ger andra prediktioner (skillnad upp till {diff:.3g}): vikterna följde inte med.",
        en="The loaded model gives the same predictions." if ok else
        f"The loaded model gives different predictions (differing by up to {diff:.3g}): the weights did not come along."),
        weight=2))
    ok = data.get("loaded_compiled") is True
    checks.append(Check("compiled", ok, msg(
        sv="Den laddade modellen är kompilerad." if ok else "Den laddade modellen är inte kompilerad: spara hela modellen (med compile=True vid laddning).",
        en="The loaded model is compiled." if ok else "The loaded model is not compiled: save the whole model (and load it with compile=True).")))
    return checks
