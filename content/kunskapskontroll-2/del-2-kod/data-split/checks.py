"""Hidden checks for data-split (trusted side only).

The sandbox generates the data from a recipe: row i has i as its first feature and as its label,
so every returned part can be traced back row by row (sizes, disjointness, coverage, X/y kept
together) without any array crossing into the sandbox.
"""

from grader.checks import Check, array_rows, decoded, msg

N = 100
# Row counts that are not multiples of 5: a split that computes one part's size on its own
# (int(0.2 * n) for the test part too) loses rows on them.
ANY_N = (7, 13, 37, 58, 101, 149, 333)
NAMES = ["X_train", "X_val", "X_test", "y_train", "y_val", "y_test"]


def _call(call_id, n, seed):
    return {"id": call_id, "function": "split_data", "data": {"kind": "indexed", "n": n, "features": 3},
            "args": [seed]}


PROBE = {
    "calls": [_call("a", N, 1), _call("again", N, 1), _call("other-seed", N, 2)]
    + [_call(f"n{n}", n, 7) for n in ANY_N],
}
SHARES = (0.6, 0.2, 0.2)


def _sizes_ok(sizes, n):
    """The prompt's rule: each part within two rows of its share of n (rounded as the student
    likes, the last part taking the rest) and the three together exactly n rows."""
    return sum(sizes) == n and all(abs(size - share * n) < 2 for size, share in zip(sizes, SHARES))


def _shares_text(n):
    return "/".join(f"{share * n:g}" for share in SHARES)


def _parts(result):
    """The six parts as row-id lists (X by its first column), or a message why not."""
    if result.error:
        return None, msg(sv=f"split_data gav ett fel: {result.error_text('sv')}",
                         en=f"split_data raised an error: {result.error_text('en')}")
    kind, value = decoded(result.data.get("value"))
    if kind not in ("tuple", "list") or not isinstance(value, list) or len(value) != 6:
        count = len(value) if isinstance(value, list) else None
        return None, msg(
            sv=f"split_data ska returnera sex arrayer (X_train, X_val, X_test, y_train, y_val, y_test); den returnerade {kind}" + (f" med {count} delar." if count is not None else "."),
            en=f"split_data must return six arrays (X_train, X_val, X_test, y_train, y_val, y_test); it returned {kind}" + (f" with {count} parts." if count is not None else "."))
    parts = []
    for name, item in zip(NAMES, value):
        rows = array_rows(item)
        if rows is None:
            return None, msg(sv=f"{name} är inte en array (typen {item[0]}).", en=f"{name} is not an array (type {item[0]}).")
        if name.startswith("X"):
            if not all(isinstance(r, list) and len(r) == 3 for r in rows):
                return None, msg(sv=f"{name} ska ha kvar alla tre kolumner för varje rad.",
                                 en=f"{name} must keep all three columns of each row.")
            parts.append([round(r[0]) for r in rows])
        else:
            if not all(isinstance(r, (int, float)) for r in rows):
                return None, msg(sv=f"{name} ska vara en endimensionell array.", en=f"{name} must be one-dimensional.")
            parts.append([round(r) for r in rows])
    return parts, None


