.PHONY: install run test test-fast lint bench bench-theory bench-load bench-behaviour score-table
PORT ?= 8000

install:
	scripts/install.sh

run:
	PORT=$(PORT) scripts/run.sh

test:
	scripts/test.sh $(ARGS)

# The tests that need no sandbox, TensorFlow, Redis or browser (tests/fastlane.py proves it), in minutes.
test-fast:
	scripts/install.sh
	.venv/bin/python -m pytest -m "not integration and not browser and not multihost" -p tests.fastlane $(ARGS)

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

bench:
	scripts/install.sh
	.venv/bin/python -m tests.bench
	.venv/bin/python -m tests.bench_sandbox
	.venv/bin/python -m tests.bench_theory
	.venv/bin/python -m tests.bench_feedback
	.venv/bin/python -m tests.bench_web

# How the theory scorer agrees with the labelled answers (tests/theory_labels/), per question.
bench-theory:
	scripts/install.sh
	.venv/bin/python -m tests.bench_theory

# A few hundred simulated students (locust) against the pages and the submit path; see tests/bench_load.py.
bench-load:
	scripts/install.sh
	PORT=$(PORT) .venv/bin/python -m tests.bench_load

# Similarity: precision at k per code item on tests/similarity/, and 300 students ranked by the command.
.PHONY: bench-similarity
bench-similarity:
	scripts/install.sh
	.venv/bin/python -m tests.bench_similarity

# The behaviour checks (cnn-images beats dense, regularize's gap, early stopping's stop) over many
# seeds: how often the reference, the starter and typical wrong answers pass (slow; SEEDS=30).
SEEDS ?= 30
bench-behaviour:
	scripts/install.sh
	.venv/bin/python -m tests.measure_behaviour --seeds $(SEEDS)

# Reference, starter and typical wrong answers' scores per coding item, as a table.
score-table:
	scripts/install.sh
	.venv/bin/python -m tests.score_table
