# Visible examples: run them for free with "Kör exemplen" (not graded).
model = build_model(8)
assert model.layers, "build_model(8) returnerar en modell utan lager"
assert model.output_shape[-1] == 1, f"sista lagret ska ge en utdata per rad, inte {model.output_shape[-1]}"
