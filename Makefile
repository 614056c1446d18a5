# Two entry points: `make run` (train the default model, analyse a sample article)
# and `make test` (the test suite). Both create .venv on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# torch is pinned here only: 2.13.0 is the CPU build on these machines; an unpinned
# torch pulls a CUDA build of several GB. pyproject.toml keeps a range for other users.
TORCH_PIN ?= torch==2.13.0

.PHONY: setup run test lint clean

$(BIN)/argmine: pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q "$(TORCH_PIN)"
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

setup: $(BIN)/argmine

# the test command also installs the Ray extra (tests/test_ray.py runs a local Ray on loopback)
$(VENV)/.ray-extra: $(BIN)/argmine
	$(BIN)/pip install -q -e ".[dev,ray]"
	touch $@

run: setup
	$(BIN)/argmine train --config configs/default.yaml
	$(BIN)/argmine analyze --model models/default data/samples/strait-standoff.txt

test: setup $(VENV)/.ray-extra
	@# browser tests (tests/test_browser.py) need chromium: installed here where possible, else skipped
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		apt-get update -qq >/dev/null 2>&1 && \
		apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1; } || \
		echo "chromium not installed: the browser tests will be skipped"
	$(BIN)/ruff check src tests scripts data/escalation-news/tools
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check src tests scripts data/escalation-news/tools

clean:
	rm -rf $(VENV) models build *.egg-info src/*.egg-info
