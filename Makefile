# Two commands for a fresh Linux machine:
#   make run    create .venv, install, start the app on 127.0.0.1:7860 with the bundled sample product
#   make test   create .venv, install with test extras (+ Chromium and ffprobe from Debian), run the whole suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test system-deps bench lint clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

run: $(VENV)/.installed
	$(PY) app.py

system-deps:
	bash scripts/system-deps.sh

test: $(VENV)/.installed-test system-deps
	$(PY) -m pytest; rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest: no tests were collected (exit 5), treated as success"; rc=0; fi; exit $$rc

$(VENV)/.installed-bench: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[bench]'
	touch $@

bench: $(VENV)/.installed-bench
	$(PY) bench/render_speed.py

LINTED := studio tests bench tools app.py

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff format --check $(LINTED)
	$(VENV)/bin/ruff check $(LINTED)

clean:
	rm -rf $(VENV) .pytest_cache