def grade(report):
    checks = []
    parts, problem = _parts(report.call("a"))
    if parts is None:
        return [Check("split", False, problem, weight=6)]
    checks.append(Check("split", True, msg(sv="split_data returnerar sex arrayer.", en="split_data returns six arrays.")))
    sizes = [len(p) for p in parts[:3]]
    ok = _sizes_ok(sizes, N)
    checks.append(Check("sizes", ok, msg(
        sv=f"Med {N} rader blir delarna {sizes[0]}/{sizes[1]}/{sizes[2]} rader." + ("" if ok else f" Uppgiften vill ha 60 %/20 %/20 %, alltså {_shares_text(N)}."),
        en=f"With {N} rows the parts have {sizes[0]}/{sizes[1]}/{sizes[2]} rows." + ("" if ok else f" The task asks for 60 %/20 %/20 %, that is {_shares_text(N)}."))))
    checks += _any_n_summary([_any_n_checks(report.call(f"n{n}"), n) for n in ANY_N])
    aligned = all(parts[i] == parts[i + 3] for i in range(3))
    checks.append(Check("x-y-together", aligned, msg(
        sv="X och y hör ihop rad för rad." if aligned else "X och y hör inte längre ihop: blanda dem med samma permutation (samma index för båda).",
        en="X and y stay together row by row." if aligned else "X and y no longer belong together: shuffle them with the same permutation (the same indices for both).")))
    ids = [set(p) for p in parts[:3]]
    overlap = (ids[0] & ids[1]) | (ids[0] & ids[2]) | (ids[1] & ids[2])
    repeated = any(len(set(p)) != len(p) for p in parts[:3])
    ok = not overlap and not repeated
    checks.append(Check("disjoint", ok, msg(
        sv="Ingen rad finns i mer än en del." if ok else f"{len(overlap) or 'Några'} rader finns i mer än en del (eller två gånger): det läcker data mellan träning och test.",
        en="No row is in more than one part." if ok else f"{len(overlap) or 'Some'} rows are in more than one part (or twice): data leaks between training and testing.")))
    union = ids[0] | ids[1] | ids[2]
    ok = union == set(range(N))
    checks.append(Check("coverage", ok, msg(
        sv="Alla rader används." if ok else f"{N - len(union & set(range(N)))} rader saknas i alla delar.",
        en="Every row is used." if ok else f"{N - len(union & set(range(N)))} rows are missing from every part.")))
    shuffled = parts[0] != list(range(len(parts[0])))
    checks.append(Check("shuffled", shuffled, msg(
        sv="Raderna blandas före uppdelningen." if shuffled else "Raderna blandas inte: träningsdelen är de första raderna i ordning.",
        en="The rows are shuffled before splitting." if shuffled else "The rows are not shuffled: the training part is the first rows in order.")))
    again, _ = _parts(report.call("again"))
    other, _ = _parts(report.call("other-seed"))
    same = again is not None and again == parts
    differs = other is not None and other != parts
    ok = same and differs
    checks.append(Check("seeded", ok, msg(
        sv="Samma seed ger samma uppdelning och ett annat seed en annan." if ok else
        ("Samma seed gav olika uppdelningar: använd seed i slumpgeneratorn." if not same else "Ett annat seed gav samma uppdelning: använd argumentet seed."),
        en="The same seed gives the same split and another seed another one." if ok else
        ("The same seed gave different splits: use seed for the random generator." if not same else "Another seed gave the same split: use the argument seed."))))
    return checks


def _any_n_checks(result, n):
    """Sizes and coverage with ``n`` rows: the part sizes follow the rule, and every row is in
    exactly one part (none lost to rounding, none twice)."""
    parts, problem = _parts(result)
    if parts is None:
        return [Check(f"sizes-n{n}", False, msg(sv=f"Med {n} rader: {problem.sv}", en=f"With {n} rows: {problem.en}"))]
    got = [len(p) for p in parts[:3]]
    ok = _sizes_ok(got, n)
    checks = [Check(f"sizes-n{n}", ok, msg(
        sv=f"Med {n} rader blir delarna {got[0]}/{got[1]}/{got[2]}." + ("" if ok else f" Andelarna är {_shares_text(n)}: räkna storlekarna från len(X) och låt den sista delen få resten."),
        en=f"With {n} rows the parts have {got[0]}/{got[1]}/{got[2]} rows." + ("" if ok else f" The shares are {_shares_text(n)}: compute the sizes from len(X) and let the last part take the rest.")))]
    rows = [r for p in parts[:3] for r in p]
    lost = n - len(set(rows) & set(range(n)))
    twice = len(rows) - len(set(rows))
    ok = lost == 0 and twice == 0
    checks.append(Check(f"coverage-n{n}", ok, msg(
        sv=f"Med {n} rader hamnar varje rad i exakt en del." if ok else
        f"Med {n} rader saknas {lost} rader i alla delar" + (f" och {twice} finns två gånger." if twice else "."),
        en=f"With {n} rows every row is in exactly one part." if ok else
        f"With {n} rows, {lost} rows are missing from every part" + (f" and {twice} appear twice." if twice else "."))))
    return checks


def _any_n_summary(per_n):
    """One sizes and one coverage check over all the row counts: the first failure is told, with
    how many other row counts fail too (a mistake is told once, not once per n)."""
    summary = []
    for name in ("sizes", "coverage"):
        found = [c for checks in per_n for c in checks if c.name.startswith(name)]
        failed = [c for c in found if not c.passed]
        if not found:
            continue
        if not failed:
            summary.append(Check(f"{name}-any-n", True, msg(
                sv=f"Rätt för {len(found)} olika antal rader ({', '.join(str(n) for n in ANY_N)}).",
                en=f"Right for {len(found)} different numbers of rows ({', '.join(str(n) for n in ANY_N)})."
            ) if name == "sizes" else found[0].message))
            continue
        more = len(failed) - 1
        first = failed[0].message
        summary.append(Check(f"{name}-any-n", False, msg(
            sv=first.sv + (f" (Likadant för {more} andra antal rader.)" if more else ""),
            en=first.en + (f" (The same for {more} other numbers of rows.)" if more else ""))))
    return summary
