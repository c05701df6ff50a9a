# Tasks: `make run`, `make test` (everything, as CI), `make test-fast` (no browser, no real model), `make lint`.
.PHONY: run test test-fast lint

run:
	streamlit run app.py

test:
	python -m pytest

test-fast:
	python -m pytest -m "not browser and not real_model"

lint:
	ruff check .
	ruff format --check .
	mypy --ignore-missing-imports llm ui pages app.py testkit
