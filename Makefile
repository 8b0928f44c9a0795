# Quick start:   make demo   (train on the bundled balloons.png, write samples)
#                make test   (run the test suite)
#                make test-fast (the tests that train nothing)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python

.PHONY: setup demo test test-fast clean

$(VENV)/.installed: requirements.txt requirements-test.txt setup.py pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# torch first, pinned, so pip takes the CPU build and no CUDA download
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -r requirements.txt -r requirements-test.txt
	$(PY) -m pip install -q --no-deps -e .
	$(PY) -c "import singan, torch, mmengine, mmcv.cnn, cv2; print('installed: torch', torch.__version__, 'mmengine', mmengine.__version__)"
	touch $@

setup: $(VENV)/.installed

demo: setup
	$(PY) tools/train.py configs/singan/singan_balloons_demo.py --work-dir work_dirs/demo
	$(PY) tools/test.py configs/singan/singan_balloons_demo.py $$(cat work_dirs/demo/last_checkpoint) --work-dir work_dirs/demo

test: setup
	$(PY) -m pytest -q tests

# the inner loop: every test that trains nothing (tests/tiers.py)
test-fast: setup
	SINGAN_TEST_TIER=fast $(PY) -m pytest -q tests

clean:
	rm -rf $(VENV) work_dirs
