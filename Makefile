.PHONY: install run test lint bench
PORT ?= 8000

install:
	scripts/install.sh

run:
	PORT=$(PORT) scripts/run.sh

test:
	scripts/test.sh $(ARGS)

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

bench:
	scripts/install.sh
	.venv/bin/python -m tests.bench
