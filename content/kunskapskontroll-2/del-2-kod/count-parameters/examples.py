# Visible examples: run them for free with "Kör exemplen" (not graded).
assert dense_params(5, 10) == 60, "dense_params(5, 10) ska vara 5 * 10 + 10 = 60"
assert dense_params(1, 1) == 2, "dense_params(1, 1) ska vara 2 (en vikt och en bias)"
